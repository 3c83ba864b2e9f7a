"""INV-1 under real concurrency: many processes, released together by a barrier, buy the last units.

Exactly as many orders succeed as there are units, on SQLite and on the PostgreSQL, MariaDB and
MongoDB servers; the others are refused with ``out_of_stock``; nothing is over-reserved.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ecommerce_core import Principal
from tests.contract.backends import backend_url, server_marks
from tests.support import ADDRESS, PASSWORD, open_shop, seed

BUYERS = 32
UNITS = 5


def _code(exc: Exception) -> Any:
    return getattr(exc, "code", repr(exc))


def refusal(exc: Exception) -> tuple[Any, dict[str, Any]]:
    """What a racer was refused with: the error's code and details."""
    return (_code(exc), dict(getattr(exc, "details", {})))


def in_shop(
    url: str,
    barrier: Any,
    results: Any,
    act: Callable[[Any], Any],
    prepare: Callable[[Any], object] | None = None,
    *,
    refused: Callable[[Exception], Any] = _code,
    timeout: float = 60,
) -> None:
    """The body of one racing process: open the shop (and ``prepare`` it), wait at the barrier
    (``timeout`` seconds at most), then ``act`` once. What ``act`` returns, or ``refused`` of what
    it raised (its error code), goes to the parent, which judges every outcome; a process that
    cannot even start fails the test, by name, and does not leave the others waiting."""
    try:
        shop = open_shop(url)
        if prepare is not None:
            prepare(shop)
    except Exception as exc:
        barrier.abort()
        results.put(f"setup failed: {exc!r}")
        return
    try:
        barrier.wait(timeout=timeout)
        try:
            results.put(act(shop))
        except Exception as exc:
            results.put(refused(exc))
    finally:
        shop.close()


def _buyer(url: str, customer_id: str, barrier: Any, results: Any) -> None:
    """One buyer of one unit: the cart filled before the barrier, the order placed after it."""
    who = Principal.customer(customer_id)

    def buy(shop: Any) -> str:
        shop.checkout.place_order(who, idempotency_key="race", shipping_address=ADDRESS)
        return "sold"

    in_shop(url, barrier, results, buy, lambda shop: shop.carts.add_item(who, "PX-128-BLK", 1))


def register_buyers(shop: Any, count: int) -> list[str]:
    """``count`` customers registered in ``shop``: their ids, in order."""
    for i in range(count):
        shop.accounts.register(
            Principal.anonymous(), email=f"buyer{i}@example.com", password=PASSWORD
        )
    with shop._ctx.uow() as uow:
        return [uow.customers.get_by_email(f"buyer{i}@example.com").id for i in range(count)]


