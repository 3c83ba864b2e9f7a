"""Orders and their state machine: a transition table, and nothing else moves an order."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from ecommerce_core.domain import events as ev
from ecommerce_core.domain.money import Money

__all__ = [
    "Address",
    "FulfilmentStatus",
    "Order",
    "OrderAction",
    "OrderLine",
    "OrderStatus",
    "PaymentState",
    "StatusChange",
    "order_state",
]


class OrderStatus(StrEnum):
    """The built-in overall statuses; plugins may add more (an order's status is then a str)."""

    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    CLOSED = "closed"


class PaymentState(StrEnum):
    """Where the order's money is (the order's view; each payment has its own status)."""

    UNPAID = "unpaid"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class FulfilmentStatus(StrEnum):
    UNFULFILLED = "unfulfilled"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


class OrderAction(StrEnum):
    """The built-in actions; plugins may declare more."""

    PAY = "pay"
    EDIT = "edit"
    SHIP_PARTIALLY = "ship_partially"
    SHIP = "ship"
    DELIVER = "deliver"
    COMPLETE = "complete"
    CANCEL = "cancel"
    REFUND_PARTIALLY = "refund_partially"
    REFUND = "refund"


def order_state(value: str) -> str:
    """A built-in status as its :class:`OrderStatus` member, a plugin's state as the plain str.

    :raises ValueError: not a state name (a lower-case identifier).
    """
    try:
        return OrderStatus(value)
    except ValueError:
        if not isinstance(value, str) or not value.isidentifier() or value != value.lower():
            raise ValueError(f"{value!r} is not an order state name") from None
        return value


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
    """A line as it was sold: the price and discount are frozen at placement (or
    repriced by an edit before payment).

    ``total`` is what the line costs after its discounts, including its share of order-level
    discounts. ``tax`` is the tax added on top of it when prices exclude tax (zero when they
    include it); None on orders stored before line taxes were recorded. ``gift`` lines were given
    by a promotion or coupon, not bought (an edit recomputes them).
    """

    sku: str
    product_id: str
    name: str
    quantity: int
    unit_price: Money
    discount: Money
    total: Money
    tax: Money | None = None
    gift: bool = False


@attrs.frozen
class StatusChange:
    """One entry of the order's history: a declared transition (or an edit, or a staff note).

    ``action`` is what moved it ("" for the placement), ``actor`` the principal's id, and
    ``internal`` entries are shown to staff only.
    """

    status: str = attrs.field(converter=order_state)
    at: datetime
    note: str = ""
    action: str = ""
    actor: str = ""
    internal: bool = False


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
    status: str = attrs.field(converter=order_state)
    placed_at: datetime
    updated_at: datetime
    reservation_id: str | None = None
    idempotency_key: str | None = None
    shipping_address: Address | None = None
    history: tuple[StatusChange, ...] = ()
    payment_status: PaymentState = PaymentState.UNPAID
    fulfilment_status: FulfilmentStatus = FulfilmentStatus.UNFULFILLED
    #: the coupon codes the order applied when placed (an edit prices it with them again)
    coupon_codes: tuple[str, ...] = ()

    def can(self, action: str) -> bool:
        """Whether the built-in machine allows ``action`` (services ask the shop's own flow)."""
        from ecommerce_core.domain.order_flow import DEFAULT_FLOW

        return DEFAULT_FLOW.can(self, action)

    def transition(
        self, action: str, at: datetime, note: str = "", **event_data: str
    ) -> tuple[Order, list[ev.DomainEvent]]:
        """The order after ``action`` under the built-in machine, and the events it raises.

        :raises InvalidTransition: no such move; the order is unchanged.
        """
        from ecommerce_core.domain.order_flow import DEFAULT_FLOW

        return DEFAULT_FLOW.apply(self, action, at, note, data=event_data)
