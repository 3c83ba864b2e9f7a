"""The MongoDB documents of memberships, points entries and redemptions: domain -> document ->
BSON bytes -> domain exactly, and a document edited into a shape this library never writes is
reported as corrupt, never fixed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ecommerce_core import Money
from ecommerce_core.domain.errors import CorruptData
from ecommerce_core.domain.loyalty import Membership, PointsEntry
from ecommerce_core.domain.pricing import Redemption

pytest.importorskip("pymongo")
from ecommerce_mongo import loyalty as lo
from ecommerce_mongo import schema

AT = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)


def _through_bson(doc: dict[str, Any]) -> dict[str, Any]:
    import bson

    decoded: dict[str, Any] = bson.decode(bson.encode(doc))
    return decoded


SAMPLES: list[tuple[Any, Any, Any]] = [
    (Membership("cus_1"), lo.membership_to_doc, lo.membership_from_doc),
    (
        Membership("cus_2", {"vip", "trade"}, "gold", {"acme"}, 10**12, AT),
        lo.membership_to_doc,
        lo.membership_from_doc,
    ),
    (PointsEntry("pts_1", "cus_1", -300, "redeemed", AT, "ord_1"), lo.entry_to_doc, lo.entry_from_doc),
    (PointsEntry("pts_2", "cus_1", 5, "adjusted", AT, note="goodwill"), lo.entry_to_doc, lo.entry_from_doc),
    (
        Redemption("ord_1", "coupon", "cpn_1", "cus_1", AT, Money.of("10.00", "CNY"), "SAVE10"),
        lo.redemption_to_doc,
        lo.redemption_from_doc,
    ),
    (
        Redemption("ord_1", "points", "points", "cus_1", AT, Money(1, "KWD"), points=7, settled_at=AT),
        lo.redemption_to_doc,
        lo.redemption_from_doc,
    ),
]  # fmt: skip


@pytest.mark.parametrize(("obj", "to_doc", "from_doc"), SAMPLES)
def test_loyalty_documents_round_trip_through_bson(obj: Any, to_doc: Any, from_doc: Any) -> None:
    assert from_doc(_through_bson(to_doc(obj))) == obj


@pytest.mark.parametrize(
    ("obj", "to_doc", "from_doc", "edit"),
    [
        (SAMPLES[1][0], lo.membership_to_doc, lo.membership_from_doc, {"points": -1}),
        (SAMPLES[1][0], lo.membership_to_doc, lo.membership_from_doc, {"tier": "Gold Plus"}),
        (SAMPLES[1][0], lo.membership_to_doc, lo.membership_from_doc, {"groups": ["b", "a"]}),
        (SAMPLES[2][0], lo.entry_to_doc, lo.entry_from_doc, {"delta": 0}),
        (SAMPLES[2][0], lo.entry_to_doc, lo.entry_from_doc, {"reason": "stolen"}),
        (SAMPLES[4][0], lo.redemption_to_doc, lo.redemption_from_doc, {"amount": None}),
        (SAMPLES[4][0], lo.redemption_to_doc, lo.redemption_from_doc, {"at": "yesterday"}),
    ],
)
def test_an_edited_loyalty_document_is_corrupt_data(
    obj: Any, to_doc: Any, from_doc: Any, edit: dict[str, Any]
) -> None:
    doc = {**to_doc(obj), **edit}
    with pytest.raises(CorruptData):
        from_doc(_through_bson(doc))


def test_the_loyalty_collections_are_migrated_and_backed_up() -> None:
    assert {"ec_memberships", "ec_points_ledger", "ec_redemptions"} <= set(schema.DATA_COLLECTIONS)
    # the database itself refuses a negative balance, whatever writes it
    assert schema.VALIDATORS["ec_memberships"]["$expr"] == {"$gte": ["$points", 0]}
    # redemptions sort by their _id exactly as (order, kind, source) do on every backend
    doc = lo.redemption_to_doc(SAMPLES[4][0])
    assert list(doc["_id"]) == ["order_id", "kind", "source_id"]
