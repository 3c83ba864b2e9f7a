"""INV-1 with backorders under real concurrency: sixteen processes, released together by a
barrier, buy one unit each of a SKU with 2 on hand and a backorder limit of 3. Exactly five
orders succeed (on hand + the limit), on SQLite, PostgreSQL and MariaDB; the others are refused
with ``out_of_stock``; the level ends with 5 reserved, 3 of them backordered."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest

from ecommerce_core import Principal
from tests.contract.backends import backend_url, server_marks
from tests.integration.test_races import _buyer
from tests.support import PASSWORD, open_shop, seed

BUYERS = 16
ON_HAND, LIMIT = 2, 3


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend",
    [pytest.param(n, marks=server_marks(n), id=n) for n in ("sqlite", "postgres", "mysql")],
)
def test_sixteen_buyers_of_two_units_with_three_backorderable_sell_exactly_five(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = backend_url(backend, tmp_path, monkeypatch)
    shop = open_shop(url)
    world = seed(shop, shop.clock, stock=ON_HAND)  # type: ignore[arg-type]
    shop.inventory.configure_stock(
        world.admin, sku="PX-128-BLK", warehouse_id="sz", backorder_limit=LIMIT
    )
    for i in range(BUYERS):
        shop.accounts.register(
            Principal.anonymous(), email=f"buyer{i}@example.com", password=PASSWORD
        )
    with shop._ctx.uow() as uow:
        buyers = [uow.customers.get_by_email(f"buyer{i}@example.com").id for i in range(BUYERS)]  # type: ignore[union-attr]
    shop.close()

    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(BUYERS), ctx.Queue()
    procs = [ctx.Process(target=_buyer, args=(url, cid, barrier, results)) for cid in buyers]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)

    assert outcomes.count("sold") == ON_HAND + LIMIT, outcomes
    assert set(outcomes) <= {"sold", "out_of_stock"}, outcomes
    shop = open_shop(url)
    try:
        (level,) = shop.inventory.levels(world.admin, "PX-128-BLK")
        assert (level.on_hand, level.reserved, level.backordered, level.available) == (2, 5, 3, 0)
        assert len(shop.orders.list(world.admin)) == ON_HAND + LIMIT
        assert shop.inventory.audit(world.admin) == []
    finally:
        shop.close()
