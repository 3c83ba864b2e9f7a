"""Orders and their state machine: a transition table, and nothing else moves an order."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from ecommerce_core.domain import events as ev
from ecommerce_core.domain.errors import InvalidTransition
from ecommerce_core.domain.money import Money

__all__ = [
    "TRANSITIONS",
    "Address",
    "Order",
    "OrderAction",
    "OrderLine",
    "OrderStatus",
    "StatusChange",
]


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class OrderAction(StrEnum):
    PAY = "pay"
    SHIP = "ship"
    DELIVER = "deliver"
    COMPLETE = "complete"
    CANCEL = "cancel"


S, A = OrderStatus, OrderAction
TRANSITIONS: dict[tuple[OrderStatus, OrderAction], OrderStatus] = {
    (S.PENDING_PAYMENT, A.PAY): S.PAID,
    (S.PENDING_PAYMENT, A.CANCEL): S.CANCELLED,
    (S.PAID, A.SHIP): S.SHIPPED,
    (S.PAID, A.CANCEL): S.CANCELLED,
    (S.SHIPPED, A.DELIVER): S.DELIVERED,
    (S.DELIVERED, A.COMPLETE): S.COMPLETED,
}


@attrs.frozen
class Address:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    phone: str = ""
    line2: str = ""
    region: str = ""


@attrs.frozen
class OrderLine:
    """A line as it was sold: the price and discount are frozen at placement.

    ``total`` is what the line costs after its discounts, including its share of order-level
    discounts. ``tax`` is the tax added on top of it when prices exclude tax (zero when they
    include it); None on orders stored before line taxes were recorded.
    """

    sku: str
    product_id: str
    name: str
    quantity: int
    unit_price: Money
    discount: Money
    total: Money
    tax: Money | None = None


@attrs.frozen
class StatusChange:
    status: OrderStatus
    at: datetime
    note: str = ""


@attrs.frozen
class Order:
    id: str
    number: str
    customer_id: str
    currency: str
    lines: tuple[OrderLine, ...]
    subtotal: Money
    discount: Money
    shipping: Money
    tax: Money
    total: Money
    status: OrderStatus
    placed_at: datetime
    updated_at: datetime
    reservation_id: str | None = None
    idempotency_key: str | None = None
    shipping_address: Address | None = None
    history: tuple[StatusChange, ...] = ()

    def can(self, action: OrderAction) -> bool:
        return (self.status, action) in TRANSITIONS

    def transition(
        self, action: OrderAction, at: datetime, note: str = "", **event_data: str
    ) -> tuple[Order, list[ev.DomainEvent]]:
        """The order after ``action`` and the events it raises; :class:`InvalidTransition` else."""
        target = TRANSITIONS.get((self.status, action))
        if target is None:
            raise InvalidTransition(
                f"an order that is {self.status.value} cannot {action.value}",
                order_id=self.id,
                status=self.status.value,
                action=action.value,
            )
        order = attrs.evolve(
            self,
            status=target,
            updated_at=at,
            history=(*self.history, StatusChange(target, at, note)),
        )
        return order, [_event_for(target, self.id, at, note, event_data)]


def _event_for(
    status: OrderStatus, order_id: str, at: datetime, note: str, data: dict[str, str]
) -> ev.DomainEvent:
    if status is OrderStatus.PAID:
        return ev.OrderPaid(occurred_at=at, order_id=order_id)
    if status is OrderStatus.SHIPPED:
        return ev.OrderShipped(
            occurred_at=at, order_id=order_id, tracking_number=data.get("tracking_number", "")
        )
    if status is OrderStatus.DELIVERED:
        return ev.OrderDelivered(occurred_at=at, order_id=order_id)
    if status is OrderStatus.COMPLETED:
        return ev.OrderCompleted(occurred_at=at, order_id=order_id)
    return ev.OrderCancelled(occurred_at=at, order_id=order_id, reason=note)
