"""Points under real concurrency: one customer's checkouts in many processes, released together
by a barrier, each redeeming the whole balance. The points are spent by one conditional update in
the order's transaction, so exactly one order gets them, on SQLite, PostgreSQL and MariaDB; every
other checkout is refused and places nothing, and the balance equals the sum of its ledger."""

from __future__ import annotations

import multiprocessing as mp
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ecommerce_core import Money, Principal
from ecommerce_core.domain.loyalty import PointsReason
from ecommerce_core.domain.pricing import PointsPolicy, PricingPolicy
from tests.contract.backends import backend_url, server_marks
from tests.support import ADDRESS, open_shop, seed

RACERS = 12
BALANCE = 1_000
POLICY = PricingPolicy(points=PointsPolicy(Money.of("0.01", "CNY"), max_percent=Decimal(100)))


def _racer(url: str, customer_id: str, n: int, barrier: Any, results: Any) -> None:
    try:
        shop = open_shop(url, pricing=POLICY)
        who = Principal.customer(customer_id)
    except Exception as exc:  # a racer that cannot even start must not leave the others waiting
        results.put(("could not start", repr(exc)))
        barrier.abort()
        return
    try:
        barrier.wait(timeout=240)
        order = shop.checkout.place_order(
            who, idempotency_key=f"tab-{n}", shipping_address=ADDRESS, redeem_points=BALANCE
        )
        results.put(("won", order.total.amount))
    except Exception as exc:  # every outcome is reported to the parent and judged there
        results.put((getattr(exc, "code", repr(exc)), dict(getattr(exc, "details", {}))))
    finally:
        shop.close()


def _blind_checkout(monkeypatch: pytest.MonkeyPatch, cart: Any, buyer: Any) -> None:
    """Make every racer see the cart and the balance as they were before the race (as they would
    if all of them priced before anyone committed), so that only the conditional update on the
    balance can stop the extra ones."""
    from ecommerce_core.services import checkout, quotes

    monkeypatch.setattr(quotes, "_buyer", lambda uow, customer_id, *args, **kwargs: buyer)
    monkeypatch.setattr(
        checkout.CheckoutService, "_cart", staticmethod(lambda uow, customer_id, **kwargs: cart)
    )


@pytest.mark.slow
@pytest.mark.parametrize("stale", [False, True], ids=["fresh-reads", "stale-reads"])
@pytest.mark.parametrize(
    "backend",
    [pytest.param(n, marks=server_marks(n), id=n) for n in ("sqlite", "postgres", "mysql")],
)
def test_one_customers_checkouts_race_for_the_same_points_and_one_spends_them(
    backend: str, stale: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecommerce_core.services.quotes import _buyer

    url = backend_url(backend, tmp_path)
    shop = open_shop(url, pricing=POLICY)
    world = seed(shop, shop.clock, stock=RACERS * 2)  # type: ignore[arg-type]
    customer_id = str(world.customer.id)
    shop.loyalty.adjust_points(world.admin, customer_id, BALANCE)
    shop.carts.add_item(world.customer, "CABLE-1M", 1)
    quote = shop.checkout.quote(world.customer, redeem_points=BALANCE)
    assert quote.points_redeemed == BALANCE
    with shop._ctx.uow() as uow:
        index = shop._ctx.pricing.index(uow.promotions.list())
        cart = uow.carts.get_for_customer(customer_id)
        buyer = _buyer(uow, customer_id, index, [])
    shop.close()
    if stale:
        _blind_checkout(monkeypatch, cart, buyer)  # inherited by the forked racers

    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(RACERS), ctx.Queue()
    procs = [
        ctx.Process(target=_racer, args=(url, customer_id, n, barrier, results))
        for n in range(RACERS)
    ]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=360) for _ in procs]
    for p in procs:
        p.join(timeout=60)

    winners = [o for o in outcomes if o[0] == "won"]
    with_points = [o for o in winners if o[1] == quote.total.amount == 4990 - 1000]
    assert len(with_points) == 1, outcomes
    losers = [o for o in outcomes if o[0] != "won"]
    if stale:
        assert len(winners) == 1, outcomes
        assert {code for code, _ in losers} == {"conflict"}, losers
        assert all(d["reasons"] == {"points": "points_insufficient"} for _, d in losers), losers
    else:
        # a late racer finds the cart emptied or the balance spent; one that read the cart before
        # the winner emptied it and the balance after it spent the points places the cart at
        # full price (the cart itself is not locked by checkout: see docs/pricing.md)
        assert all(o[1] == 4990 for o in winners if o not in with_points), outcomes
        assert {code for code, _ in losers} <= {"conflict", "empty_cart"}, losers
    shop = open_shop(url, pricing=POLICY)
    try:
        member = shop.loyalty.membership(world.admin, customer_id)
        ledger = shop.loyalty.ledger(world.admin, customer_id)
        assert member.points == 0
        assert sorted((e.delta, e.reason) for e in ledger) == [
            (-BALANCE, PointsReason.REDEEMED),
            (BALANCE, PointsReason.ADJUSTED),
        ]
        orders = shop.orders.list(world.admin)
        assert len(orders) == len(winners)
        assert sorted(o.total.amount for o in orders) == sorted(o[1] for o in winners)
        level = shop.inventory.levels(world.admin, "CABLE-1M")[0]
        assert level.reserved == len(winners)  # the losers hold nothing
    finally:
        shop.close()
