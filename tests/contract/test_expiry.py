"""INV-5 and PAY-6 on every backend: unpaid holds expire, an expired hold is never committed, and
money that arrives for an order that can no longer be fulfilled is given back."""

from __future__ import annotations

from datetime import timedelta

from ecommerce_core import Principal
from ecommerce_core.domain.orders import OrderStatus
from ecommerce_core.domain.payments import PaymentStatus
from tests.support import World

TTL = timedelta(minutes=30)


def _level(w: World, sku: str = "PX-128-BLK") -> tuple[int, int]:
    level = w.shop.inventory.levels(w.admin, sku)[0]
    return level.on_hand, level.reserved


def _notify_captured(w: World, payment_id: str, event_id: str) -> str:
    payment = next(
        p
        for p in w.shop.payments.list_for_order(Principal.system(), _order_of(w, payment_id))
        if p.id == payment_id
    )
    gateway = w.shop._ctx.gateway("sandbox")
    headers, body = gateway.build_notification(
        "payment.captured",
        payment.provider_ref,
        payment.amount,
        event_id=event_id,
        at=w.clock.now(),
    )
    return w.shop.payments.handle_notification("sandbox", headers, body).status


def _order_of(w: World, payment_id: str) -> str:
    for order in w.shop.orders.list(w.admin):
        if any(p.id == payment_id for p in w.shop.payments.list_for_order(w.admin, order.id)):
            return order.id
    raise AssertionError(payment_id)


def test_the_sweep_cancels_unpaid_orders_past_their_hold_once(shop_world: World) -> None:
    w = shop_world
    unpaid = w.buy(PX_128_BLK=3, key="unpaid")
    paid = w.buy(principal=w.other, PX_128_BLK=1, key="paid")
    w.shop.payments.pay(w.other, paid.id, payment_method="tok_visa", idempotency_key="p")
    w.clock.advance(TTL - timedelta(seconds=1))
    assert w.shop.orders.expire_unpaid(Principal.system()) == []
    w.clock.advance(timedelta(seconds=1))
    swept = w.shop.orders.expire_unpaid(Principal.system())
    assert [o.id for o in swept] == [unpaid.id]
    assert swept[0].status is OrderStatus.CANCELLED
    assert swept[0].history[-1].note == "payment_timeout"
    assert _level(w) == (10, 1)  # the paid unit stays promised until it ships
    assert w.shop.orders.expire_unpaid(Principal.system()) == []
    assert w.shop.orders.get(w.admin, paid.id).status is OrderStatus.PAID


def test_money_arriving_after_the_order_was_cancelled_is_refunded(shop_world: World) -> None:
    w = shop_world
    order = w.buy(PX_128_BLK=2)
    pending = w.shop.payments.pay(
        w.customer, order.id, payment_method="tok_pending", idempotency_key="p"
    )
    assert pending.status is PaymentStatus.PENDING
    w.clock.advance(TTL + timedelta(minutes=1))
    w.shop.orders.expire_unpaid(Principal.system())
    assert _notify_captured(w, pending.id, "evt_late") == "processed"
    payment = w.shop.payments.list_for_order(w.admin, order.id)[0]
    assert payment.status is PaymentStatus.REFUNDED
    assert payment.refunded_amount == payment.captured_amount == order.total
    assert w.shop.orders.get(w.admin, order.id).status is OrderStatus.CANCELLED
    assert _level(w) == (10, 0)


def test_an_expired_hold_is_renewed_not_committed_when_payment_arrives(shop_world: World) -> None:
    w = shop_world
    order = w.buy(PX_128_BLK=2)
    pending = w.shop.payments.pay(
        w.customer, order.id, payment_method="tok_pending", idempotency_key="p"
    )
    w.clock.advance(TTL + timedelta(minutes=1))  # expired, not swept yet
    assert _notify_captured(w, pending.id, "evt_on_time") == "processed"
    paid = w.shop.orders.get(w.admin, order.id)
    assert paid.status is OrderStatus.PAID
    assert paid.reservation_id != order.reservation_id
    assert _level(w) == (10, 2)
    assert w.shop.payments.list_for_order(w.admin, order.id)[0].status is PaymentStatus.CAPTURED
    assert w.shop.orders.expire_unpaid(Principal.system()) == []
