"""An order's timeline: every step of its life, from its history, payments and parcels, in time order.

Nothing new is stored for it: the order's history (each transition, edit and staff note with its
actor), its payments (declines, refunds), its parcels (booking, every tracking update) and its
after-sales requests (each step) already say what happened and when. The customer sees the entries meant for them; staff see everything,
with who did it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import attrs

from ecommerce_core.domain.aftersales import AfterSalesRequest
from ecommerce_core.domain.orders import Order
from ecommerce_core.domain.payments import Payment, PaymentStatus
from ecommerce_core.domain.security import Permission, Principal
from ecommerce_core.domain.shipping import Shipment

__all__ = ["TimelineEntry", "build_timeline"]

#: what a history entry's action is called on the timeline
_HISTORY_KIND = {
    "": "order.placed",
    "place": "order.placed",
    "pay": "order.paid",
    "edit": "order.edited",
    "ship_partially": "order.partially_shipped",
    "ship": "order.shipped",
    "deliver": "order.delivered",
    "complete": "order.completed",
    "cancel": "order.cancelled",
    "refund_partially": "order.partially_refunded",
    "refund": "order.closed",
    "note": "order.note",
}


@attrs.frozen
class TimelineEntry:
    """One step. ``kind`` is a stable name (``order.paid``, ``parcel.shipped``,
    ``parcel.in_transit``, ``refund.succeeded``, ...); ``summary`` is for people; ``actor`` and
    ``internal`` entries are shown to staff only (``actor`` is empty in a customer's view)."""

    at: datetime
    kind: str
    summary: str
    status: str = ""
    actor: str = ""
    internal: bool = False
    data: Mapping[str, str] = attrs.field(factory=dict)


def build_timeline(
    principal: Principal,
    order: Order,
    payments: Iterable[Payment],
    parcels: Iterable[Shipment],
    requests: Iterable[AfterSalesRequest] = (),
) -> list[TimelineEntry]:
    """Every entry of the order's life in time order.

    At the same instant the placement comes first, then what happened outside the order (a
    payment declined, a refund made, a parcel booked), then the order's own moves that followed
    from it; entries from one source keep their order.
    """
    staff = principal.can(Permission.ORDER_READ_ANY)
    history = _from_history(order)
    ranked = [
        *((0 if e.kind == "order.placed" else 2, e) for e in history),
        *((1, e) for e in _from_payments(payments)),
        *((1, e) for e in _from_parcels(parcels)),
        *((1, e) for e in _from_requests(requests)),
    ]
    keyed = sorted(enumerate(ranked), key=lambda item: (item[1][1].at, item[1][0], item[0]))
    ordered = [entry for _, (_, entry) in keyed]
    if staff:
        return ordered
    return [attrs.evolve(e, actor="") for e in ordered if not e.internal]


def _from_history(order: Order) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            at=h.at,
            kind=_HISTORY_KIND.get(h.action, f"order.{h.action}"),
            summary=h.note,
            status=str(h.status),
            actor=h.actor,
            internal=h.internal,
        )
        for h in order.history
    ]


def _from_payments(payments: Iterable[Payment]) -> list[TimelineEntry]:
    entries = []
    for p in payments:
        if p.status is PaymentStatus.DECLINED:
            entries.append(
                TimelineEntry(
                    p.updated_at,
                    "payment.failed",
                    f"payment of {p.amount} declined: {p.failure}",
                    data={"payment_id": p.id, "gateway": p.gateway},
                )
            )
        for r in p.refunds:
            entries.append(
                TimelineEntry(
                    r.created_at,
                    f"refund.{r.status.value}",
                    f"refund of {r.amount}" + (f": {r.reason}" if r.reason else ""),
                    data={"payment_id": p.id, "refund_id": r.id, "amount": str(r.amount)},
                )
            )
    return entries


def _from_parcels(parcels: Iterable[Shipment]) -> list[TimelineEntry]:
    entries = []
    for s in parcels:
        units = ", ".join(f"{ln.quantity} x {ln.sku}" for ln in s.lines)
        entries.append(
            TimelineEntry(
                s.created_at,
                "parcel.shipped",
                f"parcel {s.tracking_number} booked with {s.carrier}"
                + (f" ({units})" if units else ""),
                data={
                    "shipment_id": s.id,
                    "carrier": s.carrier,
                    "tracking_number": s.tracking_number,
                },
            )
        )
        for e in s.events:
            where = f" ({e.location})" if e.location else ""
            entries.append(
                TimelineEntry(
                    e.at,
                    f"parcel.{e.status.value}",
                    f"{s.tracking_number}: {e.description}{where}",
                    data={"shipment_id": s.id, "tracking_number": s.tracking_number},
                )
            )
    return entries


def _from_requests(requests: Iterable[AfterSalesRequest]) -> list[TimelineEntry]:
    """Every step of the order's after-sales requests (return, exchange, refund only)."""
    return [
        TimelineEntry(
            step.at,
            f"aftersales.{step.status.value}",
            f"{r.kind.value} request {r.id}: {step.status.value}"
            + (f" ({step.note})" if step.note else ""),
            status=step.status.value,
            actor=step.actor_id,
            data={"request_id": r.id, "kind": r.kind.value},
        )
        for r in requests
        for step in r.steps
    ]
