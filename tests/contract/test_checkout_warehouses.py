"""Checkout takes stock by warehouse priority on every backend, whether the SKUs lie in one
warehouse (priorities are not read then) or in several."""

from __future__ import annotations

from tests.support import World


def _reserved(w: World, sku: str) -> dict[str, int]:
    return {lv.warehouse_id: lv.reserved for lv in w.shop.inventory.levels(w.admin, sku)}


def test_the_first_warehouse_by_priority_serves_the_order_not_the_first_by_name(
    shop_world: World,
) -> None:
    w = shop_world
    w.buy(key="one", CABLE_1M=2)  # one warehouse holds the cable
    assert _reserved(w, "CABLE-1M") == {"sz": 2}
    # "aa" sorts first by name, but Shenzhen (priority 1) comes first by priority
    w.shop.inventory.add_warehouse(w.admin, id="aa", name="Anywhere", priority=5)
    w.shop.inventory.receive(w.admin, sku="PX-128-BLK", warehouse_id="aa", quantity=10)
    w.buy(key="two", PX_128_BLK=3)
    assert _reserved(w, "PX-128-BLK") == {"aa": 0, "sz": 3}
    w.buy(key="three", PX_128_BLK=9)  # Shenzhen has 7 left: no single warehouse has 9 but "aa"
    assert _reserved(w, "PX-128-BLK") == {"aa": 9, "sz": 3}
