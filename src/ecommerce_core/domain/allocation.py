"""Allocation: which warehouse gives how many units of each SKU of an order.

A strategy is a function ``(AllocationRequest) -> list[ReservationLine]``. The built-in one,
:func:`regional_allocation`, serves the destination from the warehouses that ship there, the
closest first (its subdivision, then its country, then warehouses that ship everywhere), then by
priority; it prefers one warehouse holding every line (one parcel) and splits only when it must.
A plugin may offer another (``registry.add_allocation_strategy``); whatever it answers is checked
by :func:`checked_plan` before any stock is held, so no strategy can break INV-1 or INV-2.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import attrs

from ecommerce_core.domain.errors import OutOfStock, PluginError
from ecommerce_core.domain.inventory import ReservationLine, StockLevel, Warehouse

__all__ = [
    "AllocationRequest",
    "AllocationStrategy",
    "checked_plan",
    "regional_allocation",
]


@attrs.frozen
class AllocationRequest:
    """What to allocate: ``demand`` (units per SKU, summed: INV-3), the SKUs' ``levels`` (locked by
    the caller), every warehouse by id, and where the parcel goes (``country`` None: unknown)."""

    demand: Mapping[str, int]
    levels: Sequence[StockLevel]
    warehouses: Mapping[str, Warehouse]
    country: str | None = None
    region: str = ""


AllocationStrategy = Callable[[AllocationRequest], Sequence[ReservationLine]]


def _short(request: AllocationRequest, usable: Sequence[StockLevel]) -> None:
    have: dict[str, int] = {}
    for level in usable:
        have[level.sku] = have.get(level.sku, 0) + level.available
    missing = sorted(sku for sku, need in request.demand.items() if have.get(sku, 0) < need)
    if missing:
        raise OutOfStock(f"not enough stock of {', '.join(missing)}", skus=missing)


def regional_allocation(request: AllocationRequest) -> list[ReservationLine]:
    """The built-in strategy (see the module's docstring); :class:`OutOfStock` naming every SKU
    that the warehouses shipping to the destination cannot give."""
    ranks: dict[str, tuple[int, int, str]] = {}
    for wid, warehouse in request.warehouses.items():
        reach = warehouse.reach(request.country, request.region)
        if reach is not None:
            ranks[wid] = (reach, warehouse.priority, wid)
    usable = [lv for lv in request.levels if lv.warehouse_id in ranks and lv.sku in request.demand]
    _short(request, usable)
    by_key = {lv.key: lv for lv in usable}
    demand = sorted(request.demand.items())
    whole = [
        wid
        for wid in ranks
        if all(
            (lv := by_key.get((sku, wid))) is not None and lv.available >= need
            for sku, need in demand
        )
    ]
    if whole:
        best = min(whole, key=ranks.__getitem__)
        return [ReservationLine(sku, best, need) for sku, need in demand]
    plan: list[ReservationLine] = []
    for sku, need in demand:
        for level in sorted(
            (lv for lv in usable if lv.sku == sku), key=lambda lv: ranks[lv.warehouse_id]
        ):
            take = min(need, level.available)
            if take > 0:
                plan.append(ReservationLine(sku, level.warehouse_id, take))
                need -= take
            if need == 0:
                break
    return plan


def checked_plan(
    request: AllocationRequest, plan: Sequence[ReservationLine], strategy: str
) -> list[ReservationLine]:
    """The plan merged per (SKU, warehouse), if it gives exactly the demand from known levels
    within what each has available; :class:`PluginError` naming the strategy otherwise."""
    merged: dict[tuple[str, str], int] = {}
    for line in plan:
        if not isinstance(line, ReservationLine) or not isinstance(line.quantity, int):
            raise PluginError(f"the allocation strategy {strategy!r} answered something else")
        if line.quantity <= 0:
            raise PluginError(f"the allocation strategy {strategy!r} gave a quantity <= 0")
        merged[(line.sku, line.warehouse_id)] = merged.get((line.sku, line.warehouse_id), 0) + (
            line.quantity
        )
    levels = {lv.key: lv for lv in request.levels}
    given: dict[str, int] = {}
    for key, quantity in merged.items():
        level = levels.get(key)
        if level is None or quantity > level.available:
            raise PluginError(
                f"the allocation strategy {strategy!r} took more of {key[0]} from {key[1]} "
                "than is available there"
            )
        given[key[0]] = given.get(key[0], 0) + quantity
    if given != dict(request.demand):
        raise PluginError(f"the allocation strategy {strategy!r} did not give exactly the demand")
    return [ReservationLine(sku, wid, n) for (sku, wid), n in sorted(merged.items())]
