""" "First order" pricing on every backend: the buyer's order history is asked for whenever a
rule may look at it (a first-order condition anywhere in a promotion or an entered coupon, or a
kind a plugin added), and the answer is the stored truth either way."""

from __future__ import annotations

from typing import Any

from ecommerce_core import Money, Principal, Shop, ShopSettings, hookimpl
from ecommerce_core.defaults import FixedClock
from ecommerce_core.domain.pricing import Benefit, Condition, Verdict
from ecommerce_core.plugins import Registry
from tests.support import ADDRESS, World, plugin_manager, seed


def _ten_percent(w: World, condition: Condition) -> None:
    w.shop.promotions.create(
        w.admin,
        name="first order 10% off",
        benefit=Benefit("percent_off", {"percent": "10"}),
        condition=condition,
    )


def _discount(w: World, who: Principal, **coupons: Any) -> Money:
    w.shop.carts.add_item(who, "CABLE-1M", 1)
    return w.shop.checkout.quote(who, **coupons).discount


def test_a_first_order_promotion_applies_until_the_customer_orders(shop_world: World) -> None:
    w = shop_world
    # nested under a combinator and a negation-free "any": the walk must find it
    _ten_percent(w, Condition.all(Condition("always", {}), Condition("first_order", {})))
    assert _discount(w, w.customer).amount == 499  # 10% of 49.90
    w.shop.checkout.place_order(w.customer, idempotency_key="first", shipping_address=ADDRESS)
    assert _discount(w, w.customer).amount == 0
    assert _discount(w, w.other).amount == 499  # another customer's history is their own


def test_a_first_order_coupon_is_refused_after_the_first_order(shop_world: World) -> None:
    w = shop_world
    w.shop.promotions.create_coupon(
        w.admin,
        name="welcome",
        kind="platform",
        benefit=Benefit("amount_off_order", {"amount": Money.of("5", "CNY")}),
        condition=Condition("first_order", {}),
        code="WELCOME",
    )
    assert _discount(w, w.customer, coupons=["WELCOME"]).amount == 500
    w.shop.checkout.place_order(w.customer, idempotency_key="first", shipping_address=ADDRESS)
    w.shop.carts.add_item(w.customer, "CABLE-1M", 1)
    quote = w.shop.checkout.quote(w.customer, coupons=["WELCOME"])
    assert quote.discount.amount == 0
    assert [r.reason for r in quote.rejected] == ["not_first_order"]


SEEN: list[int] = []


class LoyaltyPlugin:
    """A condition kind of a plugin's that reads the buyer's order history itself."""

    @hookimpl
    def ecommerce_core_register_pricing_rules(self, registry: Registry) -> None:
        def returning(params: dict[str, Any]) -> Any:
            def check(view: Any) -> Verdict | None:
                SEEN.append(view.context.buyer.orders_placed)
                return None if view.context.buyer.orders_placed else Verdict("not_returning")

            return check

        registry.add_pricing_condition("returning_buyer", returning, description="ordered before")


def test_a_plugin_condition_sees_the_real_order_history(url: str) -> None:
    clock = FixedClock()
    shop = Shop.open(
        url,
        settings=ShopSettings(password_hasher="argon2-floor"),
        plugin_manager=plugin_manager(LoyaltyPlugin()),
        clock=clock,
    )
    try:
        w = seed(shop, clock)
        _ten_percent(w, Condition("returning_buyer", {}))
        assert _discount(w, w.customer).amount == 0
        w.shop.checkout.place_order(w.customer, idempotency_key="first", shipping_address=ADDRESS)
        assert _discount(w, w.customer).amount == 499
        assert SEEN[-1] == 1
    finally:
        shop.close()
