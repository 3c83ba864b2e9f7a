"""Backorders: a SKU may be promised beyond on hand up to its level's backorder limit; the
backordered units ship only when stock arrives, a preorder's not before its release; on every
backend, the database as backstop."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from ecommerce_core.domain.errors import InvalidInput, OutOfStock, PreorderNotReleased
from ecommerce_core.domain.inventory import StockLevel
from ecommerce_core.domain.orders import OrderStatus
from tests.support import World

SKU = "PX-128-BLK"


def _level(w: World, wh: str = "sz") -> StockLevel:
    (lv,) = [x for x in w.shop.inventory.levels(w.admin, SKU) if x.warehouse_id == wh]
    return lv


def _paid(w: World, key: str, **lines: int) -> str:
    order = w.buy(key=key, **lines)
    w.shop.payments.pay(w.customer, order.id, payment_method="tok_visa", idempotency_key=key)
    return order.id


def test_a_backordered_order_is_taken_and_ships_only_when_stock_arrives(
    shop_world: World,
) -> None:
    w = shop_world
    (level,) = w.shop.inventory.configure_stock(w.admin, sku=SKU, backorder_limit=3)
    assert (level.on_hand, level.reserved, level.available, level.backordered) == (10, 0, 13, 0)
    with pytest.raises(OutOfStock):
        w.buy(PX_128_BLK=14)
    w.shop.carts.remove_item(w.customer, SKU)
    order_id = _paid(w, "a", PX_128_BLK=12)
    level = _level(w)
    assert (level.on_hand, level.reserved, level.available, level.backordered) == (10, 12, 1, 2)
    # a parcel of what is on hand leaves; the backordered units cannot leave before they arrive
    w.shop.shipping.ship(w.admin, order_id, {SKU: 10})
    assert (_level(w).on_hand, _level(w).reserved, _level(w).backordered) == (0, 2, 2)
    with pytest.raises(OutOfStock) as caught:
        w.shop.shipping.ship(w.admin, order_id)
    assert caught.value.details["sku"] == SKU
    assert w.shop.orders.get(w.admin, order_id).status is OrderStatus.PARTIALLY_SHIPPED
    # nothing may be written off while every unit on hand is promised; a receipt covers the rest
    w.shop.inventory.receive(w.admin, sku=SKU, warehouse_id="sz", quantity=1)
    with pytest.raises(OutOfStock):
        w.shop.inventory.adjust(w.admin, sku=SKU, warehouse_id="sz", delta=-1, reason="lost")
    with pytest.raises(OutOfStock):
        w.shop.shipping.ship(w.admin, order_id)
    w.shop.inventory.receive(w.admin, sku=SKU, warehouse_id="sz", quantity=4)
    assert (_level(w).on_hand, _level(w).reserved, _level(w).backordered) == (5, 2, 0)
    w.shop.shipping.ship(w.admin, order_id)
    assert w.shop.orders.get(w.admin, order_id).status is OrderStatus.SHIPPED
    level = _level(w)
    assert (level.on_hand, level.reserved, level.available) == (3, 0, 6)
    assert w.shop.inventory.audit(w.admin) == []


def test_the_limit_cannot_go_below_what_is_backordered_and_off_means_no_oversell(
    shop_world: World,
) -> None:
    w = shop_world
    w.shop.inventory.configure_stock(w.admin, sku=SKU, warehouse_id="sz", backorder_limit=5)
    order = w.buy(PX_128_BLK=13)
    with pytest.raises(InvalidInput) as caught:
        w.shop.inventory.configure_stock(w.admin, sku=SKU, backorder_limit=2)
    assert caught.value.details["field"] == "backorder_limit"
    assert _level(w).backorder_limit == 5
    with pytest.raises(InvalidInput):
        w.shop.inventory.configure_stock(w.admin, sku=SKU, backorder_limit=-1)
    w.shop.orders.cancel(w.customer, order.id)  # the hold goes: nothing backordered any more
    (level,) = w.shop.inventory.configure_stock(w.admin, sku=SKU, backorder_limit=0)
    assert (level.reserved, level.available, level.backorder_limit) == (0, 10, 0)
    with pytest.raises(OutOfStock):
        w.buy(PX_128_BLK=11, key="b")
    assert w.shop.inventory.audit(w.admin) == []


def test_a_preorder_is_sold_before_its_release_and_ships_only_from_it(shop_world: World) -> None:
    w = shop_world
    release = w.clock.now() + timedelta(days=3)
    (level,) = w.shop.inventory.configure_stock(
        w.admin, sku=SKU, warehouse_id="sz", backorder_limit=5, available_from=release
    )
    assert level.available_from == release
    order_id = _paid(w, "pre", PX_128_BLK=2)  # on hand, but not released yet
    with pytest.raises(PreorderNotReleased) as caught:
        w.shop.shipping.ship(w.admin, order_id)
    assert caught.value.code == "preorder_not_released" and caught.value.details["sku"] == SKU
    assert (_level(w).on_hand, _level(w).reserved) == (10, 2)  # nothing left
    assert _level(w).available_from == release  # stored as given, on every backend
    w.clock.advance(timedelta(days=3))
    w.shop.shipping.ship(w.admin, order_id)
    assert w.shop.orders.get(w.admin, order_id).status is OrderStatus.SHIPPED
    with pytest.raises(InvalidInput):
        w.shop.inventory.configure_stock(
            w.admin,
            sku=SKU,
            available_from=datetime(2026, 1, 1),  # no time zone
        )
    (level,) = w.shop.inventory.configure_stock(
        w.admin, sku=SKU, warehouse_id="sz", available_from=None
    )
    assert level.available_from is None and _level(w).available_from is None
