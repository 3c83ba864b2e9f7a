"""The walking skeleton's whole journey through the public API, on the in-memory store."""

from datetime import timedelta

from ecommerce_core.domain.orders import OrderStatus
from ecommerce_core.domain.payments import PaymentStatus
from tests.support import World


def test_a_customer_buys_pays_and_receives_a_phone(world: World) -> None:
    order = world.buy(PX_128_BLK=2)
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert order.total.amount == 2 * 399900
    payment = world.shop.payments.pay(
        world.customer, order.id, payment_method="tok_visa", idempotency_key="pay-1"
    )
    assert payment.status is PaymentStatus.CAPTURED
    world.shop.shipping.ship(world.admin, order.id)
    world.clock.advance(timedelta(hours=31))
    world.shop.shipping.track(world.customer, order.id)
    assert world.shop.orders.get(world.customer, order.id).status is OrderStatus.DELIVERED
    assert world.shop.orders.complete(world.admin, order.id).status is OrderStatus.COMPLETED
    level = world.shop.inventory.levels(world.admin, "PX-128-BLK")[0]
    assert (level.on_hand, level.reserved) == (8, 0)
