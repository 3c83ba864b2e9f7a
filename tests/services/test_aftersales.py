"""After-sales through the shop: returns put the goods back on hand and refund exactly their
share, exchanges take the replacement from stock and ship it, refunds without return work before
shipping, every step is recorded with its actor, and each customer sees only their own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ecommerce_core.domain import events as ev
from ecommerce_core.domain.aftersales import RequestStatus
from ecommerce_core.domain.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    OutOfStock,
    PermissionDenied,
)
from ecommerce_core.domain.orders import Order, OrderStatus, PaymentState
from ecommerce_core.domain.payments import PaymentStatus
from ecommerce_core.domain.refunds import line_values
from tests.services.harness import refused
from tests.support import World


def _paid(world: World, key: str = "o1", **lines: int) -> Order:
    order = world.buy(key=key, **(lines or {"PX_128_BLK": 2, "CABLE_1M": 3}))
    payment = world.shop.payments.pay(
        world.customer, order.id, payment_method="tok_visa", idempotency_key=f"pay-{key}"
    )
    assert payment.status is PaymentStatus.CAPTURED
    return order


def _shipped(world: World, key: str = "o1", **lines: int) -> Order:
    order = _paid(world, key, **lines)
    world.shop.shipping.ship(world.admin, order.id)
    return order


def _on_hand(world: World, sku: str) -> int:
    return sum(lv.on_hand for lv in world.shop.inventory.levels(world.admin, sku))


def _events(world: World, kind: type[ev.DomainEvent]) -> list[ev.DomainEvent]:
    with world.shop.storage.unit_of_work() as uow:
        return [e for _, e in uow.outbox.list(0, 100_000) if isinstance(e, kind)]


def test_a_return_puts_the_goods_back_and_refunds_exactly_their_share(world: World) -> None:
    order = _shipped(world)
    shop = world.shop
    cable_position = next(i for i, ln in enumerate(order.lines) if ln.sku == "CABLE-1M")
    request = shop.aftersales.open(
        world.customer,
        order.id,
        kind="return",
        lines={"CABLE-1M": 2},
        reason="damaged",
        description="two cables arrived cut",
        photos=["rma/2026/cable-1.jpg", "https://cdn.example.com/p/cable-2.jpg"],
    )
    assert request.status is RequestStatus.REQUESTED
    assert shop.aftersales.list_for_order(world.customer, order.id) == [request]
    approved = shop.aftersales.approve(world.admin, request.id, note="send them back")
    before = _on_hand(world, "CABLE-1M")
    received = shop.aftersales.receive(world.admin, approved.id, warehouse_id="sz")
    assert _on_hand(world, "CABLE-1M") == before + 2
    (entry,) = [
        e for e in shop.inventory.ledger(world.admin, "CABLE-1M") if e.kind.value == "return"
    ]
    assert (entry.on_hand_delta, entry.reference, entry.order_id) == (2, request.id, order.id)
    assert shop.inventory.audit(world.admin) == []
    refunded = shop.aftersales.refund(world.admin, received.id)
    assert refunded.status is RequestStatus.REFUNDED
    after = shop.orders.get(world.customer, order.id)
    assert (after.status, after.payment_status) == (
        OrderStatus.SHIPPED,
        PaymentState.PARTIALLY_REFUNDED,
    )
    (payment,) = shop.payments.list_for_order(world.admin, order.id)
    (refund,) = payment.refunds
    assert refund.id == refunded.refund_id and refund.amount == refunded.refunded
    # two of three cables: the line's worth split per unit by largest remainder
    worth = line_values(order)[cable_position]
    assert refund.amount.amount in (worth.amount * 2 // 3, worth.amount * 2 // 3 + 1)
    assert [s.status for s in refunded.steps] == [
        RequestStatus.REQUESTED,
        RequestStatus.APPROVED,
        RequestStatus.GOODS_RECEIVED,
        RequestStatus.REFUNDED,
    ]
    assert [s.actor_id for s in refunded.steps] == [world.customer.id] + [world.admin.id] * 3
    assert refunded.steps[1].note == "send them back"
    statuses = [e.status for e in _events(world, ev.AfterSalesStatusChanged)]  # type: ignore[attr-defined]
    assert statuses == ["approved", "goods_received", "refunded"]
    # the refund is not made twice, and no unit can be asked for twice
    refused(
        world,
        InvalidTransition,
        "illegal_transition",
        lambda: shop.aftersales.refund(world.admin, request.id),
    )
    refused(
        world,
        InvalidInput,
        "invalid_input",
        lambda: shop.aftersales.open(
            world.customer, order.id, kind="return", lines={"CABLE-1M": 2}, reason="damaged"
        ),
    )
    last = shop.aftersales.open(
        world.customer, order.id, kind="return", lines={"CABLE-1M": 1}, reason="other"
    )
    assert last.lines[0].quantity == 1


def test_an_exchange_takes_the_replacement_from_stock_and_ships_it(world: World) -> None:
    order = _shipped(world)
    shop = world.shop
    request = shop.aftersales.open(
        world.customer, order.id, kind="exchange", lines={"PX-128-BLK": 1}, reason="defective"
    )
    shop.aftersales.approve(world.admin, request.id)
    refused(
        world,
        InvalidTransition,
        "illegal_transition",
        lambda: shop.aftersales.exchange(world.admin, request.id),
    )
    shop.aftersales.receive(world.admin, request.id, warehouse_id="sz")
    before = _on_hand(world, "PX-128-BLK")
    parcels = shop.shipping.shipments(world.admin, order.id)
    exchanged = shop.aftersales.exchange(world.admin, request.id)
    assert exchanged.status is RequestStatus.EXCHANGED and exchanged.shipment_id
    assert _on_hand(world, "PX-128-BLK") == before - 1
    # the replacement parcel is the request's, never one of the order's own parcels
    assert shop.shipping.shipments(world.admin, order.id) == parcels
    with shop.storage.unit_of_work() as uow:
        (parcel,) = uow.shipments.list_for_order(request.id)
    assert parcel.id == exchanged.shipment_id
    assert [(ln.sku, ln.quantity) for ln in parcel.lines] == [("PX-128-BLK", 1)]
    # calling again books nothing more and takes nothing more
    assert shop.aftersales.exchange(world.admin, request.id) == exchanged
    assert _on_hand(world, "PX-128-BLK") == before - 1
    kinds = [
        (e.kind.value, e.on_hand_delta, e.reserved_delta, e.order_id)
        for e in shop.inventory.ledger(world.admin, "PX-128-BLK")
    ]
    # newest first: the replacement ships, was committed, was reserved; the return came back
    assert kinds[:4] == [
        ("shipment", -1, -1, ""),
        ("commit", 0, 0, order.id),
        ("reservation", 0, 1, order.id),
        ("return", 1, 0, order.id),
    ]
    assert shop.inventory.audit(world.admin) == []
    # an exchange refunds nothing
    (payment,) = shop.payments.list_for_order(world.admin, order.id)
    assert payment.refunds == ()
    # both phones the customer holds (one of them the replacement) can come back
    both = shop.aftersales.open(
        world.customer, order.id, kind="return", lines={"PX-128-BLK": 2}, reason="other"
    )
    shop.aftersales.approve(world.admin, both.id)
    shop.aftersales.receive(world.admin, both.id, warehouse_id="sz")
    assert _on_hand(world, "PX-128-BLK") == before + 1
    assert shop.inventory.audit(world.admin) == []
    refused(
        world,
        InvalidInput,
        "invalid_input",
        lambda: shop.aftersales.open(
            world.customer, order.id, kind="return", lines={"PX-128-BLK": 1}, reason="other"
        ),
    )


def test_only_shipped_units_come_back_and_the_rest_of_the_order_still_ships(world: World) -> None:
    order = _paid(world)
    shop = world.shop
    shop.shipping.ship(world.admin, order.id, {"PX-128-BLK": 2})
    refused(
        world,
        InvalidInput,
        "invalid_input",
        lambda: shop.aftersales.open(
            world.customer, order.id, kind="return", lines={"CABLE-1M": 1}, reason="other"
        ),
    )
    request = shop.aftersales.open(
        world.customer, order.id, kind="exchange", lines={"PX-128-BLK": 1}, reason="defective"
    )
    shop.aftersales.approve(world.admin, request.id)
    shop.aftersales.receive(world.admin, request.id, warehouse_id="sz")
    shop.aftersales.exchange(world.admin, request.id)
    # the replacement did not count as the order's: its cables still ship, and then it is shipped
    shop.shipping.ship(world.admin, order.id)
    assert shop.orders.get(world.admin, order.id).fulfilment_status.value == "shipped"
    assert shop.inventory.audit(world.admin) == []


def test_an_exchange_without_stock_is_refused_and_changes_nothing(world: World) -> None:
    order = _shipped(world, PX_256_WHT=1)
    shop = world.shop
    request = shop.aftersales.open(
        world.customer, order.id, kind="exchange", lines={0: 1}, reason="wrong_item"
    )
    shop.aftersales.approve(world.admin, request.id)
    shop.aftersales.receive(world.admin, request.id, warehouse_id="sz")
    # everything else of that SKU is sold meanwhile, the returned unit included
    left = _on_hand(world, "PX-256-WHT")
    other = world.buy(principal=world.other, key="all", PX_256_WHT=left)
    shop.payments.pay(world.other, other.id, payment_method="tok_visa", idempotency_key="p-all")
    refused(
        world,
        OutOfStock,
        "out_of_stock",
        lambda: shop.aftersales.exchange(world.admin, request.id),
    )


def test_a_refund_only_request_works_for_a_paid_order_before_shipping(world: World) -> None:
    order = _paid(world)
    shop = world.shop
    refused(
        world,
        InvalidTransition,
        "illegal_transition",
        lambda: shop.aftersales.open(
            world.customer, order.id, kind="return", lines={0: 1}, reason="no_longer_needed"
        ),
    )
    request = shop.aftersales.open(
        world.customer, order.id, kind="refund_only", lines={0: 3, 1: 2}, reason="no_longer_needed"
    )
    shop.aftersales.approve(world.admin, request.id)
    refused(
        world,
        InvalidTransition,
        "illegal_transition",
        lambda: shop.aftersales.receive(world.admin, request.id, warehouse_id="sz"),
    )
    done = shop.aftersales.refund(world.admin, request.id, include_shipping=True)
    (payment,) = shop.payments.list_for_order(world.admin, order.id)
    assert done.refunded == payment.captured_amount == order.total
    assert payment.status is PaymentStatus.REFUNDED
    # everything paid went back: the order is closed, and takes no more requests
    closed = shop.orders.get(world.customer, order.id)
    assert (closed.status, closed.payment_status) == (OrderStatus.CLOSED, PaymentState.REFUNDED)
    refused(
        world,
        InvalidTransition,
        "illegal_transition",
        lambda: shop.aftersales.open(
            world.customer, order.id, kind="refund_only", lines={0: 1}, reason="other"
        ),
    )


def test_a_customer_sees_and_withdraws_only_their_own_requests(world: World) -> None:
    order = _shipped(world)
    shop = world.shop
    request = shop.aftersales.open(
        world.customer, order.id, kind="return", lines={0: 1}, reason="late"
    )
    assert shop.aftersales.get(world.customer, request.id) == request
    assert shop.aftersales.list(world.customer) == [request]
    assert shop.aftersales.list(world.other) == []
    for call in (
        lambda: shop.aftersales.get(world.other, request.id),
        lambda: shop.aftersales.withdraw(world.other, request.id),
        lambda: shop.aftersales.list_for_order(world.other, order.id),
        lambda: shop.aftersales.open(
            world.other, order.id, kind="return", lines={0: 1}, reason="late"
        ),
    ):
        refused(world, NotFound, "not_found", call)
    for call in (
        lambda: shop.aftersales.approve(world.customer, request.id),
        lambda: shop.aftersales.reject(world.customer, request.id),
        lambda: shop.aftersales.receive(world.customer, request.id, warehouse_id="sz"),
        lambda: shop.aftersales.refund(world.customer, request.id),
    ):
        refused(world, PermissionDenied, "permission_denied", call)
    withdrawn = shop.aftersales.withdraw(world.customer, request.id)
    assert withdrawn.status is RequestStatus.WITHDRAWN
    # its units are free to be asked for again
    again = shop.aftersales.open(
        world.customer, order.id, kind="return", lines={0: 1}, reason="late"
    )
    rejected = shop.aftersales.reject(world.admin, again.id, note="outside the return window")
    assert rejected.status is RequestStatus.REJECTED
    assert rejected.steps[-1].note == "outside the return window"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "swap"),
        ("reason", "because"),
        ("lines", {}),
        ("lines", {"NOPE": 1}),
        ("lines", {0: 0}),
        ("lines", {0: 3}),
        ("description", "card 4111 1111 1111 1111 please"),
        ("description", "x" * 2001),
        ("photos", "one.jpg"),
        ("photos", ["ftp://example.com/a.jpg"]),
        ("photos", ["javascript:alert(1)"]),
        ("photos", ["../../etc/passwd"]),
        ("photos", ["p.jpg"] * 10),
        ("photos", [b"\x89PNG"]),
    ],
)
def test_bad_requests_are_refused_and_change_nothing(
    world: World, field: str, value: object
) -> None:
    order = _shipped(world, PX_128_BLK=2)
    good: dict[str, object] = {
        "kind": "return",
        "lines": {0: 1},
        "reason": "damaged",
        "description": "",
        "photos": [],
    }
    refused(
        world,
        InvalidInput,
        "invalid_input",
        lambda: world.shop.aftersales.open(
            world.customer,
            order.id,
            **{**good, field: value},  # type: ignore[arg-type]
        ),
    )


def test_a_cancelled_or_unpaid_order_takes_no_request(world: World) -> None:
    order = world.buy(key="unpaid")
    for kind in ("return", "refund_only", "exchange"):
        refused(
            world,
            InvalidTransition,
            "illegal_transition",
            lambda kind=kind: world.shop.aftersales.open(  # type: ignore[misc]
                world.customer, order.id, kind=kind, lines={0: 1}, reason="other"
            ),
        )


def test_a_complaint_goes_opened_answered_closed_with_its_messages(world: World) -> None:
    order = _shipped(world)
    shop = world.shop
    complaint = shop.complaints.open(
        world.customer, subject="Rude courier", message="He threw the box.", order_id=order.id
    )
    assert complaint.status.value == "opened" and complaint.order_id == order.id
    world.clock.advance(timedelta(hours=1))
    answered = shop.complaints.reply(world.admin, complaint.id, message="We are sorry.")
    assert answered.status.value == "answered" and answered.messages[-1].staff
    reopened = shop.complaints.reply(world.customer, complaint.id, message="And the box?")
    assert reopened.status.value == "opened"
    refused(world, NotFound, "not_found", lambda: shop.complaints.get(world.other, complaint.id))
    refused(
        world,
        NotFound,
        "not_found",
        lambda: shop.complaints.open(world.other, subject="x", message="y", order_id=order.id),
    )
    closed = shop.complaints.close(world.customer, complaint.id)
    assert closed.status.value == "closed"
    assert [m.body for m in closed.messages] == [
        "He threw the box.",
        "We are sorry.",
        "And the box?",
    ]
    refused(
        world,
        InvalidTransition,
        "illegal_transition",
        lambda: shop.complaints.reply(world.admin, complaint.id, message="Anything else?"),
    )
    refused(
        world,
        InvalidInput,
        "invalid_input",
        lambda: shop.complaints.open(world.customer, subject="", message="empty subject"),
    )
    assert shop.complaints.list(world.customer) == [closed]
    assert shop.complaints.list(world.other) == []
    assert [e.status for e in _events(world, ev.ComplaintChanged)] == [  # type: ignore[attr-defined]
        "opened",
        "answered",
        "opened",
        "closed",
    ]
