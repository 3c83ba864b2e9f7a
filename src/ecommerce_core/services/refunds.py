"""Refunds through the provider, and refunds of order lines by their exact share.

A refund is recorded under its payment's lock before the provider is asked (PAY-5: what is
refunded, pending or done, never exceeds what was captured), the provider is called outside any
transaction, and its answer is recorded in a second unit of work. A line refund also records the
units and shipping it covers, under that same lock, so that no unit is refunded twice.
"""

from __future__ import annotations

from collections.abc import Mapping

from ecommerce_core.domain import events as ev
from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import (
    IdempotencyConflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PaymentError,
    RefundExceedsCaptured,
)
from ecommerce_core.domain.orders import Order
from ecommerce_core.domain.payments import Payment, PaymentStatus, Refund, RefundStatus
from ecommerce_core.domain.refunds import RefundPlan, plan_refund, requested_units
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.ports.gateways import GatewayOutcome
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.order_holds import load_visible_order
from ecommerce_core.services.order_money import record_refund_on_order

__all__ = ["quote_line_refund", "refund_order_lines", "send_refund"]

_CAPTURED = (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


def send_refund(
    ctx: ServiceContext, payment: Payment, refund: Refund, *, actor: str = ""
) -> Payment:
    """Ask the provider for ``refund`` (already recorded on ``payment``) and record its answer;
    a success moves the order's payment status in the same transaction (and may close it).

    :raises PaymentError: the provider refused; the refund is recorded as failed and releases
        what it held.
    """
    result = ctx.gateway(payment.gateway).refund(
        payment.provider_ref, refund.amount, f"{refund.id}:refund"
    )
    status = {
        GatewayOutcome.SUCCEEDED: RefundStatus.SUCCEEDED,
        GatewayOutcome.PENDING: RefundStatus.PENDING,
    }.get(result.outcome, RefundStatus.FAILED)
    at = ctx.clock.now()
    with ctx.uow() as uow:
        current = uow.payments.get(payment.id, for_update=True)
        if current is None:
            raise NotFound("no such payment", payment_id=payment.id)
        current = current.with_refund_outcome(refund.id, status, result.provider_ref, at)
        uow.payments.update(current)
        if status is RefundStatus.SUCCEEDED:
            uow.outbox.add(
                [
                    ev.PaymentRefunded(
                        occurred_at=at,
                        payment_id=current.id,
                        order_id=current.order_id,
                        refund_id=refund.id,
                        amount=refund.amount.amount,
                        currency=refund.amount.currency,
                        lines=tuple(
                            (ln.line, ln.sku, ln.quantity, ln.amount.amount) for ln in refund.lines
                        ),
                        shipping=0 if refund.shipping is None else refund.shipping.amount,
                    )
                ]
            )
            record_refund_on_order(ctx, uow, current.order_id, at, refund.reason, actor)
        uow.commit()
    if status is RefundStatus.FAILED:
        raise PaymentError(
            f"the provider refused the refund: {result.message or 'no reason given'}",
            refund_id=refund.id,
        )
    return current


def _target(payments: list[Payment], order: Order) -> Payment:
    """The captured payment a line refund draws on: the one with the most left to refund."""
    captured = [p for p in payments if p.status in _CAPTURED]
    if not captured:
        raise InvalidTransition("the order has no captured payment to refund", order_id=order.id)
    return max(captured, key=lambda p: (p.refundable.amount, p.created_at, p.id))


def _all_refunds(payments: list[Payment], locked: Payment) -> list[Refund]:
    others = [r for p in payments if p.id != locked.id for r in p.refunds]
    return [*locked.refunds, *others]


def _replayed(
    uow: UnitOfWork,
    order: Order,
    payments: list[Payment],
    key: str,
    lines: Mapping[int, int] | Mapping[str, int],
    include_shipping: bool,
) -> Payment | None:
    for payment in payments:
        previous = payment.refund_by_key(key)
        if previous is None:
            continue
        same = {ln.line: ln.quantity for ln in previous.lines} == requested_units(order, lines)
        if not same or (previous.shipping is not None) != include_shipping:
            raise IdempotencyConflict("that idempotency key was used for another refund")
        return uow.payments.get(payment.id) or payment
    return None


def quote_line_refund(
    ctx: ServiceContext,
    principal: Principal,
    order_id: str,
    lines: Mapping[int, int] | Mapping[str, int],
    *,
    include_shipping: bool = False,
) -> RefundPlan:
    """What refunding ``lines`` of the order would give back now, changing nothing."""
    require(principal, Permission.ORDER_READ_OWN)
    with ctx.uow() as uow:
        order = load_visible_order(uow, principal, order_id)
        refunds = [r for p in uow.payments.list_for_order(order.id) for r in p.refunds]
        return plan_refund(order, lines, refunds, include_shipping=include_shipping)


def refund_order_lines(
    ctx: ServiceContext,
    principal: Principal,
    order_id: str,
    lines: Mapping[int, int] | Mapping[str, int],
    *,
    idempotency_key: str,
    include_shipping: bool = False,
    reason: str = "",
) -> Payment:
    """Refund units of the order's lines (``{position or SKU: units}``), each by its exact share
    of what was paid, and the shipping if asked; the payment afterwards.

    :raises RefundExceedsSold: a unit or the shipping is refunded (or being refunded) already.
    :raises InvalidTransition: the order has no captured payment with anything left to refund.
    """
    require(principal, Permission.PAYMENT_REFUND)
    key = v.identifier(idempotency_key, "idempotency_key")
    note = v.text(reason, "reason", max_length=500, allow_empty=True)
    if not isinstance(include_shipping, bool):
        raise InvalidInput("include_shipping is true or false", field="include_shipping")
    now = ctx.clock.now()
    with ctx.uow() as uow:
        order = load_visible_order(uow, principal, order_id)
        payments = uow.payments.list_for_order(order.id)
        replay = _replayed(uow, order, payments, key, lines, include_shipping)
        if replay is not None:
            return replay
        payment = uow.payments.get(_target(payments, order).id, for_update=True)
        if payment is None:
            raise NotFound("no such payment", order_id=order.id)
        if payment.refund_by_key(key) is not None:  # a twin committed between the two reads
            replay = _replayed(uow, order, [payment], key, lines, include_shipping)
            assert replay is not None
            return replay
        plan = plan_refund(
            order, lines, _all_refunds(payments, payment), include_shipping=include_shipping
        )
        if plan.total.amount == 0:
            raise InvalidInput("those units cost nothing: there is nothing to refund")
        if plan.total > payment.refundable:
            raise RefundExceedsCaptured(
                f"at most {payment.refundable} can still be refunded",
                refundable=payment.refundable.amount,
            )
        refund = Refund(
            id=ctx.ids.new_id("ref"),
            amount=plan.total,
            status=RefundStatus.PENDING,
            created_at=now,
            idempotency_key=key,
            reason=note,
            lines=plan.lines,
            shipping=plan.shipping,
        )
        payment = payment.with_refund(refund)
        uow.payments.update(payment)
        uow.commit()
    return send_refund(ctx, payment, refund, actor=principal.id or "")
