"""Shipments and what carriers say about them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

__all__ = ["Shipment", "TrackingEvent", "TrackingStatus"]


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
class Shipment:
    id: str
    order_id: str
    carrier: str
    tracking_number: str
    created_at: datetime
    events: tuple[TrackingEvent, ...] = ()

    @property
    def delivered(self) -> bool:
        return any(e.status is TrackingStatus.DELIVERED for e in self.events)

    def with_events(self, events: tuple[TrackingEvent, ...]) -> Shipment:
        """Merge what the carrier reports; known events are kept once, in time order."""
        merged = {(e.at, e.status): e for e in (*self.events, *events)}
        return attrs.evolve(self, events=tuple(sorted(merged.values(), key=lambda e: e.at)))
