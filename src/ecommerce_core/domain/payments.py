"""Payments and refunds: what was authorised, captured and given back, never more than captured."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from ecommerce_core.domain.errors import InvalidInput, InvalidTransition, RefundExceedsCaptured
from ecommerce_core.domain.money import Money

__all__ = [
    "GatewayNotification",
    "Payment",
    "PaymentStatus",
    "Refund",
    "RefundLine",
    "RefundStatus",
]


class PaymentStatus(StrEnum):
    PENDING = "pending"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    DECLINED = "declined"
    VOIDED = "voided"


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@attrs.frozen
class RefundLine:
    """``quantity`` units of the order's line number ``line`` (its position), worth ``amount``."""

    line: int
    sku: str
    quantity: int
    amount: Money


@attrs.frozen
class Refund:
    """Money given back. A refund of order lines says which units it covers (``lines``) and how
    much of the shipping (``shipping``), so that no unit and no shipping is refunded twice."""

    id: str
    amount: Money
    status: RefundStatus
    created_at: datetime
    idempotency_key: str
    reason: str = ""
    provider_ref: str = ""
    lines: tuple[RefundLine, ...] = ()
    shipping: Money | None = None


@attrs.frozen
class Payment:
    id: str
    order_id: str
    customer_id: str
    gateway: str
    amount: Money
    status: PaymentStatus
    created_at: datetime
    updated_at: datetime
    idempotency_key: str
    provider_ref: str = ""
    captured: Money | None = None
    refunds: tuple[Refund, ...] = ()
    failure: str = ""

    @property
    def captured_amount(self) -> Money:
        return self.captured if self.captured is not None else Money.zero(self.amount.currency)

    @property
    def refunded_amount(self) -> Money:
        """Refunds that succeeded or whose outcome is not known yet both count (PAY-5)."""
        zero = Money.zero(self.amount.currency)
        return sum((r.amount for r in self.refunds if r.status is not RefundStatus.FAILED), zero)

    @property
    def refundable(self) -> Money:
        return self.captured_amount - self.refunded_amount

    def authorized(self, provider_ref: str, at: datetime) -> Payment:
        self._expect(PaymentStatus.PENDING)
        return attrs.evolve(
            self, status=PaymentStatus.AUTHORIZED, provider_ref=provider_ref, updated_at=at
        )

    def awaiting(self, provider_ref: str, at: datetime) -> Payment:
        """The provider took the request and will say the outcome later (a notification)."""
        self._expect(PaymentStatus.PENDING)
        return attrs.evolve(self, provider_ref=provider_ref, updated_at=at)

    def refund_by_key(self, key: str) -> Refund | None:
        return next((r for r in self.refunds if r.idempotency_key == key), None)

    def declined(self, reason: str, at: datetime) -> Payment:
        self._expect(PaymentStatus.PENDING, PaymentStatus.AUTHORIZED)
        return attrs.evolve(self, status=PaymentStatus.DECLINED, failure=reason, updated_at=at)

    def captured_in_full(self, at: datetime, provider_ref: str = "") -> Payment:
        self._expect(PaymentStatus.PENDING, PaymentStatus.AUTHORIZED)
        return attrs.evolve(
            self,
            status=PaymentStatus.CAPTURED,
            captured=self.amount,
            provider_ref=provider_ref or self.provider_ref,
            updated_at=at,
        )

    def voided(self, at: datetime) -> Payment:
        self._expect(PaymentStatus.AUTHORIZED)
        return attrs.evolve(self, status=PaymentStatus.VOIDED, updated_at=at)

    def with_refund(self, refund: Refund) -> Payment:
        """Record a refund request; it may not take more than is left of the capture."""
        self._expect(PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED)
        if refund.amount.currency != self.amount.currency or refund.amount.amount <= 0:
            raise InvalidInput("a refund is a positive amount in the payment's currency")
        if refund.amount > self.refundable:
            raise RefundExceedsCaptured(
                f"at most {self.refundable} can still be refunded",
                refundable=self.refundable.amount,
            )
        return self._settle(attrs.evolve(self, refunds=(*self.refunds, refund)), refund.created_at)

    def with_refund_outcome(
        self, refund_id: str, status: RefundStatus, ref: str, at: datetime
    ) -> Payment:
        refunds = tuple(
            attrs.evolve(r, status=status, provider_ref=ref or r.provider_ref)
            if r.id == refund_id
            else r
            for r in self.refunds
        )
        return self._settle(attrs.evolve(self, refunds=refunds), at)

    def _settle(self, payment: Payment, at: datetime) -> Payment:
        done = sum(
            (r.amount for r in payment.refunds if r.status is RefundStatus.SUCCEEDED),
            Money.zero(self.amount.currency),
        )
        if done.amount == 0:
            status = PaymentStatus.CAPTURED
        elif done == payment.captured_amount:
            status = PaymentStatus.REFUNDED
        else:
            status = PaymentStatus.PARTIALLY_REFUNDED
        return attrs.evolve(payment, status=status, updated_at=at)

    def _expect(self, *allowed: PaymentStatus) -> None:
        if self.status not in allowed:
            raise InvalidTransition(
                f"a payment that is {self.status.value} cannot do that", payment_id=self.id
            )


@attrs.frozen
class GatewayNotification:
    """An asynchronous message from a payment provider, after its signature was verified.

    ``payment_id`` is our payment's id when the provider echoes it back (a merchant reference, as
    Alipay's ``out_trade_no``): a notification that overtakes the synchronous answer, before the
    provider's reference is stored, still finds its payment (PAY-4).
    """

    provider: str
    event_id: str
    kind: str
    provider_ref: str
    amount: Money | None
    occurred_at: datetime
    payment_id: str = ""
