"""The services move the order's three statuses only through the declared machine."""

from __future__ import annotations

import pytest

from ecommerce_core import Money
from ecommerce_core.domain import events as ev
from ecommerce_core.domain.errors import InvalidTransition
from ecommerce_core.domain.orders import FulfilmentStatus, OrderStatus, PaymentState
from tests.support import World


def _paid(world: World) -> tuple[str, str]:
    order = world.buy()
    payment = world.shop.payments.pay(
        world.customer, order.id, payment_method="tok_visa", idempotency_key="pay-1"
    )
    return order.id, payment.id


def test_paying_moves_status_and_payment_status_together_and_records_the_actor(
    world: World,
) -> None:
    order_id, _ = _paid(world)
    order = world.shop.orders.get(world.customer, order_id)
    assert (order.status, order.payment_status, order.fulfilment_status) == (
        OrderStatus.PAID,
        PaymentState.PAID,
        FulfilmentStatus.UNFULFILLED,
    )
    assert [(h.action, h.status) for h in order.history] == [
        ("place", OrderStatus.PENDING_PAYMENT),
        ("pay", OrderStatus.PAID),
    ]
    assert order.history[0].actor == world.customer.id


def test_partial_refunds_keep_the_status_and_the_last_one_closes_the_order(world: World) -> None:
    order_id, payment_id = _paid(world)
    total = world.shop.orders.get(world.admin, order_id).total
    first = Money(total.amount // 3, total.currency)
    world.shop.payments.refund(world.admin, payment_id, amount=first, idempotency_key="r1")
    order = world.shop.orders.get(world.admin, order_id)
    assert (order.status, order.payment_status) == (
        OrderStatus.PAID,
        PaymentState.PARTIALLY_REFUNDED,
    )
    world.shop.payments.refund(
        world.admin, payment_id, amount=total - first, idempotency_key="r2", reason="returned"
    )
    order = world.shop.orders.get(world.admin, order_id)
    assert (order.status, order.payment_status) == (OrderStatus.CLOSED, PaymentState.REFUNDED)
    assert [h.action for h in order.history][-2:] == ["refund_partially", "refund"]
    assert order.history[-1].actor == world.admin.id and order.history[-1].note == "returned"
    with world.shop.storage.unit_of_work() as uow:
        closing = [
            e
            for _, e in uow.outbox.list(limit=10_000)
            if isinstance(e, ev.OrderStatusChanged) and e.order_id == order_id
        ]
    assert [(e.action, e.target) for e in closing] == [
        ("refund_partially", "paid"),
        ("refund", "closed"),
    ]


def test_a_paid_order_is_not_cancelled_but_refunded_and_nothing_changes(world: World) -> None:
    order_id, _ = _paid(world)
    before = world.shop.orders.get(world.admin, order_id)
    with pytest.raises(InvalidTransition) as caught:
        world.shop.orders.cancel(world.admin, order_id, reason="customer asked")
    assert "refund" in caught.value.message
    assert world.shop.orders.get(world.admin, order_id) == before


def test_a_cancelled_order_stays_unpaid_and_unfulfilled(world: World) -> None:
    order = world.buy()
    cancelled = world.shop.orders.cancel(world.customer, order.id, reason="changed my mind")
    assert (cancelled.status, cancelled.payment_status, cancelled.fulfilment_status) == (
        OrderStatus.CANCELLED,
        PaymentState.UNPAID,
        FulfilmentStatus.UNFULFILLED,
    )
    assert world.shop.orders.flow.actions(cancelled.status) == []
