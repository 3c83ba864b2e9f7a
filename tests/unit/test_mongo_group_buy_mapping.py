"""The MongoDB documents of group-buy campaigns: domain -> document -> BSON bytes -> domain
exactly; a document edited into a shape this library never writes is reported as corrupt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ecommerce_core import Money
from ecommerce_core.domain.errors import CorruptData
from ecommerce_core.domain.group_buy import GroupBuy, GroupBuyStatus

pytest.importorskip("pymongo")
from ecommerce_mongo import group_buy as gb
from ecommerce_mongo import schema

AT = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)


def _through_bson(doc: dict[str, Any]) -> dict[str, Any]:
    import bson

    decoded: dict[str, Any] = bson.decode(bson.encode(doc))
    return decoded


SAMPLES = [
    GroupBuy("gb_1", "CABLE-1M", Money(2990, "CNY"), 3, AT, AT + timedelta(days=2)),
    GroupBuy(
        "gb_2", "PX-1", Money(1, "KWD"), 2, AT, AT + timedelta(hours=1), max_buyers=5,
        per_buyer_limit=2, status=GroupBuyStatus.FAILED, joined=1, settled_at=AT,
    ),
]  # fmt: skip


@pytest.mark.parametrize("campaign", SAMPLES)
def test_campaign_documents_round_trip_through_bson(campaign: GroupBuy) -> None:
    assert gb.group_buy_from_doc(_through_bson(gb.group_buy_to_doc(campaign))) == campaign


@pytest.mark.parametrize(
    "edit",
    [
        {"joined": -1},
        {"min_buyers": 0},
        {"max_buyers": 1},  # under min_buyers
        {"status": "maybe"},
        {"price": {"amount": "12", "currency": "CNY"}},
        {"price": None},
        {"deadline": "2026-03-01T08:30:15+00:00"},  # not after the start
    ],
)
def test_edited_campaign_documents_are_reported_as_corrupt(edit: dict[str, Any]) -> None:
    doc = {**gb.group_buy_to_doc(SAMPLES[0]), **edit}
    with pytest.raises(CorruptData):
        gb.group_buy_from_doc(doc)


def test_the_campaigns_collection_is_indexed_for_the_sweep_and_guards_its_count() -> None:
    assert schema.GROUP_BUYS in schema.DATA_COLLECTIONS
    assert [ix.name for ix in schema.COLLECTIONS[schema.GROUP_BUYS]] == ["ix_due"]
    assert "joined" in schema.VALIDATORS[schema.GROUP_BUYS]
