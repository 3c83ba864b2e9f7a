"""Inventory: stock per SKU and warehouse, and reservations that hold it for an order.

INV-1: for every (SKU, warehouse), reserved <= on hand. INV-2: a reservation holds all its lines
or none. INV-3: quantities are summed per SKU before the check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import CorruptData, InvalidInput, InvalidTransition, OutOfStock

__all__ = [
    "Reservation",
    "ReservationLine",
    "ReservationStatus",
    "StockLevel",
    "Warehouse",
    "plan_reservation",
    "sum_by_sku",
]


@attrs.frozen
class Warehouse:
    id: str = attrs.field(converter=v.identifier)
    name: str = attrs.field(converter=v.name)
    priority: int = 100


@attrs.frozen
class StockLevel:
    """Units of one SKU in one warehouse. ``available = on_hand - reserved``.

    ``reserved`` counts every unit promised to an order and still in the warehouse: held for an
    unpaid order, or committed to a paid one and not yet shipped (INV-1: both together never
    exceed on hand). Shipping takes units off both; see docs/inventory.md.
    """

    sku: str = attrs.field(converter=v.sku)
    warehouse_id: str = attrs.field(converter=v.identifier)
    on_hand: int = 0
    reserved: int = 0

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.reserved <= self.on_hand:
            raise CorruptData(
                f"stock of {self.sku} in {self.warehouse_id} is inconsistent "
                f"(on hand {self.on_hand}, reserved {self.reserved})",
                sku=self.sku,
                warehouse_id=self.warehouse_id,
            )

    @property
    def key(self) -> tuple[str, str]:
        return (self.sku, self.warehouse_id)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    def received(self, quantity: int) -> StockLevel:
        return attrs.evolve(self, on_hand=self.on_hand + v.quantity(quantity, "quantity"))

    def reserve(self, quantity: int) -> StockLevel:
        if quantity > self.available:
            raise OutOfStock(f"only {self.available} of {self.sku} left", sku=self.sku)
        return attrs.evolve(self, reserved=self.reserved + quantity)

    def release(self, quantity: int) -> StockLevel:
        return attrs.evolve(self, reserved=self.reserved - min(quantity, self.reserved))

    def ship(self, quantity: int) -> StockLevel:
        """Promised units leave the warehouse: on hand and reserved both go down."""
        if not 0 < quantity <= self.reserved:
            raise InvalidInput(
                f"{quantity} of {self.sku} cannot ship from {self.warehouse_id}: "
                f"only {self.reserved} are promised there",
                sku=self.sku,
                warehouse_id=self.warehouse_id,
            )
        return attrs.evolve(
            self, on_hand=self.on_hand - quantity, reserved=self.reserved - quantity
        )

    def adjusted(self, delta: int) -> StockLevel:
        """On hand changed by ``delta`` (a count, a write-off, a transfer), never below what is
        promised to orders nor below zero."""
        if self.on_hand + delta < self.reserved:
            raise OutOfStock(
                f"{self.sku} in {self.warehouse_id} has {self.on_hand} on hand, "
                f"{self.reserved} of them promised: it cannot lose {-delta}",
                sku=self.sku,
                warehouse_id=self.warehouse_id,
            )
        return attrs.evolve(self, on_hand=self.on_hand + delta)


class ReservationStatus(StrEnum):
    ACTIVE = "active"
    COMMITTED = "committed"
    RELEASED = "released"


@attrs.frozen
class ReservationLine:
    sku: str
    warehouse_id: str
    quantity: int


@attrs.frozen
class Reservation:
    id: str
    order_id: str
    lines: tuple[ReservationLine, ...]
    created_at: datetime
    expires_at: datetime
    status: ReservationStatus = ReservationStatus.ACTIVE

    @classmethod
    def hold(
        cls,
        id: str,
        order_id: str,
        lines: Sequence[ReservationLine],
        now: datetime,
        ttl: timedelta,
    ) -> Reservation:
        return cls(id, order_id, tuple(lines), now, now + ttl)

    def is_expired(self, now: datetime) -> bool:
        return self.status is ReservationStatus.ACTIVE and now >= self.expires_at

    def _to(self, status: ReservationStatus) -> Reservation:
        settled = (
            self.status is ReservationStatus.COMMITTED and status is ReservationStatus.RELEASED
        )
        if self.status is not ReservationStatus.ACTIVE and not settled:
            raise InvalidTransition(
                f"reservation is {self.status}, not active", reservation_id=self.id
            )
        return attrs.evolve(self, status=status)

    def committed(self) -> Reservation:
        return self._to(ReservationStatus.COMMITTED)

    def released(self) -> Reservation:
        """Active or committed (a paid order cancelled before all of it shipped) to released."""
        return self._to(ReservationStatus.RELEASED)


def sum_by_sku(lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for sku, quantity in lines:
        totals[sku] = totals.get(sku, 0) + quantity
    return totals


def plan_reservation(
    demand: Mapping[str, int],
    levels: Iterable[StockLevel],
    warehouses: Mapping[str, Warehouse],
) -> list[ReservationLine]:
    """Which warehouse gives how many units of each SKU, or :class:`OutOfStock` for all that lack.

    One warehouse that can serve the whole order is preferred (no split parcels), by priority then id;
    otherwise each SKU is taken from warehouses in that order.
    """
    by_sku: dict[str, list[StockLevel]] = {}
    for level in levels:
        by_sku.setdefault(level.sku, []).append(level)

    def rank(level: StockLevel) -> tuple[int, str]:
        warehouse = warehouses.get(level.warehouse_id)
        return (warehouse.priority if warehouse else 1_000_000, level.warehouse_id)

    missing = {
        sku: need
        for sku, need in demand.items()
        if sum(lv.available for lv in by_sku.get(sku, [])) < need
    }
    if missing:
        skus = sorted(missing)
        raise OutOfStock(
            f"not enough stock of {', '.join(skus)}",
            skus=skus,
        )
    candidates = sorted({lv.warehouse_id for lvs in by_sku.values() for lv in lvs})
    whole = [
        wid
        for wid in candidates
        if all(
            any(lv.warehouse_id == wid and lv.available >= need for lv in by_sku.get(sku, []))
            for sku, need in demand.items()
        )
    ]
    if whole:
        best = min(whole, key=lambda wid: rank(StockLevel("X", wid)))
        return [ReservationLine(sku, best, need) for sku, need in sorted(demand.items())]
    plan: list[ReservationLine] = []
    for sku, need in sorted(demand.items()):
        for level in sorted(by_sku[sku], key=rank):
            take = min(need, level.available)
            if take > 0:
                plan.append(ReservationLine(sku, level.warehouse_id, take))
                need -= take
            if need == 0:
                break
    return plan
