"""The Example Post carrier: implements ecommerce-core's ``Carrier`` port without any I/O.

The tracking number carries the booking time (``EXP`` + unix seconds + 4 digits), so ``track`` is
a pure function of the number and the time, and any process of the shop can answer it.
"""

from __future__ import annotations

import re
import zlib
from datetime import UTC, datetime, timedelta

from ecommerce_core.domain.errors import ShippingError
from ecommerce_core.domain.shipping import TrackingEvent, TrackingStatus
from ecommerce_core.ports.gateways import ShipmentLabel, ShipmentRequest
from ecommerce_examplepost.settings import ExamplePostSettings

__all__ = ["ExamplePostCarrier"]

_NUMBER = re.compile(r"^EXP(\d{10})(\d{4})$")


class ExamplePostCarrier:
    name = "examplepost"

    def __init__(self, settings: ExamplePostSettings | None = None) -> None:
        self.settings = settings or ExamplePostSettings()

    def create_shipment(self, request: ShipmentRequest) -> ShipmentLabel:
        if request.weight_grams > 30_000:
            # a refusal the shop must handle is raised as the library's own error
            raise ShippingError("Example Post takes parcels of at most 30 kg")
        stamp = int(request.created_at.timestamp())
        suffix = zlib.crc32(request.shipment_id.encode()) % 10_000
        return ShipmentLabel(f"EXP{stamp:010d}{suffix:04d}")

    def track(self, tracking_number: str, now: datetime) -> tuple[TrackingEvent, ...]:
        match = _NUMBER.match(tracking_number)
        if match is None:
            raise ShippingError("Example Post does not know that tracking number")
        booked = datetime.fromtimestamp(int(match.group(1)), UTC)
        transit = timedelta(hours=self.settings.transit_hours)
        journey = (
            (timedelta(0), TrackingStatus.LABEL_CREATED, "Booked", self.settings.depot),
            (transit / 2, TrackingStatus.IN_TRANSIT, "On the way", "Linehaul"),
            (transit, TrackingStatus.DELIVERED, "Delivered to the door", "Destination"),
        )
        return tuple(
            TrackingEvent(booked + offset, status, text, place)
            for offset, status, text, place in journey
            if booked + offset <= now
        )
