"""After-sales requests: returns, exchanges and refunds without return, and their state machine.

::

    requested ──approve──> approved ──receive──> goods_received ──refund──> refunded    (return)
        │                     │                        └────────exchange──> exchanged   (exchange)
        │                     └──refund──> refunded                              (refund_only)
        ├──reject──> rejected
        └──withdraw──> withdrawn

Every step records who took it and when. A request names units of the order's lines; units in
a request that is still open or was carried out cannot be asked for again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

import attrs

from ecommerce_core.domain import events as ev
from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput, InvalidTransition
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.orders import FulfilmentStatus, Order, OrderStatus, PaymentState
from ecommerce_core.domain.refunds import requested_units

E = TypeVar("E", bound=StrEnum)

__all__ = [
    "MAX_PHOTOS",
    "TRANSITIONS",
    "AfterSalesRequest",
    "Reason",
    "RequestAction",
    "RequestKind",
    "RequestLine",
    "RequestStatus",
    "RequestStep",
    "open_request",
    "photo_reference",
    "units_in_requests",
]

MAX_PHOTOS = 9
_PHOTO_ID = re.compile(r"[A-Za-z0-9_.-]{1,200}(/[A-Za-z0-9_.-]{1,200}){0,8}")
_PHOTO_URL = re.compile(r"https://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?(/[^\s<>\"'\\]*)?")


class RequestKind(StrEnum):
    RETURN = "return"  # goods come back, money goes back
    EXCHANGE = "exchange"  # goods come back, the same goods go out again
    REFUND_ONLY = "refund_only"  # money goes back, nothing comes back (missing, never shipped)


class RequestStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    GOODS_RECEIVED = "goods_received"
    REFUNDED = "refunded"
    EXCHANGED = "exchanged"


class RequestAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    RECEIVE = "receive"
    REFUND = "refund"
    EXCHANGE = "exchange"


class Reason(StrEnum):
    DAMAGED = "damaged"
    DEFECTIVE = "defective"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    MISSING_PARTS = "missing_parts"
    NOT_RECEIVED = "not_received"
    LATE = "late"
    NO_LONGER_NEEDED = "no_longer_needed"
    OTHER = "other"


K, S, A = RequestKind, RequestStatus, RequestAction
_ANY = tuple(RequestKind)
_RETURNED = (K.RETURN, K.EXCHANGE)
#: (status, action) -> (new status, the kinds that may take that step)
TRANSITIONS: dict[
    tuple[RequestStatus, RequestAction], tuple[RequestStatus, tuple[RequestKind, ...]]
] = {
    (S.REQUESTED, A.APPROVE): (S.APPROVED, _ANY),
    (S.REQUESTED, A.REJECT): (S.REJECTED, _ANY),
    (S.REQUESTED, A.WITHDRAW): (S.WITHDRAWN, _ANY),
    (S.APPROVED, A.RECEIVE): (S.GOODS_RECEIVED, _RETURNED),
    (S.APPROVED, A.REFUND): (S.REFUNDED, (K.REFUND_ONLY,)),
    (S.GOODS_RECEIVED, A.REFUND): (S.REFUNDED, (K.RETURN,)),
    (S.GOODS_RECEIVED, A.EXCHANGE): (S.EXCHANGED, (K.EXCHANGE,)),
}
#: requests whose units are free to be asked for again
_LET_GO = (S.REJECTED, S.WITHDRAWN)
#: where the order's money and goods must be for a request
_PAID = (PaymentState.PAID, PaymentState.PARTIALLY_REFUNDED)
_GONE = (FulfilmentStatus.PARTIALLY_SHIPPED, FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED)
_OVER = (OrderStatus.CANCELLED, OrderStatus.CLOSED)


@attrs.frozen
class RequestLine:
    """``quantity`` units of the order's line at position ``line``."""

    line: int
    sku: str
    quantity: int


@attrs.frozen
class RequestStep:
    """One step of a request: what it became, when, by whom (``actor_role`` as in ``Role``)."""

    status: RequestStatus
    at: datetime
    actor_id: str
    actor_role: str
    note: str = ""


