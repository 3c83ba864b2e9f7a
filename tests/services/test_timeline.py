"""The order timeline: every step in time order; customers see theirs, staff see everything."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ecommerce_core import Money
from ecommerce_core.domain.errors import NotFound, PermissionDenied
from ecommerce_sandboxpay import SandboxGateway
from tests.support import World


def _journey(w: World) -> str:
    order = w.buy(PX_128_BLK=2)
    w.clock.advance(timedelta(minutes=5))
    w.shop.payments.pay(w.customer, order.id, payment_method="tok_visa", idempotency_key="p")
    w.clock.advance(timedelta(hours=1))
    w.shop.orders.add_note(w.admin, order.id, "customer called about gift wrap")
    w.clock.advance(timedelta(minutes=1))
    w.shop.shipping.ship(w.admin, order.id, {"PX-128-BLK": 1})
    w.clock.advance(timedelta(hours=2))
    w.shop.shipping.ship(w.admin, order.id)
    w.clock.advance(timedelta(hours=29))  # the first parcel arrived (30 h), not the second
    w.shop.shipping.track(w.customer, order.id)
    (payment,) = w.shop.payments.list_for_order(w.admin, order.id)
    w.shop.payments.refund(
        w.admin, payment.id, amount=Money(1000, "CNY"), idempotency_key="r", reason="scratch"
    )
    return order.id


def test_staff_see_every_step_in_time_order_with_who_did_it(world: World) -> None:
    w = world
    order_id = _journey(w)
    entries = w.shop.orders.timeline(w.admin, order_id)
    kinds = [e.kind for e in entries]
    assert kinds[:6] == [
        "order.placed",
        "order.paid",
        "order.note",
        "parcel.shipped",
        "parcel.label_created",  # the carrier's first tracking event, at booking
        "order.partially_shipped",  # at the same instant as its parcel, which caused it
    ]
    assert kinds.count("parcel.shipped") == 2
    assert "order.partially_shipped" in kinds and "order.shipped" in kinds
    assert kinds.count("parcel.delivered") == 1  # the second parcel is still on its way
    assert kinds[-2:] == ["refund.succeeded", "order.partially_refunded"]
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    note = entries[kinds.index("order.note")]
    assert note.internal and note.actor == w.admin.id
    placed = entries[0]
    assert placed.actor == w.customer.id and placed.status == "pending_payment"
    shipped = [e for e in entries if e.kind == "parcel.shipped"]
    assert all(e.data["tracking_number"] in e.summary for e in shipped)
    assert "1 x PX-128-BLK" in shipped[0].summary


def test_the_customer_sees_their_own_steps_without_internal_notes_or_actors(world: World) -> None:
    w = world
    order_id = _journey(w)
    everything = w.shop.orders.timeline(w.admin, order_id)
    theirs = w.shop.orders.timeline(w.customer, order_id)
    assert [e.kind for e in theirs] == [e.kind for e in everything if not e.internal]
    assert "order.note" not in [e.kind for e in theirs]
    assert all(e.actor == "" for e in theirs)


def test_another_customer_gets_not_found_and_only_staff_write_notes(world: World) -> None:
    order_id = _journey(world)
    with pytest.raises(NotFound):
        world.shop.orders.timeline(world.other, order_id)
    with pytest.raises(PermissionDenied):
        world.shop.orders.add_note(world.customer, order_id, "let me in")


def test_a_declined_payment_and_a_cancellation_are_on_the_timeline(
    world: World, gateway: SandboxGateway
) -> None:
    w = world
    order = w.buy()
    w.shop.payments.pay(w.customer, order.id, payment_method="tok_declined", idempotency_key="d")
    w.shop.orders.cancel(w.customer, order.id, reason="changed my mind")
    kinds = [e.kind for e in w.shop.orders.timeline(w.customer, order.id)]
    assert kinds == ["order.placed", "payment.failed", "order.cancelled"]


def test_a_public_note_is_shown_to_the_customer(world: World) -> None:
    order = world.buy()
    world.shop.orders.add_note(world.admin, order.id, "ships Monday", internal=False)
    (_, note) = world.shop.orders.timeline(world.customer, order.id)
    assert (note.kind, note.summary, note.actor) == ("order.note", "ships Monday", "")


def test_after_sales_steps_are_on_the_timeline(world: World) -> None:
    w = world
    order = w.buy(PX_128_BLK=1)
    w.shop.payments.pay(w.customer, order.id, payment_method="tok_visa", idempotency_key="p")
    w.shop.shipping.ship(w.admin, order.id)
    w.clock.advance(timedelta(hours=31))
    w.shop.shipping.track(w.customer, order.id)
    w.clock.advance(timedelta(hours=1))
    request = w.shop.aftersales.open(
        w.customer, order.id, kind="return", lines={"PX-128-BLK": 1}, reason="defective"
    )
    w.clock.advance(timedelta(hours=1))
    w.shop.aftersales.approve(w.admin, request.id)
    entries = w.shop.orders.timeline(w.admin, order.id)
    steps = [(e.kind, e.actor) for e in entries if e.kind.startswith("aftersales.")]
    assert steps == [
        ("aftersales.requested", w.customer.id),
        ("aftersales.approved", w.admin.id),
    ]
    assert entries[-1].data["request_id"] == request.id
    theirs = w.shop.orders.timeline(w.customer, order.id)
    assert [e.kind for e in theirs if e.kind.startswith("aftersales.")] == [
        "aftersales.requested",
        "aftersales.approved",
    ]
