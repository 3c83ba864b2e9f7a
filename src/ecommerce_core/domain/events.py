"""Domain events: frozen, past tense, stored in the outbox in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import attrs

__all__ = [
    "EVENT_TYPES",
    "AfterSalesRequested",
    "AfterSalesStatusChanged",
    "ComplaintChanged",
    "CustomerRegistered",
    "DomainEvent",
    "GroupBuyFailed",
    "GroupBuySucceeded",
    "MembershipChanged",
    "OrderCancelled",
    "OrderCompleted",
    "OrderDelivered",
    "OrderPaid",
    "OrderPlaced",
    "OrderShipped",
    "OrderStatusChanged",
    "PaymentCaptured",
    "PaymentRefunded",
    "PointsChanged",
    "ProductCreated",
    "ShipmentCreated",
    "StockAdjusted",
    "StockCommitted",
    "StockLow",
    "StockReceived",
    "StockReleased",
    "StockReserved",
    "StockTransferred",
    "event_from_dict",
]


@attrs.frozen(kw_only=True)
class DomainEvent:
    """Something that happened. ``name`` is stable and is what integrations subscribe to."""

    name: ClassVar[str] = "event"
    occurred_at: datetime

    def payload(self) -> dict[str, Any]:
        data = attrs.asdict(self, recurse=True)
        data["occurred_at"] = self.occurred_at.isoformat()
        return data


EVENT_TYPES: dict[str, type[DomainEvent]] = {}


def _event(name: str) -> Any:
    def register(cls: type[DomainEvent]) -> type[DomainEvent]:
        cls.name = name
        EVENT_TYPES[name] = cls
        return cls

    return register


@_event("product.created")
@attrs.frozen(kw_only=True)
class ProductCreated(DomainEvent):
    product_id: str
    skus: tuple[str, ...]


@_event("customer.registered")
@attrs.frozen(kw_only=True)
class CustomerRegistered(DomainEvent):
    customer_id: str


@_event("stock.received")
@attrs.frozen(kw_only=True)
class StockReceived(DomainEvent):
    sku: str
    warehouse_id: str
    quantity: int


@_event("stock.reserved")
@attrs.frozen(kw_only=True)
class StockReserved(DomainEvent):
    reservation_id: str
    order_id: str
    lines: tuple[tuple[str, str, int], ...]


@_event("stock.committed")
@attrs.frozen(kw_only=True)
class StockCommitted(DomainEvent):
    reservation_id: str
    order_id: str


@_event("stock.released")
@attrs.frozen(kw_only=True)
class StockReleased(DomainEvent):
    reservation_id: str
    order_id: str


@_event("stock.adjusted")
@attrs.frozen(kw_only=True)
class StockAdjusted(DomainEvent):
    """On hand changed by hand (``delta`` units, negative for a loss) for ``reason``."""

    sku: str
    warehouse_id: str
    delta: int
    reason: str


@_event("stock.transferred")
@attrs.frozen(kw_only=True)
class StockTransferred(DomainEvent):
    transfer_id: str
    sku: str
    from_warehouse_id: str
    to_warehouse_id: str
    quantity: int


@_event("stock.low")
@attrs.frozen(kw_only=True)
class StockLow(DomainEvent):
    """A level's available units fell to or below its SKU's low-stock threshold (补货提醒): once
    per crossing, not again until it has risen above the threshold and fallen again."""

    sku: str
    warehouse_id: str
    available: int
    threshold: int


@_event("order.placed")
@attrs.frozen(kw_only=True)
class OrderPlaced(DomainEvent):
    order_id: str
    number: str
    customer_id: str
    total: int
    currency: str


@_event("order.paid")
@attrs.frozen(kw_only=True)
class OrderPaid(DomainEvent):
    order_id: str


@_event("order.shipped")
@attrs.frozen(kw_only=True)
class OrderShipped(DomainEvent):
    order_id: str
    tracking_number: str


@_event("order.delivered")
@attrs.frozen(kw_only=True)
class OrderDelivered(DomainEvent):
    order_id: str


@_event("order.completed")
@attrs.frozen(kw_only=True)
class OrderCompleted(DomainEvent):
    order_id: str


@_event("order.cancelled")
@attrs.frozen(kw_only=True)
class OrderCancelled(DomainEvent):
    order_id: str
    reason: str


@_event("order.status_changed")
@attrs.frozen(kw_only=True)
class OrderStatusChanged(DomainEvent):
    """A declared transition without an event of its own (a partial shipment, a refund, an edit,
    or an action a plugin declared)."""

    order_id: str
    action: str
    source: str
    target: str
    note: str = ""


@_event("payment.captured")
@attrs.frozen(kw_only=True)
class PaymentCaptured(DomainEvent):
    payment_id: str
    order_id: str
    amount: int
    currency: str


@_event("payment.refunded")
@attrs.frozen(kw_only=True)
class PaymentRefunded(DomainEvent):
    """``lines`` are ``(position, sku, units, amount)`` of a line refund; ``shipping`` the part
    of ``amount`` that was shipping."""

    payment_id: str
    order_id: str
    refund_id: str
    amount: int
    currency: str
    lines: tuple[tuple[int, str, int, int], ...] = ()
    shipping: int = 0


@_event("shipment.created")
@attrs.frozen(kw_only=True)
class ShipmentCreated(DomainEvent):
    shipment_id: str
    order_id: str
    carrier: str
    tracking_number: str
    #: the parcel's (SKU, warehouse, units)
    lines: tuple[tuple[str, str, int], ...] = ()


@_event("membership.changed")
@attrs.frozen(kw_only=True)
class MembershipChanged(DomainEvent):
    customer_id: str
    changed_by: str
    groups: tuple[str, ...]
    tier: str
    contracts: tuple[str, ...]


@_event("points.changed")
@attrs.frozen(kw_only=True)
class PointsChanged(DomainEvent):
    customer_id: str
    entry_id: str
    delta: int
    reason: str
    order_id: str | None = None


@_event("aftersales.requested")
@attrs.frozen(kw_only=True)
class AfterSalesRequested(DomainEvent):
    """``lines`` are ``(position, sku, units)`` of the order's lines."""

    request_id: str
    order_id: str
    customer_id: str
    kind: str
    reason: str
    lines: tuple[tuple[int, str, int], ...]