def photo_reference(value: object) -> str:
    """A photo named by an id or path of the shop's file store (``rma/2026/a1.jpg``) or an
    ``https://`` URL: never the picture's bytes, never another scheme."""
    if not isinstance(value, str):
        raise InvalidInput("a photo is an id or an https URL", field="photos")
    ref = value.strip()
    segments = ref.split("/")
    stored = _PHOTO_ID.fullmatch(ref) and not {".", ".."} & set(segments)
    if len(ref) > 500 or not (stored or _PHOTO_URL.fullmatch(ref)):
        raise InvalidInput(
            "a photo is a file id or an https URL of at most 500 characters", field="photos"
        )
    if v.contains_card_number(ref):
        raise InvalidInput("a photo reference must not hold a card number", field="photos")
    return ref


@attrs.frozen
class AfterSalesRequest:
    id: str
    order_id: str
    customer_id: str
    kind: RequestKind
    lines: tuple[RequestLine, ...]
    reason: Reason
    description: str
    photos: tuple[str, ...]
    status: RequestStatus
    created_at: datetime
    updated_at: datetime
    steps: tuple[RequestStep, ...] = ()
    #: where returned goods were put back in stock
    warehouse_id: str | None = None
    #: the payment refund that carried it out, and what it gave back
    refund_id: str | None = None
    refunded: Money | None = None
    #: the parcel that took the replacement goods of an exchange
    shipment_id: str | None = None
    #: the stock held for an exchange's replacement goods (a committed reservation)
    replacement_id: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in (S.REQUESTED, S.APPROVED, S.GOODS_RECEIVED)

    def can(self, action: RequestAction) -> bool:
        step = TRANSITIONS.get((self.status, action))
        return step is not None and self.kind in step[1]

    def advance(
        self,
        action: RequestAction,
        at: datetime,
        actor_id: str,
        actor_role: str,
        note: str = "",
        **changes: object,
    ) -> tuple[AfterSalesRequest, list[ev.DomainEvent]]:
        """The request after ``action`` and its event; :class:`InvalidTransition` otherwise."""
        step = TRANSITIONS.get((self.status, action))
        if step is None or self.kind not in step[1]:
            raise InvalidTransition(
                f"a {self.kind.value} request that is {self.status.value} cannot {action.value}",
                request_id=self.id,
                status=self.status.value,
                action=action.value,
            )
        target = step[0]
        request = attrs.evolve(
            self,
            status=target,
            updated_at=at,
            steps=(*self.steps, RequestStep(target, at, actor_id, actor_role, note)),
            **changes,  # type: ignore[arg-type]
        )
        event = ev.AfterSalesStatusChanged(
            occurred_at=at,
            request_id=self.id,
            order_id=self.order_id,
            kind=self.kind.value,
            status=target.value,
            actor_id=actor_id,
            note=note,
        )
        return request, [event]


def units_in_requests(requests: Iterable[AfterSalesRequest], exclude: str = "") -> dict[int, int]:
    """Units per line position held by requests that are open or were refunded. An exchange
    carried out holds nothing: the customer has the same units again."""
    held: dict[int, int] = {}
    for request in requests:
        if request.status in _LET_GO or request.status is S.EXCHANGED or request.id == exclude:
            continue
        for line in request.lines:
            held[line.line] = held.get(line.line, 0) + line.quantity
    return held


def _choice(enum: type[E], value: object, field: str) -> E:
    for member in enum:
        if value == member.value:
            return member
    raise InvalidInput(f"{field} is one of {', '.join(e.value for e in enum)}", field=field)


def _lines(order: Order, lines: Mapping[int, int] | Mapping[str, int]) -> dict[int, int]:
    wanted = requested_units(order, lines)
    if not wanted:
        raise InvalidInput("name the lines and units the request is about", field="lines")
    return wanted


