"""Placing an order re-validates everything the cart saw: the address is complete, and what is
charged is the price at placement, never a stale quote."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ecommerce_core import Money
from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.pricing import Benefit
from tests.services.harness import snapshot
from tests.support import ADDRESS, World


@pytest.mark.parametrize("missing", ["name", "line1", "city", "postal_code", "country"])
def test_an_incomplete_address_is_refused_and_nothing_is_placed(world: World, missing: str) -> None:
    world.shop.carts.add_item(world.customer, "PX-128-BLK", 1)
    before = snapshot(world)
    with pytest.raises(InvalidInput) as caught:
        world.shop.checkout.place_order(
            world.customer,
            idempotency_key="k",
            shipping_address={k: v for k, v in ADDRESS.items() if k != missing},
        )
    assert missing in caught.value.message
    assert snapshot(world) == before


def test_a_promotion_withdrawn_after_the_quote_is_not_charged_from_the_quote(world: World) -> None:
    w = world
    promo = w.shop.promotions.create(
        w.admin,
        name="200 off",
        benefit=Benefit("amount_off_order", {"amount": Money.of("200", "CNY")}),
    )
    w.shop.carts.add_item(w.customer, "PX-128-BLK", 1)
    quoted = w.shop.checkout.quote(w.customer, shipping_address=ADDRESS)
    assert quoted.discount == Money.of("200", "CNY")
    w.shop.promotions.set_active(w.admin, promo.id, False)
    order = w.shop.checkout.place_order(w.customer, idempotency_key="k", shipping_address=ADDRESS)
    assert order.discount == Money.zero("CNY") and order.total > quoted.total


def test_a_promotion_that_ended_meanwhile_is_not_charged(world: World) -> None:
    w = world
    w.shop.promotions.create(
        w.admin,
        name="today only",
        benefit=Benefit("amount_off_order", {"amount": Money.of("200", "CNY")}),
        ends_at=w.clock.now() + timedelta(minutes=10),
    )
    w.shop.carts.add_item(w.customer, "PX-128-BLK", 1)
    quoted = w.shop.checkout.quote(w.customer, shipping_address=ADDRESS)
    w.clock.advance(timedelta(minutes=11))
    order = w.shop.checkout.place_order(w.customer, idempotency_key="k", shipping_address=ADDRESS)
    assert quoted.discount == Money.of("200", "CNY") and order.discount == Money.zero("CNY")
    assert order.total == quoted.total + Money.of("200", "CNY")
