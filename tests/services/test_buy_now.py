"""Buying without the cart ("buy now", how a flash sale is bought): ``place_order(items=...)``."""

from __future__ import annotations

from typing import Any

import pytest

from ecommerce_core.domain.errors import (
    EmptyCart,
    IdempotencyConflict,
    InvalidInput,
    OutOfStock,
    UnknownSku,
)
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.orders import OrderStatus
from tests.services.harness import refused
from tests.support import ADDRESS, World


def _levels(world: World, sku: str) -> tuple[int, int]:
    (level,) = world.shop.inventory.levels(world.admin, sku)
    return level.on_hand, level.reserved


def _buy_now(world: World, key: str = "now-1", **kwargs: Any) -> Any:
    kwargs.setdefault("items", {"PX-128-BLK": 2})
    return world.shop.checkout.place_order(
        world.customer, idempotency_key=key, shipping_address=ADDRESS, **kwargs
    )


def test_buying_now_orders_the_items_and_leaves_the_cart_alone(world: World) -> None:
    world.shop.carts.add_item(world.customer, "CABLE-1M", 3)
    order = _buy_now(world, items=[("PX-128-BLK", 1), ("px-128-blk", 1)])  # summed per SKU
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert [(ln.sku, ln.quantity) for ln in order.lines] == [("PX-128-BLK", 2)]
    assert order.total == Money(2 * 399900, "CNY")
    assert _levels(world, "PX-128-BLK") == (10, 2)
    assert _levels(world, "CABLE-1M") == (10, 0)
    cart = world.shop.carts.view(world.customer).cart
    assert [(ln.sku, ln.quantity) for ln in cart.lines] == [("CABLE-1M", 3)]


def test_a_buy_now_is_priced_like_the_same_cart(world: World) -> None:
    now = _buy_now(world, key="now", items={"PX-128-BLK": 1, "CABLE-1M": 2})
    carted = world.buy(world.other, key="cart", PX_128_BLK=1, CABLE_1M=2)
    assert (now.subtotal, now.discount, now.total) == (
        carted.subtotal,
        carted.discount,
        carted.total,
    )
    assert [(ln.sku, ln.total) for ln in now.lines] == [(ln.sku, ln.total) for ln in carted.lines]


def test_a_replayed_buy_now_returns_the_first_order_and_other_items_are_a_conflict(
    world: World,
) -> None:
    first = _buy_now(world)
    assert _buy_now(world) == first
    assert _levels(world, "PX-128-BLK") == (10, 2)
    with pytest.raises(IdempotencyConflict):
        _buy_now(world, items={"PX-128-BLK": 3})
    with pytest.raises(IdempotencyConflict):
        _buy_now(world, items={"CABLE-1M": 2})
    assert len(world.shop.orders.list(world.customer)) == 1


@pytest.mark.parametrize(
    ("items", "error", "code"),
    [
        ({}, EmptyCart, "empty_cart"),
        ([], EmptyCart, "empty_cart"),
        ({"PX-128-BLK": 0}, InvalidInput, "invalid_input"),
        ({"PX-128-BLK": -1}, InvalidInput, "invalid_input"),
        ([("PX-128-BLK",)], InvalidInput, "invalid_input"),
        ("PX-128-BLK", InvalidInput, "invalid_input"),
        ({"": 1}, InvalidInput, "invalid_input"),
        ({"NO-SUCH-SKU": 1}, UnknownSku, "unknown_sku"),
        ({"PX-128-BLK": 11}, OutOfStock, "out_of_stock"),
    ],
)
def test_bad_items_are_refused_and_change_nothing(
    world: World, items: Any, error: type[Exception], code: str
) -> None:
    world.shop.carts.add_item(world.customer, "CABLE-1M", 1)
    refused(world, error, code, lambda: _buy_now(world, items=items))  # type: ignore[arg-type]