def _check_shipped(
    order: Order,
    wanted: Mapping[int, int],
    earlier: Iterable[AfterSalesRequest],
    shipped: Mapping[str, int],
) -> None:
    """No more units of a SKU come back than shipped, counting earlier returns and exchanges
    (an exchange carried out shipped its units again: they may come back too)."""
    asked: dict[str, int] = {}
    sent = dict(shipped)
    for request in earlier:
        if request.kind is not K.REFUND_ONLY and request.status not in _LET_GO:
            for line in request.lines:
                asked[line.sku] = asked.get(line.sku, 0) + line.quantity
                if request.status is S.EXCHANGED:
                    sent[line.sku] = sent.get(line.sku, 0) + line.quantity
    shipped = sent
    for position, count in sorted(wanted.items()):
        sku = order.lines[position].sku
        asked[sku] = asked.get(sku, 0) + count
        if asked[sku] > shipped.get(sku, 0):
            raise InvalidInput(
                f"only {shipped.get(sku, 0)} of {sku} shipped; that many can come back",
                field="lines",
                sku=sku,
                shipped=shipped.get(sku, 0),
            )


def open_request(
    order: Order,
    *,
    id: str,
    kind: object,
    lines: Mapping[int, int] | Mapping[str, int],
    reason: object,
    description: object,
    photos: Sequence[object],
    earlier: Iterable[AfterSalesRequest],
    refunded: Mapping[int, int],
    shipped: Mapping[str, int],
    at: datetime,
    actor_id: str,
    actor_role: str,
) -> tuple[AfterSalesRequest, list[ev.DomainEvent]]:
    """A new request about ``order``, validated against what was shipped, asked for and refunded.

    The order must be paid (and not closed). Returns and exchanges are for goods that shipped:
    ``shipped`` counts the order's units shipped per SKU, and no more of a SKU can be asked back
    than shipped. A refund without return is also for goods that did not ship. ``refunded``
    counts units refunded outside any request, per line position.
    """
    kind_ = _choice(RequestKind, kind, "kind")
    reason_ = _choice(Reason, reason, "reason")
    goods_back = kind_ is not K.REFUND_ONLY
    if (
        order.status in _OVER
        or order.payment_status not in _PAID
        or (goods_back and order.fulfilment_status not in _GONE)
    ):
        raise InvalidTransition(
            f"a {kind_.value} request cannot be made for an order that is {order.status}"
            + (" and has not shipped" if goods_back else ""),
            order_id=order.id,
            status=str(order.status),
        )
    text = v.text(description, "description", max_length=2000, allow_empty=True)
    if isinstance(photos, str | bytes) or not isinstance(photos, Sequence):
        raise InvalidInput("photos are a list of ids or https URLs", field="photos")
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(f"at most {MAX_PHOTOS} photos", field="photos")
    refs = tuple(photo_reference(p) for p in photos)
    wanted = _lines(order, lines)
    held = units_in_requests(earlier)
    for position, count in wanted.items():
        line = order.lines[position]
        free = line.quantity - held.get(position, 0) - refunded.get(position, 0)
        if count > free:
            raise InvalidInput(
                f"only {max(free, 0)} of {line.sku} on line {position} can still be asked for",
                field="lines",
                line=position,
                remaining=max(free, 0),
            )
    if goods_back:
        _check_shipped(order, wanted, earlier, shipped)
    request = AfterSalesRequest(
        id=id,
        order_id=order.id,
        customer_id=order.customer_id,
        kind=kind_,
        lines=tuple(RequestLine(p, order.lines[p].sku, wanted[p]) for p in sorted(wanted)),
        reason=reason_,
        description=text,
        photos=refs,
        status=S.REQUESTED,
        created_at=at,
        updated_at=at,
        steps=(RequestStep(S.REQUESTED, at, actor_id, actor_role, ""),),
    )
    event = ev.AfterSalesRequested(
        occurred_at=at,
        request_id=id,
        order_id=order.id,
        customer_id=order.customer_id,
        kind=kind_.value,
        reason=reason_.value,
        lines=tuple((ln.line, ln.sku, ln.quantity) for ln in request.lines),
    )
    return request, [event]
