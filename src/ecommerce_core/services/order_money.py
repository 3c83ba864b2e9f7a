"""What the order's money did moves the order: refunds set its payment status and may close it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ecommerce_core.domain.orders import OrderAction, PaymentState
from ecommerce_core.domain.payments import Payment, RefundStatus
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.order_holds import release_reservation
from ecommerce_core.services.redemptions import return_points

__all__ = ["order_refund_action", "record_refund_on_order"]


def order_refund_action(payments: Sequence[Payment]) -> OrderAction | None:
    """``refund`` when every captured unit of the order's money went back, ``refund_partially``
    when some did, None when none did (refunds still pending count for nothing here)."""
    captured = sum(p.captured_amount.amount for p in payments)
    returned = sum(
        r.amount.amount for p in payments for r in p.refunds if r.status is RefundStatus.SUCCEEDED
    )
    if returned == 0:
        return None
    return OrderAction.REFUND if returned >= captured else OrderAction.REFUND_PARTIALLY


def record_refund_on_order(
    ctx: ServiceContext, uow: UnitOfWork, order_id: str, at: datetime, note: str, actor: str
) -> None:
    """Move the order's payment status (``closed`` when every captured unit of money went back),
    inside the transaction that records the refund's success.

    An order that was never paid (PAY-6: the capture arrived after it was cancelled) keeps its
    status: the payment itself records the round trip.
    """
    order = uow.orders.get(order_id, for_update=True)
    if order is None or order.payment_status is PaymentState.UNPAID:
        return
    action = order_refund_action(uow.payments.list_for_order(order_id))
    if action is None or ctx.order_flow.find(order.status, action) is None:
        return
    # a fact the provider already made true: guards do not get to refuse it
    moved, events = ctx.order_flow.apply(
        order, action, at, note or "refunded", actor=actor, check_guards=False
    )
    uow.orders.update(moved)
    uow.outbox.add(events)
    if action is OrderAction.REFUND:
        # all the money went back, so nothing more ships: what the order still holds in the
        # warehouse is sellable again (docs/inventory.md)
        release_reservation(uow, order, at, actor=actor)
        return_points(uow, ctx, order)  # the points it was partly paid with come back
