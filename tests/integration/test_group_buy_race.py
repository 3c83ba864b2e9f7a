"""A group-buy's last places under real concurrency: many processes, released together by a
barrier, join a campaign with a maximum; exactly ``max_buyers`` joins are counted, on SQLite and
on the PostgreSQL and MariaDB servers. Every racer's read believes there is room, so only the
conditional update can stop the extra ones; each loser is refused with ``group_buy_full`` and
places nothing (no order, no stock held)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ecommerce_core import Money, Principal
from ecommerce_core.domain.group_buy import GroupBuy, GroupBuyStatus
from tests.contract.backends import backend_url, server_marks
from tests.integration.test_races import in_shop, race, refusal, register_buyers
from tests.support import ADDRESS, open_shop, seed

RACERS = 12
MAX = 3


def _racer(url: str, customer_id: str, campaign_id: str, barrier: Any, results: Any) -> None:
    who = Principal.customer(customer_id)

    def join(shop: Any) -> tuple[str, int]:
        order = shop.checkout.place_order(
            who, idempotency_key="race", shipping_address=ADDRESS, group_buy=campaign_id
        )
        return ("won", order.lines[0].total.amount)

    in_shop(
        url,
        barrier,
        results,
        join,
        lambda shop: shop.carts.add_item(who, "CABLE-1M", 1),
        refused=refusal,
        timeout=240,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend",
    [pytest.param(n, marks=server_marks(n), id=n) for n in ("sqlite", "postgres", "mysql")],
)
def test_checkouts_race_for_a_group_buys_last_places_and_exactly_max_win(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = backend_url(backend, tmp_path)
    shop = open_shop(url)
    world = seed(shop, shop.clock, stock=RACERS * 2)  # type: ignore[arg-type]
    campaign = shop.group_buys.create(
        world.admin,
        sku="CABLE-1M",
        price=Money(2990, "CNY"),
        min_buyers=2,
        max_buyers=MAX,
        deadline=shop.clock.now() + timedelta(days=1),
    )
    # one place is taken before the race: the racers fight for the last MAX - 1
    shop.carts.add_item(world.other, "CABLE-1M", 1)
    shop.checkout.place_order(
        world.other, idempotency_key="early", shipping_address=ADDRESS, group_buy=campaign.id
    )
    racers = register_buyers(shop, RACERS)
    shop.close()
    # every racer's read says there is room (as if all read before anyone committed)
    monkeypatch.setattr(GroupBuy, "full", property(lambda self: False))

    outcomes = race(_racer, [(url, cid, campaign.id) for cid in racers], timeout=360)

    winners = [o for o in outcomes if o[0] == "won"]
    assert len(winners) == MAX - 1, outcomes
    assert {total for _, total in winners} == {2990}
    losers = [o for o in outcomes if o[0] != "won"]
    assert {code for code, _ in losers} == {"group_buy_full"}, losers
    monkeypatch.undo()
    shop = open_shop(url)
    try:
        stored = shop.group_buys.get(world.admin, campaign.id)
        assert (stored.joined, stored.status) == (MAX, GroupBuyStatus.SUCCEEDED)
        assert len(shop.orders.list(world.admin)) == MAX
        level = shop.inventory.levels(world.admin, "CABLE-1M")[0]
        assert level.reserved == MAX  # the losers hold nothing
        with shop._ctx.uow() as uow:
            events = [e for _, e in uow.outbox.list(0, limit=10_000)]
        assert [e.name for e in events].count("group_buy.succeeded") == 1
    finally:
        shop.close()
