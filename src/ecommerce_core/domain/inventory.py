"""Inventory: stock per SKU and warehouse, and reservations that hold it for an order.

INV-1: for every (SKU, warehouse), reserved <= on hand, unless the level allows backorders: then
reserved <= on hand + backorder limit (on hand never goes below zero). INV-2: a reservation holds
all its lines or none. INV-3: quantities are summed per SKU before the check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import (
    CorruptData,
    InvalidInput,
    InvalidTransition,
    OutOfStock,
    PreorderNotReleased,
)

__all__ = [
    "Reservation",
    "ReservationLine",
    "ReservationStatus",
    "StockLevel",
    "Warehouse",
    "plan_reservation",
    "sum_by_sku",
]


_REGION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


def _regions(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise InvalidInput("regions is a list of region codes", field="regions")
    codes = []
    for raw in value:
        code = raw.strip().upper() if isinstance(raw, str) else ""
        if not _REGION.fullmatch(code):
            raise InvalidInput(
                "a region is an ISO 3166 country (CN) or subdivision (CN-GD) code",
                field="regions",
                value=str(raw)[:20],
            )
        codes.append(code)
    return tuple(sorted(set(codes)))


def _release(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidInput("available_from is a datetime with a time zone", field="available_from")
    return value.astimezone(UTC)


@attrs.frozen
class Warehouse:
    """A place stock is kept and parcels leave from.

    :param priority: lower is preferred when several warehouses could serve an order.
    :param regions: where it ships to: ISO 3166 country (``CN``) or subdivision (``CN-GD``) codes;
        empty: everywhere.
    """

    id: str = attrs.field(converter=v.identifier)
    name: str = attrs.field(converter=v.name)
    priority: int = 100
    regions: tuple[str, ...] = attrs.field(default=(), converter=_regions)

    def reach(self, country: str | None, region: str = "") -> int | None:
        """How closely it serves a destination: 0 its subdivision, 1 its country, 2 everywhere
        (no regions, or no destination given); None when it does not ship there."""
        if not self.regions or not country:
            return 2
        country = country.upper()
        sub = region.strip().upper()
        if sub and not sub.startswith(country + "-"):
            sub = f"{country}-{sub}"
        if sub and sub in self.regions:
            return 0
        return 1 if country in self.regions else None


@attrs.frozen
class StockLevel:
    """Units of one SKU in one warehouse.
    ``available = on_hand - reserved - safety_stock + backorder_limit`` (never below 0).

    ``reserved`` counts every unit promised to an order and still in the warehouse: held for an
    unpaid order, or committed to a paid one and not yet shipped (INV-1: both together never
    exceed on hand). Shipping takes units off both; see docs/inventory.md.
    """

    sku: str = attrs.field(converter=v.sku)
    warehouse_id: str = attrs.field(converter=v.identifier)
    on_hand: int = 0
    reserved: int = 0
    #: units never offered to orders (kept back for damage, display, a margin of error)
    safety_stock: int = 0
    #: available at or below this raises a ``stock.low`` event (once per crossing); None: never
    low_stock_threshold: int | None = None
    #: units that may be promised to orders beyond on hand (backorders, preorders); 0: none
    backorder_limit: int = 0
    #: a preorder's release: no unit of this level ships before it (UTC); None: any time
    available_from: datetime | None = None

    def __attrs_post_init__(self) -> None:
        if (
            self.safety_stock < 0
            or self.backorder_limit < 0
            or (self.low_stock_threshold is not None and self.low_stock_threshold < 0)
        ):
            raise CorruptData(
                f"stock settings of {self.sku} in {self.warehouse_id} are negative",
                sku=self.sku,
                warehouse_id=self.warehouse_id,
            )
        if self.on_hand < 0 or not 0 <= self.reserved <= self.on_hand + self.backorder_limit:
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
        """What a new order can take: on hand less what is promised and the safety stock, plus
        the backorder limit."""
        return max(0, self.on_hand - self.reserved - self.safety_stock + self.backorder_limit)

    @property
    def backordered(self) -> int:
        """Units promised to orders that are not on hand yet (they ship when stock arrives)."""
        return max(0, self.reserved - self.on_hand)

    def configured(
        self,
        safety_stock: int,
        low_stock_threshold: int | None,
        backorder_limit: int = 0,
        available_from: datetime | None = None,
    ) -> StockLevel:
        """The same counts with new settings. A backorder limit below the units already
        backordered is refused (:class:`InvalidInput`): those orders keep their promise."""
        limit = v.non_negative(backorder_limit, "backorder_limit")
        if self.reserved > self.on_hand + limit:
            raise InvalidInput(
                f"{self.backordered} of {self.sku} in {self.warehouse_id} are backordered: "
                f"the backorder limit cannot go below that",
                field="backorder_limit",
                sku=self.sku,
                warehouse_id=self.warehouse_id,
            )
        return attrs.evolve(
            self,
            safety_stock=v.non_negative(safety_stock, "safety_stock"),
            low_stock_threshold=None
            if low_stock_threshold is None
            else v.non_negative(low_stock_threshold, "low_stock_threshold"),
            backorder_limit=limit,
            available_from=_release(available_from),
        )

    def fell_low(self, before: StockLevel | None) -> bool:
        """This level's available crossed its low-stock threshold downwards since ``before``."""
        threshold = self.low_stock_threshold
        if threshold is None or self.available > threshold:
            return False
        return (before.available if before is not None else 0) > threshold

    def received(self, quantity: int) -> StockLevel:
        return attrs.evolve(self, on_hand=self.on_hand + v.quantity(quantity, "quantity"))

    def reserve(self, quantity: int) -> StockLevel:
        if quantity > self.available:
            raise OutOfStock(f"only {self.available} of {self.sku} left", sku=self.sku)
        return attrs.evolve(self, reserved=self.reserved + quantity)

    def release(self, quantity: int) -> StockLevel:
        return attrs.evolve(self, reserved=self.reserved - min(quantity, self.reserved))

    def ship(self, quantity: int, at: datetime | None = None) -> StockLevel:
        """Promised units leave the warehouse: on hand and reserved both go down. Backordered
        units cannot leave before they arrive (:class:`OutOfStock` naming the SKU), nor a
        preorder's before its release (:class:`PreorderNotReleased`, when ``at`` is given)."""
        if at is not None and self.available_from is not None and at < self.available_from:
            raise PreorderNotReleased(
                f"{self.sku} is a preorder: it ships from {self.available_from.isoformat()}",
                sku=self.sku,
                warehouse_id=self.warehouse_id,
                available_from=self.available_from.isoformat(),
            )
        if not 0 < quantity <= self.reserved:
            raise InvalidInput(
                f"{quantity} of {self.sku} cannot ship from {self.warehouse_id}: "
                f"only {self.reserved} are promised there",
                sku=self.sku,
                warehouse_id=self.warehouse_id,
            )
        if quantity > self.on_hand:
            raise OutOfStock(
                f"{quantity} of {self.sku} cannot ship from {self.warehouse_id}: only "
                f"{self.on_hand} are on hand ({self.backordered} backordered, not arrived yet)",
                sku=self.sku,
                warehouse_id=self.warehouse_id,
            )
        return attrs.evolve(
            self, on_hand=self.on_hand - quantity, reserved=self.reserved - quantity
        )

    def adjusted(self, delta: int) -> StockLevel:
        """On hand changed by ``delta`` (a count, a write-off, a transfer), never below what is
        promised to orders nor below zero (the safety stock may be used). Units arriving are
        always taken, even while some are backordered."""
        if delta < 0 and self.on_hand + delta < self.reserved:
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

    The built-in allocation with no destination: one warehouse that can serve the whole order is
    preferred (no split parcels), by priority then id; otherwise each SKU is taken from
    warehouses in that order. See :mod:`ecommerce_core.domain.allocation`.
    """
    from ecommerce_core.domain.allocation import AllocationRequest, regional_allocation

    return regional_allocation(AllocationRequest(demand, tuple(levels), warehouses))
