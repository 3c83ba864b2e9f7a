"""Payment use cases: pay an order, take the provider's notifications, refund.

The provider is called outside any database transaction; what it answered is then recorded in
one. The synchronous answer and the asynchronous notification lead to the same final state in
either order (PAY-4), and a notification seen twice changes nothing (PAY-3).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ecommerce_core.domain import events as ev
from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import (
    IdempotencyConflict,
    IdempotencyInProgress,
    InvalidInput,
    InvalidTransition,
    NotFound,
    OutOfStock,
    ReservationExpired,
    TransitionRefused,
)
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.orders import Order, OrderAction
from ecommerce_core.domain.payments import (
    GatewayNotification,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from ecommerce_core.domain.refunds import RefundPlan
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.ports.gateways import GatewayOutcome, PaymentRequest
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.order_holds import (
    commit_reservation,
    hold_for_payment,
    load_visible_order,
)
from ecommerce_core.services.refunds import (
    quote_line_refund,
    refund_order_lines,
    send_refund,
)

__all__ = ["NotificationResult", "PaymentService"]


@attrs.frozen
class NotificationResult:
    """What became of a provider notification: ``processed``, ``duplicate`` or ``ignored``."""

    status: str
    event_id: str
    payment_id: str | None = None


class PaymentService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- paying ---------------------------------------------------------------------------
    def pay(
        self,
        principal: Principal,
        order_id: str,
        *,
        payment_method: str,
        idempotency_key: str,
        gateway: str | None = None,
    ) -> Payment:
        """Charge the order's total through ``gateway`` (the shop's default when omitted).

        Returns the payment; a declined card is a payment with status ``declined``, not an error.
        The same key replays the stored payment; the same key for another amount or gateway is
        refused with ``idempotency_conflict``.
        """
        require(principal, Permission.PAYMENT_PAY_OWN)
        key = v.identifier(idempotency_key, "idempotency_key")
        method = v.text(payment_method, "payment_method", max_length=200)
        gateway_name = gateway or self._ctx.settings.default_gateway
        provider = self._ctx.gateway(gateway_name)
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            order = load_visible_order(uow, principal, order_id, for_update=True)
            existing = uow.payments.get_by_idempotency_key(order.id, key)
            if existing is not None:
                if existing.amount != order.total or existing.gateway != gateway_name:
                    raise IdempotencyConflict("that idempotency key was used for another payment")
                if existing.status is PaymentStatus.PENDING and not existing.provider_ref:
                    raise IdempotencyInProgress("the first payment with this key is still running")
                return existing
            refusal = self._ctx.order_flow.refusal(order, OrderAction.PAY)
            if refusal is not None:
                error = (
                    TransitionRefused
                    if self._ctx.order_flow.find(order.status, OrderAction.PAY)
                    else InvalidTransition
                )
                raise error(refusal, order_id=order.id, status=str(order.status))
            self._check_reservation(uow, order)
            payment = Payment(
                id=self._ctx.ids.new_id("pay"),
                order_id=order.id,
                customer_id=order.customer_id,
                gateway=gateway_name,
                amount=order.total,
                status=PaymentStatus.PENDING,
                created_at=now,
                updated_at=now,
                idempotency_key=key,
            )
            uow.payments.add(payment)
            uow.commit()
        result = provider.authorize(
            PaymentRequest(
                payment_id=payment.id,
                order_number=order.number,
                amount=order.total,
                payment_method=method,
                idempotency_key=f"{payment.id}:authorize",
            )
        )
        at = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            payment = self._locked_payment(uow, payment.id)
            if payment.status is not PaymentStatus.PENDING:
                return payment  # the notification arrived first and settled it
            owed = False
            if result.outcome is GatewayOutcome.SUCCEEDED:
                payment, owed = self._settle_capture(uow, payment, result.provider_ref)
            elif result.outcome is GatewayOutcome.PENDING:
                payment = payment.awaiting(result.provider_ref, at)
                uow.payments.update(payment)
            else:
                payment = payment.declined(result.message or result.outcome.value, at)
                uow.payments.update(payment)
            uow.commit()
        if owed:
            # the automatic refund changed the payment after this transaction: answer with that
            return self._refund_owed(payment.id) or payment
        return payment

    def _check_reservation(self, uow: UnitOfWork, order: Order) -> None:
        if order.reservation_id is None:
            return
        reservation = uow.reservations.get(order.reservation_id)
        if reservation is not None and reservation.is_expired(self._ctx.clock.now()):
            raise ReservationExpired(
                "the stock held for this order has expired; place the order again",
                order_id=order.id,
            )

    def _settle_capture(
        self, uow: UnitOfWork, payment: Payment, provider_ref: str
    ) -> tuple[Payment, bool]:
        """Record the capture and pay the order, holding its stock afresh if its hold ran out.

        When the order can no longer be fulfilled (cancelled meanwhile, or its stock is gone),
        the capture is still recorded and the payment is marked for an automatic refund, made
        right after this transaction commits (PAY-6: money is never kept for goods not held).
        """
        now = self._ctx.clock.now()
        captured = payment.captured_in_full(now, provider_ref)
        uow.payments.update(captured)
        events: list[ev.DomainEvent] = [
            ev.PaymentCaptured(
                occurred_at=now,
                payment_id=captured.id,
                order_id=captured.order_id,
                amount=captured.amount.amount,
                currency=captured.amount.currency,
            )
        ]
        order = uow.orders.get(captured.order_id, for_update=True)
        flow = self._ctx.order_flow
        fulfilable = order is not None and flow.can(order, OrderAction.PAY)
        if order is not None and fulfilable:
            try:
                order = hold_for_payment(uow, order, now, self._ctx)
            except OutOfStock:
                if flow.find(order.status, OrderAction.CANCEL) is not None:
                    cancelled, cancel_events = flow.apply(
                        order,
                        OrderAction.CANCEL,
                        now,
                        "stock no longer held when payment arrived",
                        check_guards=False,
                    )
                    uow.orders.update(cancelled)
                    events.extend(cancel_events)
                fulfilable = False
            else:
                paid, order_events = flow.apply(
                    order, OrderAction.PAY, now, f"paid by {captured.gateway}"
                )
                commit_reservation(uow, order, now)
                uow.orders.update(paid)
                events.extend(order_events)
        uow.outbox.add(events)
        return captured, not fulfilable

    def _refund_owed(self, payment_id: str) -> Payment | None:
        """Refund a capture recorded for an order that could not be completed (after commit);
        the payment after the refund, or None when nothing was left to refund."""
        with self._ctx.uow() as uow:
            payment = uow.payments.get(payment_id)
        if payment is None or payment.refundable.amount == 0:
            return None
        return self.refund(
            Principal.system(),
            payment_id,
            amount=payment.refundable,
            idempotency_key=f"{payment_id}:auto-refund",
            reason="the order could not be completed",
        )

    def _locked_payment(self, uow: UnitOfWork, payment_id: str) -> Payment:
        payment = uow.payments.get(payment_id, for_update=True)
        if payment is None:
            raise NotFound("no such payment", payment_id=payment_id)
        return payment

    # -- notifications ----------------------------------------------------------------------
    def handle_notification(
        self, gateway: str, headers: Mapping[str, str], body: bytes
    ) -> NotificationResult:
        """Verify and apply a provider's asynchronous notification (a webhook).

        The provider is the actor here, authenticated by the signature over the raw ``body``.
        :raises InvalidSignature: the signature or timestamp does not verify; nothing changes.
        """
        if not isinstance(body, bytes | bytearray):
            raise InvalidInput("a notification body is the raw bytes received")
        provider = self._ctx.gateway(gateway)
        note = provider.parse_notification(headers, bytes(body), self._ctx.clock.now())
        with self._ctx.uow() as uow:
            if not uow.notifications.record(gateway, note.event_id):
                return NotificationResult("duplicate", note.event_id)
            found = uow.payments.get_by_provider_ref(
                gateway, note.provider_ref
            ) or self._by_reference(uow, gateway, note)
            if found is None:
                # not recorded as processed: a redelivery that can be matched is then applied
                return NotificationResult("ignored", note.event_id)
            payment = self._locked_payment(uow, found.id)
            owed = False
            if note.kind == "payment.captured" and payment.status in (
                PaymentStatus.PENDING,
                PaymentStatus.AUTHORIZED,
            ):
                payment, owed = self._settle_capture(uow, payment, note.provider_ref)
            elif note.kind == "payment.failed" and payment.status is PaymentStatus.PENDING:
                payment = payment.declined("declined by the provider", self._ctx.clock.now())
                uow.payments.update(payment)
            uow.commit()
        if owed:
            self._refund_owed(payment.id)
        return NotificationResult("processed", note.event_id, payment.id)

    @staticmethod
    def _by_reference(uow: UnitOfWork, gateway: str, note: GatewayNotification) -> Payment | None:
        if not note.payment_id:
            return None
        payment = uow.payments.get(note.payment_id)
        if payment is None or payment.gateway != gateway:
            return None
        return payment if payment.provider_ref in ("", note.provider_ref) else None

    # -- refunds ----------------------------------------------------------------------------
    def refund(
        self,
        principal: Principal,
        payment_id: str,
        *,
        amount: Money,
        idempotency_key: str,
        reason: str = "",
    ) -> Payment:
        """Give back ``amount`` of a captured payment. The sum of refunds never exceeds the capture.

        The refund is recorded (under the payment's lock) before the provider is asked, so two
        concurrent refunds can never take more than was captured (PAY-5).
        """
        require(principal, Permission.PAYMENT_REFUND)
        key = v.identifier(idempotency_key, "idempotency_key")
        if not isinstance(amount, Money):
            raise InvalidInput("a refund amount is Money", field="amount")
        note = v.text(reason, "reason", max_length=500, allow_empty=True)
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            payment = self._locked_payment(uow, payment_id)
            load_visible_order(uow, principal, payment.order_id)
            previous = payment.refund_by_key(key)
            if previous is not None:
                if previous.amount != amount:
                    raise IdempotencyConflict("that idempotency key was used for another refund")
                return payment
            refund = Refund(
                id=self._ctx.ids.new_id("ref"),
                amount=amount,
                status=RefundStatus.PENDING,
                created_at=now,
                idempotency_key=key,
                reason=note,
            )
            payment = payment.with_refund(refund)
            uow.payments.update(payment)
            uow.commit()
        return send_refund(self._ctx, payment, refund, actor=principal.id or "")

    def refund_lines(
        self,
        principal: Principal,
        order_id: str,
        lines: Mapping[int, int] | Mapping[str, int],
        *,
        idempotency_key: str,
        include_shipping: bool = False,
        reason: str = "",
    ) -> Payment:
        """Refund units of the order's lines, ``{line position or SKU: units}``, each unit by its
        exact share of what was paid for its line (order-level discounts and added tax included),
        and the shipping when ``include_shipping``. A unit or the shipping is never refunded
        twice (``refund_exceeds_sold``); PAY-5 holds as for :meth:`refund`.
        """
        return refund_order_lines(
            self._ctx,
            principal,
            order_id,
            lines,
            idempotency_key=idempotency_key,
            include_shipping=include_shipping,
            reason=reason,
        )

    def quote_refund(
        self,
        principal: Principal,
        order_id: str,
        lines: Mapping[int, int] | Mapping[str, int],
        *,
        include_shipping: bool = False,
    ) -> RefundPlan:
        """What :meth:`refund_lines` would give back now, line by line; changes nothing."""
        return quote_line_refund(
            self._ctx, principal, order_id, lines, include_shipping=include_shipping
        )

    def list_for_order(self, principal: Principal, order_id: str) -> list[Payment]:
        require(principal, Permission.ORDER_READ_OWN)
        with self._ctx.uow() as uow:
            order = load_visible_order(uow, principal, order_id)
            return uow.payments.list_for_order(order.id)
