"""Checkout: idempotent placement, all-or-nothing reservation, cancellation and expiry."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from ecommerce_core.domain import events as ev
from ecommerce_core.domain.errors import (
    IdempotencyConflict,
    InvalidTransition,
    OutOfStock,
    ReservationExpired,
)
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.orders import OrderStatus
from tests.services.harness import recorded_gateway, refused, snapshot
from tests.support import ADDRESS, World


def _stock(world: World, sku: str) -> tuple[int, int]:
    (level,) = world.shop.inventory.levels(world.admin, sku)
    return level.on_hand, level.reserved


def _events(world: World, kind: type[ev.DomainEvent]) -> list[ev.DomainEvent]:
    with world.shop.storage.unit_of_work() as uow:
        return [e for _, e in uow.outbox.list(limit=10_000) if isinstance(e, kind)]


def test_placing_an_order_reserves_its_stock_and_empties_the_cart(world: World) -> None:
    order = world.buy(PX_128_BLK=2, CABLE_1M=1)
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert order.total == Money(2 * 399900 + 4990, "CNY")
    assert _stock(world, "PX-128-BLK") == (10, 2)
    assert _stock(world, "CABLE-1M") == (10, 1)
    assert world.shop.carts.view(world.customer).cart.lines == ()
    assert [e.order_id for e in _events(world, ev.OrderPlaced)] == [order.id]  # type: ignore[attr-defined]


def test_the_same_idempotency_key_places_one_order_and_one_reservation(world: World) -> None:
    first = world.buy(key="checkout-1", PX_128_BLK=1)
    world.shop.carts.add_item(world.customer, "PX-128-BLK", 3)  # a retry with a refilled cart
    again = world.shop.checkout.place_order(
        world.customer, idempotency_key="checkout-1", shipping_address=ADDRESS
    )
    assert again == first
    assert _stock(world, "PX-128-BLK") == (10, 1)
    assert len(world.shop.orders.list(world.customer)) == 1
    assert len(_events(world, ev.StockReserved)) == 1


def test_reusing_a_key_for_another_address_or_other_coupons_is_a_conflict(world: World) -> None:
    first = world.buy(key="checkout-1", PX_128_BLK=1)
    world.shop.carts.add_item(world.customer, "PX-128-BLK", 1)
    before = snapshot(world)
    elsewhere = {**ADDRESS, "city": "Guangzhou"}
    for changed in ({"shipping_address": elsewhere}, {"coupons": ["SAVE10"]}):
        request: dict[str, Any] = {"shipping_address": ADDRESS, **changed}
        with pytest.raises(IdempotencyConflict) as caught:
            world.shop.checkout.place_order(world.customer, idempotency_key="checkout-1", **request)
        assert caught.value.details["order_id"] == first.id
        assert snapshot(world) == before  # the cart, the stock and the orders as they were
    again = world.shop.checkout.place_order(
        world.customer, idempotency_key="checkout-1", shipping_address=dict(ADDRESS)
    )
    assert again == first  # the same request, however it is spelled, replays


def test_an_idempotency_key_belongs_to_one_customer(world: World) -> None:
    mine = world.buy(key="same-key", CABLE_1M=1)
    theirs = world.buy(world.other, key="same-key", CABLE_1M=1)
    assert mine.id != theirs.id
    assert _stock(world, "CABLE-1M") == (10, 2)


def test_reserving_the_last_unit_twice_sells_it_once(world: World) -> None:
    world.buy(key="a", PX_256_WHT=9)  # one unit left
    world.shop.carts.add_item(world.customer, "PX-256-WHT", 1)
    world.shop.carts.add_item(world.other, "PX-256-WHT", 1)
    winner = world.shop.checkout.place_order(
        world.customer, idempotency_key="b", shipping_address=ADDRESS
    )
    assert winner.lines[0].quantity == 1
    refused(
        world,
        OutOfStock,
        "out_of_stock",
        lambda: world.shop.checkout.place_order(
            world.other, idempotency_key="c", shipping_address=ADDRESS
        ),
    )
    assert _stock(world, "PX-256-WHT") == (10, 10)


def test_when_one_line_lacks_stock_no_line_keeps_a_hold(world: World) -> None:
    world.shop.carts.add_item(world.customer, "PX-128-BLK", 2)
    world.shop.carts.add_item(world.customer, "CABLE-1M", 3)
    world.shop.carts.add_item(world.customer, "PX-256-WHT", 11)
    error = refused(
        world,
        OutOfStock,
        "out_of_stock",
        lambda: world.shop.checkout.place_order(
            world.customer, idempotency_key="k", shipping_address=ADDRESS
        ),
    )
    assert error.details["skus"] == ["PX-256-WHT"]
    assert _stock(world, "PX-128-BLK") == (10, 0)
    assert _stock(world, "CABLE-1M") == (10, 0)
    assert len(world.shop.carts.view(world.customer).cart.lines) == 3  # the cart is kept


def test_quantities_added_in_several_steps_are_checked_as_one(world: World) -> None:
    for _ in range(3):
        world.shop.carts.add_item(world.customer, "CABLE-1M", 4)  # 12 of 10 in three adds
    refused(
        world,
        OutOfStock,
        "out_of_stock",
        lambda: world.shop.checkout.place_order(
            world.customer, idempotency_key="k", shipping_address=ADDRESS
        ),
    )


def test_cancelling_releases_the_stock_once(world: World) -> None:
    order = world.buy(PX_128_BLK=3)
    cancelled = world.shop.orders.cancel(world.customer, order.id, reason="changed my mind")
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.history[-1].note == "changed my mind"
    assert _stock(world, "PX-128-BLK") == (10, 0)
    assert len(_events(world, ev.StockReleased)) == 1
    refused(
        world,
        InvalidTransition,
        "illegal_transition",
        lambda: world.shop.orders.cancel(world.customer, order.id),
    )
    assert _stock(world, "PX-128-BLK") == (10, 0)


def test_an_expired_reservation_refuses_payment_and_asks_nothing_of_the_gateway(
    world: World,
) -> None:
    order = world.buy(PX_128_BLK=1)
    world.clock.advance(world.shop.settings.reservation_ttl)
    refused(
        world,
        ReservationExpired,
        "reservation_expired",
        lambda: world.shop.payments.pay(
            world.customer, order.id, payment_method="tok_visa", idempotency_key="late"
        ),
    )
    assert recorded_gateway(world).calls == []
    assert world.shop.orders.get(world.customer, order.id).status is OrderStatus.PENDING_PAYMENT


def test_a_reservation_still_valid_a_second_before_expiry_can_be_paid(world: World) -> None:
    order = world.buy(PX_128_BLK=1)
    world.clock.advance(world.shop.settings.reservation_ttl - timedelta(seconds=1))
    world.shop.payments.pay(
        world.customer, order.id, payment_method="tok_visa", idempotency_key="just-in-time"
    )
    assert world.shop.orders.get(world.customer, order.id).status is OrderStatus.PAID
    assert _stock(world, "PX-128-BLK") == (10, 1)


def test_a_promotion_is_applied_at_placement_and_frozen_in_the_order(world: World) -> None:
    world.shop.promotions.create_percentage(
        world.admin, name="Phones 10% off", percent=Decimal(10), category_ids=[world.phones.id]
    )
    order = world.buy(PX_128_BLK=1, CABLE_1M=1)
    assert order.discount == Money(39990, "CNY")
    assert order.total == order.subtotal - order.discount + order.shipping + order.tax
    phone = next(line for line in order.lines if line.sku == "PX-128-BLK")
    assert phone.total == Money(399900 - 39990, "CNY")
