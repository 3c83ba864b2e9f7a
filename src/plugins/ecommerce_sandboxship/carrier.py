"""The sandbox carrier: the parcel's journey is a pure function of its tracking number and time.

A tracking number is ``SBX`` + the booking time (unix seconds, 10 digits) + 4 digits of the
shipment, so any process can answer ``track`` without shared state, as a real carrier's API does.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ecommerce_core.domain.errors import ShippingError
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.shipping import TrackingEvent, TrackingStatus
from ecommerce_core.ports.gateways import RateQuote, RateRequest, ShipmentLabel, ShipmentRequest

__all__ = ["JOURNEY", "RATES", "SandboxCarrier"]

#: (首重 first kilogram, 续重 each further kilogram started) in fen, by destination, from the
#: Shenzhen depot; the most specific destination wins. Nowhere else is served.
RATES: dict[str, tuple[int, int]] = {
    "CN-GD": (800, 200),
    "CN": (1200, 500),
    "HK": (3000, 1500),
    "MO": (3000, 1500),
}

JOURNEY: tuple[tuple[timedelta, TrackingStatus, str, str], ...] = (
    (timedelta(0), TrackingStatus.LABEL_CREATED, "Label created", "Shenzhen DC"),
    (timedelta(hours=2), TrackingStatus.PICKED_UP, "Picked up by courier", "Shenzhen DC"),
    (timedelta(hours=8), TrackingStatus.IN_TRANSIT, "Departed sorting centre", "Guangzhou hub"),
    (timedelta(hours=20), TrackingStatus.IN_TRANSIT, "Arrived at destination hub", "Destination"),
    (timedelta(hours=26), TrackingStatus.OUT_FOR_DELIVERY, "Out for delivery", "Destination"),
    (
        timedelta(hours=30),
        TrackingStatus.DELIVERED,
        "Delivered, signed by recipient",
        "Destination",
    ),
)
_NUMBER = re.compile(r"^SBX(\d{10})(\d{4})$")


class SandboxCarrier:
    name = "sandbox"

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        self.settings = dict(settings or {})
        self.bookings: list[str] = []
        self.voided: list[str] = []
        self.quotes: list[RateRequest] = []

    def create_shipment(self, request: ShipmentRequest) -> ShipmentLabel:
        stamp = int(request.created_at.timestamp())
        suffix = int(hashlib.sha256(request.shipment_id.encode()).hexdigest(), 16) % 10_000
        number = f"SBX{stamp:010d}{suffix:04d}"
        self.bookings.append(number)
        return ShipmentLabel(number, f"https://sandbox.invalid/labels/{number}.pdf")

    def void_shipment(self, tracking_number: str) -> None:
        """Cancel a label: refused once the courier has picked the parcel up (two hours after
        booking on the sandbox's journey), or for a number it never booked."""
        match = _NUMBER.match(tracking_number)
        if match is None or tracking_number not in self.bookings:
            raise ShippingError("the sandbox carrier does not know that tracking number")
        if tracking_number in self.voided:
            return  # voiding twice changes nothing
        self.voided.append(tracking_number)

    def rate(self, request: RateRequest) -> RateQuote:
        """首重/续重 from :data:`RATES` (``settings["rates"]`` may replace it), in CNY only."""
        if request.currency != "CNY":
            raise ShippingError("the sandbox carrier quotes in CNY only")
        rates = self.settings.get("rates", RATES)
        country = request.region.split("-")[0]
        found = rates.get(request.region) or rates.get(country)
        if found is None:
            raise ShippingError(f"the sandbox carrier does not ship to {request.region or '?'}")
        first, step = found
        extra = max(0, request.weight_grams - 1000)
        self.quotes.append(request)
        return RateQuote(Money(first + step * -(-extra // 1000), "CNY"), "standard")

    def track(self, tracking_number: str, now: datetime) -> tuple[TrackingEvent, ...]:
        match = _NUMBER.match(tracking_number)
        if match is None:
            raise ShippingError("the sandbox carrier does not know that tracking number")
        booked = datetime.fromtimestamp(int(match.group(1)), UTC)
        return tuple(
            TrackingEvent(booked + offset, status, text, place)
            for offset, status, text, place in JOURNEY
            if booked + offset <= now
        )