def race(target: Any, args: list[tuple[Any, ...]], *, timeout: float = 120) -> list[Any]:
    """One forked process per ``args``, all released together by a barrier (``target`` receives
    the barrier and a results queue after its own arguments): what each reported (waiting up to
    ``timeout`` seconds for each)."""
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(len(args)), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*a, barrier, results)) for a in args]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=timeout) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    return outcomes


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend",
    [
        pytest.param(n, marks=server_marks(n), id=n)
        for n in ("sqlite", "postgres", "mysql", "mongo")
    ],
)
def test_thirty_two_buyers_of_the_last_five_units_sell_exactly_five(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = backend_url(backend, tmp_path, monkeypatch)
    shop = open_shop(url)
    world = seed(shop, shop.clock, stock=UNITS)  # type: ignore[arg-type]
    buyers = register_buyers(shop, BUYERS)
    shop.close()
    outcomes = race(_buyer, [(url, cid) for cid in buyers])

    assert outcomes.count("sold") == UNITS, outcomes
    assert set(outcomes) <= {"sold", "out_of_stock"}, outcomes
    shop = open_shop(url)
    try:
        level = shop.inventory.levels(world.admin, "PX-128-BLK")[0]
        assert (level.on_hand, level.reserved) == (UNITS, UNITS)
        assert len(shop.orders.list(world.admin)) == UNITS
    finally:
        shop.close()


def _place(url: str, customer_id: str, key: str, barrier: Any, results: Any) -> None:
    """One process placing the customer's cart with ``key`` once the barrier opens."""
    who = Principal.customer(customer_id)

    def place(shop: Any) -> str:
        order = shop.checkout.place_order(who, idempotency_key=key, shipping_address=ADDRESS)
        return str(order.id)

    in_shop(url, barrier, results, place)


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend",
    [pytest.param(n, marks=server_marks(n), id=n) for n in ("sqlite", "postgres", "mysql")],
)
def test_eight_processes_placing_with_one_key_get_one_order(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = backend_url(backend, tmp_path, monkeypatch)
    shop = open_shop(url)
    world = seed(shop, shop.clock, stock=UNITS)  # type: ignore[arg-type]
    shop.carts.add_item(world.customer, "PX-128-BLK", 2)
    shop.close()
    outcomes = race(_place, [(url, world.customer.id, "double-click")] * 8)
    assert len(set(outcomes)) == 1, outcomes
    assert outcomes[0].startswith("ord_"), outcomes
    shop = open_shop(url)
    try:
        assert [o.id for o in shop.orders.list(world.admin)] == [outcomes[0]]
        assert shop.inventory.levels(world.admin, "PX-128-BLK")[0].reserved == 2
    finally:
        shop.close()


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend",
    [pytest.param(n, marks=server_marks(n), id=n) for n in ("sqlite", "postgres", "mysql")],
)
def test_one_cart_checked_out_by_six_tabs_with_their_own_keys_becomes_one_order(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six browser tabs, six idempotency keys, one cart: the cart is locked at checkout, so one
    order is placed and the other tabs find the cart emptied (``empty_cart``)."""
    url = backend_url(backend, tmp_path, monkeypatch)
    shop = open_shop(url)
    world = seed(shop, shop.clock, stock=UNITS)  # type: ignore[arg-type]
    shop.carts.add_item(world.customer, "PX-128-BLK", 2)
    shop.close()
    outcomes = race(_place, [(url, world.customer.id, f"tab-{i}") for i in range(6)])
    placed = [o for o in outcomes if o.startswith("ord_")]
    assert len(placed) == 1, outcomes
    assert sorted(set(outcomes) - set(placed)) == ["empty_cart"], outcomes
    shop = open_shop(url)
    try:
        assert [o.id for o in shop.orders.list(world.admin)] == placed
        assert shop.inventory.levels(world.admin, "PX-128-BLK")[0].reserved == 2
    finally:
        shop.close()


def _add(url: str, customer_id: str, barrier: Any, results: Any) -> None:
    """One process adding one unit to the customer's cart once the barrier opens."""

    def add(shop: Any) -> str:
        shop.carts.add_item(Principal.customer(customer_id), "PX-128-BLK", 1)
        return "added"

    in_shop(url, barrier, results, add)


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend",
    [pytest.param(n, marks=server_marks(n), id=n) for n in ("sqlite", "postgres", "mysql")],
)
def test_six_tabs_adding_to_one_cart_at_once_lose_no_unit(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cart change reads the cart locked: six at once are serialised, none overwrites
    another's line (a cart is one row, written whole)."""
    url = backend_url(backend, tmp_path, monkeypatch)
    shop = open_shop(url)
    world = seed(shop, shop.clock, stock=UNITS)  # type: ignore[arg-type]
    shop.carts.add_item(world.customer, "PX-128-BLK", 1)
    shop.close()
    outcomes = race(_add, [(url, world.customer.id)] * 6)
    assert outcomes == ["added"] * 6, outcomes
    shop = open_shop(url)
    try:
        assert shop.carts.view(world.customer).cart.quantity_of("PX-128-BLK") == 7
    finally:
        shop.close()
