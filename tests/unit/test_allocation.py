"""The built-in regional allocation: only warehouses that ship to the destination give stock,
exactly the demand, never more than a level has available, one warehouse when one can."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecommerce_core.domain.allocation import (
    AllocationRequest,
    checked_plan,
    regional_allocation,
)
from ecommerce_core.domain.errors import InvalidInput, OutOfStock
from ecommerce_core.domain.inventory import StockLevel, Warehouse

SKUS = ("A-1", "B-2", "C-3")
REGIONS = [(), ("CN",), ("CN-GD",), ("US",), ("CN", "US")]

warehouses = st.dictionaries(
    st.sampled_from(["w1", "w2", "w3", "w4"]),
    st.tuples(st.integers(0, 3), st.sampled_from(REGIONS)),
    min_size=1,
).map(lambda d: {wid: Warehouse(wid, wid, p, r) for wid, (p, r) in d.items()})


@st.composite
def requests(draw: st.DrawFn) -> AllocationRequest:
    found = draw(warehouses)
    levels = [
        StockLevel(sku, wid, on_hand, 0, safety)
        for sku in SKUS
        for wid in found
        for on_hand, safety in [draw(st.tuples(st.integers(0, 6), st.integers(0, 2)))]
    ]
    demand = draw(st.dictionaries(st.sampled_from(SKUS), st.integers(1, 8), min_size=1))
    country, region = draw(st.sampled_from([(None, ""), ("CN", "GD"), ("CN", "BJ"), ("US", "")]))
    return AllocationRequest(demand, levels, found, country, region)


@given(requests())
def test_a_regional_plan_gives_exactly_the_demand_from_warehouses_that_ship_there(
    request: AllocationRequest,
) -> None:
    reach = {wid: w.reach(request.country, request.region) for wid, w in request.warehouses.items()}
    usable = [lv for lv in request.levels if reach[lv.warehouse_id] is not None]
    short = sorted(
        sku
        for sku, need in request.demand.items()
        if sum(lv.available for lv in usable if lv.sku == sku) < need
    )
    if short:
        with pytest.raises(OutOfStock) as caught:
            regional_allocation(request)
        assert caught.value.details["skus"] == short
        return
    plan = regional_allocation(request)
    assert checked_plan(request, plan, "regional") == sorted(
        plan, key=lambda ln: (ln.sku, ln.warehouse_id)
    )
    assert all(reach[line.warehouse_id] is not None for line in plan)
    levels = {lv.key: lv for lv in request.levels}
    whole = [
        wid
        for wid, r in reach.items()
        if r is not None
        and all(levels[(sku, wid)].available >= n for sku, n in request.demand.items())
    ]
    if whole:  # one parcel, from the closest then highest-priority such warehouse
        best = min(whole, key=lambda wid: (reach[wid], request.warehouses[wid].priority, wid))
        assert {line.warehouse_id for line in plan} == {best}


@pytest.mark.parametrize(
    ("regions", "country", "region", "reach"),
    [
        ((), "CN", "GD", 2),
        (("CN",), "CN", "GD", 1),
        (("CN-GD",), "CN", "gd", 0),
        (("CN-GD",), "CN", "CN-GD", 0),
        (("CN-GD",), "CN", "BJ", None),
        (("US",), "CN", "", None),
        (("US",), None, "", 2),
    ],
)
def test_how_closely_a_warehouse_serves_a_destination(
    regions: tuple[str, ...], country: str | None, region: str, reach: int | None
) -> None:
    assert Warehouse("w", "W", 1, regions).reach(country, region) == reach


@pytest.mark.parametrize("bad", ["China", "C", "CN-GUANGDONG", "cn_gd", 3])
def test_a_region_is_an_iso_3166_code(bad: object) -> None:
    with pytest.raises(InvalidInput):
        Warehouse("w", "W", 1, [bad])  # type: ignore[list-item]
