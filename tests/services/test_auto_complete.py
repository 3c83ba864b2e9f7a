"""Delivered orders complete themselves ``ShopSettings.auto_complete_after`` after delivery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from ecommerce_core import Money, Principal
from ecommerce_core.domain import events as ev
from ecommerce_core.domain.errors import PermissionDenied
from ecommerce_core.domain.orders import OrderStatus
from ecommerce_sandboxpay import SandboxGateway
from tests.services.harness import fresh_world
from tests.support import World

SYSTEM = Principal.system()
JOURNEY = timedelta(hours=30)  # the sandbox carrier delivers 30 h after booking


def _delivered(w: World, key: str) -> str:
    order = w.buy(key=key)
    w.shop.payments.pay(w.customer, order.id, payment_method="tok_visa", idempotency_key=key)
    w.shop.shipping.ship(w.admin, order.id)
    w.clock.advance(JOURNEY)
    w.shop.shipping.track(w.admin, order.id)
    assert w.shop.orders.get(w.admin, order.id).status is OrderStatus.DELIVERED
    return order.id


def test_an_order_completes_a_week_after_delivery_not_before_and_only_once(world: World) -> None:
    w = world
    order_id = _delivered(w, "a")
    w.clock.advance(timedelta(days=7) - timedelta(seconds=1))
    assert w.shop.orders.complete_delivered(SYSTEM) == []
    w.clock.advance(timedelta(seconds=1))
    (done,) = w.shop.orders.complete_delivered(SYSTEM)
    assert done.id == order_id and done.status is OrderStatus.COMPLETED
    assert done.history[-1].action == "complete" and done.history[-1].actor == "system"
    assert w.shop.orders.complete_delivered(SYSTEM) == []  # idempotent
    with w.shop.storage.unit_of_work() as uow:
        completed = [
            e for _, e in uow.outbox.list(limit=10_000) if isinstance(e, ev.OrderCompleted)
        ]
    assert [e.order_id for e in completed] == [order_id]


def test_the_sweep_takes_the_oldest_first_and_respects_its_limit(world: World) -> None:
    w = world
    first = _delivered(w, "a")
    second = _delivered(w, "b")
    w.clock.advance(timedelta(days=8))
    assert [o.id for o in w.shop.orders.complete_delivered(SYSTEM, limit=1)] == [first]
    assert [o.id for o in w.shop.orders.complete_delivered(SYSTEM, limit=1)] == [second]


def test_a_change_after_delivery_restarts_the_wait(world: World) -> None:
    w = world
    order_id = _delivered(w, "a")
    w.clock.advance(timedelta(days=5))
    (payment,) = w.shop.payments.list_for_order(w.admin, order_id)
    part = Money(payment.amount.amount // 10, payment.amount.currency)
    w.shop.payments.refund(w.admin, payment.id, amount=part, idempotency_key="r")
    w.clock.advance(timedelta(days=3))  # 8 days after delivery, 3 after the refund
    assert w.shop.orders.complete_delivered(SYSTEM) == []
    w.clock.advance(timedelta(days=4))
    assert [o.id for o in w.shop.orders.complete_delivered(SYSTEM)] == [order_id]


def test_only_staff_or_the_system_run_the_sweep(world: World) -> None:
    with pytest.raises(PermissionDenied):
        world.shop.orders.complete_delivered(world.customer)


@pytest.fixture
def never(gateway: SandboxGateway) -> Iterator[World]:
    with fresh_world(gateway, auto_complete_after=None) as w:
        yield w


def test_a_shop_can_turn_auto_complete_off(never: World) -> None:
    _delivered(never, "a")
    never.clock.advance(timedelta(days=365))
    assert never.shop.orders.complete_delivered(SYSTEM) == []
