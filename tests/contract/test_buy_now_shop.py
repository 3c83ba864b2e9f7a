"""Buying without the cart on every backend: the order holds its stock, the cart is untouched."""

from __future__ import annotations

import pytest

from ecommerce_core.domain.errors import OutOfStock
from tests.support import ADDRESS, World


def test_buy_now_holds_the_stock_and_leaves_the_cart(shop_world: World) -> None:
    w = shop_world
    w.shop.carts.add_item(w.customer, "CABLE-1M", 2)
    order = w.shop.checkout.place_order(
        w.customer, idempotency_key="now", shipping_address=ADDRESS, items={"PX-128-BLK": 3}
    )
    assert [(ln.sku, ln.quantity) for ln in order.lines] == [("PX-128-BLK", 3)]
    (level,) = w.shop.inventory.levels(w.admin, "PX-128-BLK")
    assert (level.on_hand, level.reserved) == (10, 3)
    assert [(ln.sku, ln.quantity) for ln in w.shop.carts.view(w.customer).cart.lines] == [
        ("CABLE-1M", 2)
    ]
    again = w.shop.checkout.place_order(
        w.customer, idempotency_key="now", shipping_address=ADDRESS, items={"PX-128-BLK": 3}
    )
    assert again == order
    with pytest.raises(OutOfStock):
        w.shop.checkout.place_order(
            w.customer, idempotency_key="more", shipping_address=ADDRESS, items={"PX-128-BLK": 8}
        )
    (level,) = w.shop.inventory.levels(w.admin, "PX-128-BLK")
    assert (level.on_hand, level.reserved) == (10, 3)
    assert [o.id for o in w.shop.orders.list(w.customer)] == [order.id]
