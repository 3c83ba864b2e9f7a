"""The walking skeleton's promises, through the public API, on every storage backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ecommerce_core.domain.errors import (
    IdempotencyConflict,
    InvalidTransition,
    NotFound,
    OutOfStock,
)
from ecommerce_core.domain.orders import OrderStatus
from ecommerce_core.domain.payments import PaymentStatus
from tests.support import ADDRESS, World


def _levels(world: World) -> dict[str, tuple[int, int]]:
    return {lv.sku: (lv.on_hand, lv.reserved) for lv in world.shop.inventory.levels(world.admin)}


def test_a_whole_purchase_goes_from_cart_to_completed(shop_world: World) -> None:
    w = shop_world
    order = w.buy(PX_128_BLK=2, CABLE_1M=3)
    assert order.total.amount == 2 * 399900 + 3 * 4990
    assert _levels(w)["PX-128-BLK"] == (10, 2)
    payment = w.shop.payments.pay(
        w.customer, order.id, payment_method="tok_visa", idempotency_key="p-1"
    )
    assert payment.status is PaymentStatus.CAPTURED
    assert _levels(w)["PX-128-BLK"] == (10, 2)  # sold, still in the warehouse
    shipment = w.shop.shipping.ship(w.admin, order.id)
    assert _levels(w)["PX-128-BLK"] == (8, 0)  # the parcel took them
    w.clock.advance(timedelta(hours=31))
    tracked = w.shop.shipping.track(w.customer, order.id)
    assert tracked[0].tracking_number == shipment.tracking_number and tracked[0].delivered
    delivered_at = w.shop.orders.get(w.customer, order.id).history[-1].at
    assert delivered_at == shipment.created_at + timedelta(hours=30)
    done = w.shop.orders.complete(w.admin, order.id)
    assert [h.status for h in done.history] == [
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.PAID,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
    ]
    assert w.shop.orders.get(w.customer, order.id) == done
    names = [e.name for _, e in _outbox(w)]
    assert names.count("order.placed") == 1 and "order.completed" in names


def _outbox(w: World) -> list[tuple[int, object]]:
    with w.shop._ctx.uow() as uow:
        return uow.outbox.list(limit=1000)  # type: ignore[return-value]


def test_placing_twice_with_one_key_gives_one_order_and_one_hold(shop_world: World) -> None:
    w = shop_world
    first = w.buy(PX_128_BLK=1, key="same")
    again = w.shop.checkout.place_order(
        w.customer, idempotency_key="same", shipping_address=ADDRESS
    )
    assert again.id == first.id
    assert _levels(w)["PX-128-BLK"] == (10, 1)
    elsewhere = {"name": "x", "line1": "y", "city": "z", "postal_code": "1", "country": "CN"}
    with pytest.raises(IdempotencyConflict):  # the key, reused for another request
        w.shop.checkout.place_order(w.customer, idempotency_key="same", shipping_address=elsewhere)
    assert _levels(w)["PX-128-BLK"] == (10, 1)


def test_an_order_lacking_one_line_holds_nothing(shop_world: World) -> None:
    w = shop_world
    w.shop.carts.add_item(w.customer, "CABLE-1M", 2)
    with pytest.raises(OutOfStock) as caught:
        w.buy(PX_256_WHT=11)
    assert caught.value.code == "out_of_stock"
    assert caught.value.details["skus"] == ["PX-256-WHT"]
    assert all(reserved == 0 for _, reserved in _levels(w).values())
    assert w.shop.orders.list(w.customer) == []


def test_cancelling_an_unpaid_order_gives_its_stock_back(shop_world: World) -> None:
    w = shop_world
    order = w.buy(PX_128_BLK=3)
    cancelled = w.shop.orders.cancel(w.customer, order.id, "changed my mind")
    assert cancelled.status is OrderStatus.CANCELLED
    assert _levels(w)["PX-128-BLK"] == (10, 0)
    with pytest.raises(InvalidTransition):
        w.shop.payments.pay(w.customer, order.id, payment_method="tok_visa", idempotency_key="p")


def test_a_customer_never_sees_another_customers_order(shop_world: World) -> None:
    w = shop_world
    order = w.buy()
    with pytest.raises(NotFound):
        w.shop.orders.get(w.other, order.id)
    with pytest.raises(NotFound):
        w.shop.orders.get_by_number(w.other, order.number)
    with pytest.raises(NotFound):
        w.shop.payments.pay(w.other, order.id, payment_method="tok_visa", idempotency_key="steal")
    assert w.shop.orders.list(w.other) == []
    assert [o.id for o in w.shop.orders.list(w.admin)] == [order.id]


def test_the_last_units_are_sold_once(shop_world: World) -> None:
    w = shop_world
    w.buy(PX_128_BLK=10, key="all")
    with pytest.raises(OutOfStock):
        w.buy(principal=w.other, PX_128_BLK=1, key="late")
    assert _levels(w)["PX-128-BLK"] == (10, 10)
