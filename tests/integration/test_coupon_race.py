"""CPN-1 under real concurrency: many processes, released together by a barrier, place orders
with a coupon that has one use left. Exactly one order gets it, on SQLite and on the PostgreSQL
and MariaDB servers; every other checkout is refused with ``conflict`` and places nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ecommerce_core import Money, Principal
from ecommerce_core.domain.pricing import Benefit
from tests.contract.backends import backend_url, server_marks
from tests.integration.test_races import in_shop, race, refusal, register_buyers
from tests.support import ADDRESS, open_shop, seed

RACERS = 24
CODE = "LAST-USE"


def _racer(url: str, customer_id: str, barrier: Any, results: Any) -> None:
    who = Principal.customer(customer_id)

    def buy(shop: Any) -> tuple[str, int]:
        order = shop.checkout.place_order(
            who, idempotency_key="race", shipping_address=ADDRESS, coupons=[CODE]
        )
        return ("won", order.discount.amount)

    in_shop(
        url,
        barrier,
        results,
        buy,
        lambda shop: shop.carts.add_item(who, "CABLE-1M", 1),
        refused=refusal,
        timeout=240,  # 24 processes start slowly on 2 busy cores
    )


def _blind_pricing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every racer's pricing believe the coupon still has uses (as it would if all of them
    priced before anyone committed), so that only the conditional update can stop the extra ones."""
    from ecommerce_core.domain.pricing import candidates

    real = candidates.coupon_refusal

    def ignore_the_count(applied: Any, context: Any) -> str:
        reason = real(applied, context)
        return "" if reason == "usage_limit_reached" else reason

    monkeypatch.setattr(candidates, "coupon_refusal", ignore_the_count)


@pytest.mark.slow
@pytest.mark.parametrize("stale", [False, True], ids=["fresh-quotes", "stale-quotes"])
@pytest.mark.parametrize(
    "backend",
    [pytest.param(n, marks=server_marks(n), id=n) for n in ("sqlite", "postgres", "mysql")],
)
def test_twenty_four_checkouts_race_for_a_coupons_last_use_and_one_wins(
    backend: str, stale: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = backend_url(backend, tmp_path)
    shop = open_shop(url)
    world = seed(shop, shop.clock, stock=RACERS * 2)  # type: ignore[arg-type]
    coupon = shop.promotions.create_coupon(
        world.admin,
        name="10 off, the last one",
        kind="platform",
        benefit=Benefit("amount_off_order", {"amount": Money.of("10", "CNY")}),
        usage_limit=2,
        code=CODE,
    )
    # one use is spent before the race: the racers fight for the last one
    shop.carts.add_item(world.other, "CABLE-1M", 1)
    shop.checkout.place_order(
        world.other, idempotency_key="early", shipping_address=ADDRESS, coupons=[CODE]
    )
    racers = register_buyers(shop, RACERS)
    shop.close()
    if stale:
        _blind_pricing(monkeypatch)  # inherited by the forked racers

    outcomes = race(_racer, [(url, cid) for cid in racers], timeout=360)

    winners = [o for o in outcomes if o[0] == "won"]
    assert len(winners) == 1, outcomes
    assert winners[0][1] == 1000
    losers = [o for o in outcomes if o[0] != "won"]
    assert {code for code, _ in losers} == {"conflict"}, losers
    assert all(details["reasons"] == {CODE: "usage_limit_reached"} for _, details in losers), losers
    shop = open_shop(url)
    try:
        (stored,) = [c for c in shop.promotions.list_coupons(world.admin) if c.id == coupon.id]
        assert stored.used == 2
        orders = shop.orders.list(world.admin)
        assert len(orders) == 2
        assert sum(o.discount.amount for o in orders) == 2 * 1000
        level = shop.inventory.levels(world.admin, "CABLE-1M")[0]
        assert level.reserved == 2  # the losers hold nothing
    finally:
        shop.close()
