"""INV-1 with backorders under real concurrency: sixteen processes, released together by a
barrier, buy one unit each of a SKU with 2 on hand and a backorder limit of 3. Exactly five
orders succeed (on hand + the limit), on SQLite, PostgreSQL and MariaDB; the others are refused
with ``out_of_stock``; the level ends with 5 reserved, 3 of them backordered."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract.backends import backend_url, server_marks
from tests.integration.test_races import _buyer, race, register_buyers
from tests.support import open_shop, seed

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
    buyers = register_buyers(shop, BUYERS)
    shop.close()
    outcomes = race(_buyer, [(url, cid) for cid in buyers])

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
