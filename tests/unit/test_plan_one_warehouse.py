"""Checkout reads the warehouses only when the locked stock lies in more than one: with a single
warehouse its priority cannot change a reservation plan."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ecommerce_core.domain.errors import OutOfStock
from ecommerce_core.domain.inventory import StockLevel, Warehouse, plan_reservation

SKUS = ("A-1", "B-2", "C-3", "D-4")


@given(
    warehouse=st.sampled_from(["main", "sz", "zz"]),
    priority=st.integers(min_value=-5, max_value=1_000),
    stock=st.dictionaries(st.sampled_from(SKUS), st.integers(0, 20), min_size=1),
    reserved=st.integers(0, 5),
    demand=st.dictionaries(st.sampled_from(SKUS), st.integers(1, 25), min_size=1),
)
def test_with_one_warehouse_the_plan_is_the_same_without_its_priority(
    warehouse: str, priority: int, stock: dict[str, int], reserved: int, demand: dict[str, int]
) -> None:
    levels = [
        StockLevel(sku, warehouse, on_hand=n, reserved=min(n, reserved))
        for sku, n in sorted(stock.items())
    ]
    known = {warehouse: Warehouse(warehouse, "The one", priority=priority)}

    def plan(warehouses: dict[str, Warehouse]) -> object:
        try:
            return plan_reservation(demand, levels, warehouses)
        except OutOfStock as exc:
            return ("out_of_stock", exc.details["skus"])

    assert plan(known) == plan({})