@_event("aftersales.status_changed")
@attrs.frozen(kw_only=True)
class AfterSalesStatusChanged(DomainEvent):
    request_id: str
    order_id: str
    kind: str
    status: str
    actor_id: str
    note: str = ""


@_event("complaint.changed")
@attrs.frozen(kw_only=True)
class ComplaintChanged(DomainEvent):
    """A complaint was opened, answered, written to again or closed (``status`` says which)."""

    complaint_id: str
    customer_id: str
    order_id: str
    status: str
    actor_id: str


@_event("group_buy.succeeded")
@attrs.frozen(kw_only=True)
class GroupBuySucceeded(DomainEvent):
    campaign_id: str
    sku: str
    joined: int


@_event("group_buy.failed")
@attrs.frozen(kw_only=True)
class GroupBuyFailed(DomainEvent):
    campaign_id: str
    sku: str
    joined: int


def event_from_dict(name: str, data: dict[str, Any]) -> DomainEvent:
    """Rebuild a stored event (the inverse of :meth:`DomainEvent.payload`)."""
    cls = EVENT_TYPES[name]
    values = dict(data)
    values["occurred_at"] = datetime.fromisoformat(values["occurred_at"])
    for field in attrs.fields(cls):
        if field.name in values and isinstance(values[field.name], list):
            values[field.name] = tuple(
                tuple(v) if isinstance(v, list) else v for v in values[field.name]
            )
    return cls(**values)
