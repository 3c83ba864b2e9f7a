"""Payment gateways and carriers: the ports that payment and shipping plugins implement."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Protocol

import attrs

from ecommerce_core.domain.money import Money
from ecommerce_core.domain.payments import GatewayNotification
from ecommerce_core.domain.pricing import RateQuote, RateRequest
from ecommerce_core.domain.shipping import TrackingEvent

__all__ = [
    "Carrier",
    "GatewayOutcome",
    "GatewayResult",
    "PaymentGateway",
    "PaymentRequest",
    "RateQuote",
    "RateRequest",
    "RatingCarrier",
    "ShipmentLabel",
    "ShipmentRequest",
    "VoidingCarrier",
]


class GatewayOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    PENDING = "pending"
    FAILED = "failed"


@attrs.frozen
class PaymentRequest:
    payment_id: str
    order_number: str
    amount: Money
    payment_method: str = attrs.field(repr=False)
    idempotency_key: str
    capture: bool = True


@attrs.frozen
class GatewayResult:
    """What a provider answered. A decline is an outcome to handle, not an exception."""

    outcome: GatewayOutcome
    provider_ref: str = ""
    message: str = ""


class PaymentGateway(Protocol):
    name: str

    def authorize(self, request: PaymentRequest) -> GatewayResult:
        """Authorise (and, with ``request.capture``, capture) the amount. Idempotent by key."""

    def capture(self, provider_ref: str, amount: Money, idempotency_key: str) -> GatewayResult: ...

    def refund(self, provider_ref: str, amount: Money, idempotency_key: str) -> GatewayResult: ...

    def void(self, provider_ref: str, idempotency_key: str) -> GatewayResult: ...

    def parse_notification(
        self, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> GatewayNotification:
        """Verify the signature over the raw ``body`` and parse it.

        :raises InvalidSignature: bad or missing signature, or a timestamp outside the tolerance.
        """


@attrs.frozen
class ShipmentRequest:
    shipment_id: str
    order_number: str
    recipient: str
    city: str
    country: str
    weight_grams: int
    created_at: datetime


@attrs.frozen
class ShipmentLabel:
    tracking_number: str
    label_url: str = ""


class Carrier(Protocol):
    name: str

    def create_shipment(self, request: ShipmentRequest) -> ShipmentLabel: ...

    def track(self, tracking_number: str, now: datetime) -> tuple[TrackingEvent, ...]:
        """Every event the carrier knows for the parcel up to ``now``, oldest first."""


class VoidingCarrier(Carrier, Protocol):
    """A carrier that can cancel a label it booked. Optional: when the shop cannot record a parcel
    whose label was booked (its stock moved meanwhile, say), it voids the label so that nothing
    is charged for a parcel that will never be handed over."""

    def void_shipment(self, tracking_number: str) -> None:
        """Cancel the label of ``tracking_number``. :raises ShippingError: the carrier refused
        (the parcel was picked up already, or it does not know the number)."""


class RatingCarrier(Carrier, Protocol):
    """A carrier that also quotes rates, so that a shop can charge its shipping fees
    (``ShopSettings.shipping_rates``). Optional: a carrier without ``rate`` books and tracks."""

    def rate(self, request: RateRequest) -> RateQuote:
        """The price of shipping a parcel of ``request.weight_grams`` to ``request.region``, in
        ``request.currency``. :raises ShippingError: it does not ship there (or not in that
        currency); the shop's table then prices the parcel."""
