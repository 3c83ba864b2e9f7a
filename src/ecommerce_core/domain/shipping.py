"""Shipments (parcels) and what carriers say about them.

An order ships in one or more parcels; each parcel records which units of which SKU left from
which warehouse, and has its own tracking number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum

import attrs

__all__ = ["Shipment", "ShipmentLine", "TrackingEvent", "TrackingStatus", "unshipped"]


class TrackingStatus(StrEnum):
    LABEL_CREATED = "label_created"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"


@attrs.frozen
class TrackingEvent:
    at: datetime
    status: TrackingStatus
    description: str
    location: str = ""


@attrs.frozen
class ShipmentLine:
    """``quantity`` units of ``sku`` in the parcel, taken from ``warehouse_id``."""

    sku: str
    warehouse_id: str
    quantity: int


@attrs.frozen
class Shipment:
    """One parcel. ``lines`` is empty only for parcels stored before parcels had lines (each of
    those carried its whole order)."""

    id: str
    order_id: str
    carrier: str
    tracking_number: str
    created_at: datetime
    events: tuple[TrackingEvent, ...] = ()
    lines: tuple[ShipmentLine, ...] = ()

    @property
    def warehouses(self) -> tuple[str, ...]:
        return tuple(sorted({ln.warehouse_id for ln in self.lines}))

    @property
    def delivered(self) -> bool:
        return any(e.status is TrackingStatus.DELIVERED for e in self.events)

    def with_events(self, events: tuple[TrackingEvent, ...]) -> Shipment:
        """Merge what the carrier reports; known events are kept once, in time order."""
        merged = {(e.at, e.status): e for e in (*self.events, *events)}
        return attrs.evolve(self, events=tuple(sorted(merged.values(), key=lambda e: e.at)))


def unshipped(ordered: Mapping[str, int], parcels: Iterable[Shipment]) -> dict[str, int]:
    """Units per SKU of ``ordered`` that no parcel carried yet (SKUs with none left omitted)."""
    left = dict(ordered)
    for parcel in parcels:
        if not parcel.lines:  # a parcel from before lines were recorded carried everything
            return {}
        for line in parcel.lines:
            left[line.sku] = left.get(line.sku, 0) - line.quantity
    return {sku: n for sku, n in sorted(left.items()) if n > 0}
