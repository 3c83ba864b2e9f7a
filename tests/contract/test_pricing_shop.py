"""Promotions and coupons through the public API, on every storage backend: what the quote says
is what the order charges, every code applies or the order is refused, uses are counted once."""

from __future__ import annotations

import pytest

from ecommerce_core import Money, Principal
from ecommerce_core.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ecommerce_core.domain.pricing import Benefit, Condition, Scope
from tests.support import ADDRESS, World


def _cny(text: str) -> Money:
    return Money.of(text, "CNY")


def _full_reduction(w: World) -> None:
    w.shop.promotions.create(
        w.admin,
        name="每满1000减100",
        benefit=Benefit(
            "amount_off_order", {"amount": _cny("100"), "every": _cny("1000"), "cap": _cny("300")}
        ),
    )


def _save50(w: World, **limits: object) -> None:
    w.shop.promotions.create_coupon(
        w.admin,
        name="满3000减50",
        kind="platform",
        benefit=Benefit("amount_off_order", {"amount": _cny("50")}),
        min_spend=_cny("3000"),
        code="SAVE50",
        **limits,  # type: ignore[arg-type]
    )


def test_the_order_charges_exactly_what_the_quote_said(shop_world: World) -> None:
    w = shop_world
    _full_reduction(w)
    _save50(w)
    w.shop.carts.add_item(w.customer, "PX-128-BLK", 1)
    w.shop.carts.add_item(w.customer, "CABLE-1M", 3)
    quote = w.shop.checkout.quote(w.customer, coupons=["save50"])
    # 3999.00 + 149.70 = 4148.70; 每满1000减100 takes 400 capped at 300; then SAVE50 on 3848.70
    assert str(quote.discount) == "350.00 CNY" and str(quote.total) == "3798.70 CNY"
    assert quote.coupons == ("SAVE50",)
    order = w.shop.checkout.place_order(
        w.customer, idempotency_key="o1", shipping_address=ADDRESS, coupons=["SAVE50"]
    )
    assert (order.total, order.discount, order.subtotal) == (
        quote.total,
        quote.discount,
        quote.subtotal,
    )
    assert [(ln.sku, ln.discount, ln.total) for ln in order.lines] == [
        (ln.sku, ln.discount, ln.total) for ln in quote.lines
    ]
    assert sum(ln.total.amount for ln in order.lines) == order.total.amount  # refunds add up
    coupon = w.shop.promotions.list_coupons(w.admin)[0]
    assert coupon.used == 1
    # once per customer by default: the second order with the same code is refused
    w.shop.carts.add_item(w.customer, "PX-256-WHT", 1)
    again = w.shop.checkout.quote(w.customer, coupons=["SAVE50"])
    assert [(r.code, r.reason) for r in again.rejected] == [("SAVE50", "customer_limit_reached")]
    with pytest.raises(Conflict) as caught:
        w.shop.checkout.place_order(
            w.customer, idempotency_key="o2", shipping_address=ADDRESS, coupons=["SAVE50"]
        )
    assert caught.value.details["reasons"] == {"SAVE50": "customer_limit_reached"}
    assert len(w.shop.orders.list(w.customer)) == 1


def test_a_code_that_does_not_apply_refuses_the_order_and_changes_nothing(
    shop_world: World,
) -> None:
    w = shop_world
    _save50(w)
    w.shop.carts.add_item(w.customer, "CABLE-1M", 1)
    quote = w.shop.checkout.quote(w.customer, coupons=["SAVE50", "NOPE-123"])
    assert {(r.code, r.reason) for r in quote.rejected} == {
        ("SAVE50", "min_spend_not_met"),
        ("NOPE-123", "unknown_code"),
    }
    assert [h.message for h in quote.hints] == ["add 2950.10 CNY more to unlock 满3000减50"]
    with pytest.raises(InvalidInput) as caught:
        w.shop.checkout.place_order(
            w.customer, idempotency_key="o1", shipping_address=ADDRESS, coupons=["SAVE50"]
        )
    assert caught.value.details["reasons"] == {"SAVE50": "min_spend_not_met"}
    assert w.shop.orders.list(w.customer) == []
    assert w.shop.carts.view(w.customer).cart.lines  # the cart is still there
    with pytest.raises(InvalidInput):
        w.shop.checkout.quote(w.customer, coupons="SAVE50")  # a list of codes, not one text


def test_a_coupons_last_use_goes_to_one_customer(shop_world: World) -> None:
    w = shop_world
    _save50(w, usage_limit=1)
    for who in (w.customer, w.other):
        w.shop.carts.add_item(who, "PX-128-BLK", 1)
    w.shop.checkout.place_order(
        w.customer, idempotency_key="a", shipping_address=ADDRESS, coupons=["SAVE50"]
    )
    with pytest.raises(Conflict) as caught:
        w.shop.checkout.place_order(
            w.other, idempotency_key="b", shipping_address=ADDRESS, coupons=["SAVE50"]
        )
    assert caught.value.details["reasons"] == {"SAVE50": "usage_limit_reached"}
    order = w.shop.checkout.place_order(w.other, idempotency_key="b", shipping_address=ADDRESS)
    assert str(order.total) == "3999.00 CNY"


def test_claimed_and_pushed_coupons_fill_the_wallet_and_the_best_set_is_chosen(
    shop_world: World,
) -> None:
    w = shop_world
    coupon = w.shop.promotions.create_coupon(
        w.admin,
        name="Phones 10% up to 300",
        kind="category",
        benefit=Benefit(
            "percent_off", {"percent": "10", "per": "order", "max_discount": _cny("300")}
        ),
        scope=Scope(category_ids={w.phones.id}),
        requires_claim=True,
    )
    codes = w.shop.promotions.create_codes(w.admin, coupon.id, count=3, prefix="PHONE")
    assert len({c.code for c in codes}) == 3 and all(c.code.startswith("PHONE-") for c in codes)
    assert [c.code for c in w.shop.promotions.codes(w.admin, coupon.id)] == sorted(
        c.code for c in codes
    )
    entry = w.shop.promotions.claim(w.customer, codes[0].code.lower())
    assert (entry.code, entry.uses_left) == (codes[0].code, 1)
    with pytest.raises(NotFound):
        w.shop.promotions.claim(w.other, codes[0].code)  # a personal code is claimed once
    _save50(w)
    w.shop.promotions.claim(w.customer, "SAVE50")
    pushed = w.shop.promotions.create_coupon(
        w.admin,
        name="VIP 20 off",
        kind="platform",
        benefit=Benefit("amount_off_order", {"amount": _cny("20")}),
    )
    (given,) = w.shop.promotions.push(w.admin, pushed.id, [w.customer.id])  # type: ignore[list-item]
    assert {e.code for e in w.shop.promotions.wallet(w.customer)} == {
        codes[0].code,
        "SAVE50",
        given.code,
    }
    w.shop.carts.add_item(w.customer, "PX-128-BLK", 1)
    choice = w.shop.checkout.best_coupons(w.customer)
    # 10 % of 3999.00 capped at 300 = 300, then SAVE50 (platform); the VIP coupon is platform too
    assert set(choice.codes) == {codes[0].code, "SAVE50"}
    assert str(choice.breakdown.total) == "3649.00 CNY"
    order = w.shop.checkout.place_order(
        w.customer, idempotency_key="best", shipping_address=ADDRESS, coupons=choice.codes
    )
    assert order.total == choice.breakdown.total
    # the claimed code is used once: it is spent
    assert {e.code: e.uses_left for e in w.shop.promotions.wallet(w.customer)}[codes[0].code] == 0


def test_a_gift_is_reserved_with_the_order_while_stock_lasts(shop_world: World) -> None:
    w = shop_world
    w.shop.promotions.create(
        w.admin,
        name="Free cable with a phone",
        benefit=Benefit("gift", {"sku": "CABLE-1M", "quantity": 4}),
        scope=Scope(category_ids={w.phones.id}),
        condition=Condition("min_quantity", {"quantity": 1}),
    )
    w.shop.carts.add_item(w.customer, "PX-128-BLK", 1)
    w.shop.carts.add_item(w.customer, "CABLE-1M", 7)
    quote = w.shop.checkout.quote(w.customer)
    assert [(g.sku, g.quantity) for g in quote.gifts] == [("CABLE-1M", 3)]  # 10 in stock, 7 bought
    order = w.shop.checkout.place_order(w.customer, idempotency_key="g", shipping_address=ADDRESS)
    gift = [ln for ln in order.lines if ln.name.endswith("(gift)")]
    assert [(ln.sku, ln.quantity, ln.total.amount) for ln in gift] == [("CABLE-1M", 3, 0)]
    level = w.shop.inventory.levels(w.admin, "CABLE-1M")[0]
    assert (level.on_hand, level.reserved) == (10, 10)
    w.shop.carts.add_item(w.other, "PX-256-WHT", 1)
    later = w.shop.checkout.quote(w.other)
    assert later.gifts == ()
    assert [r.reason for r in later.rejected] == ["gift_out_of_stock"]


def test_only_staff_create_promotions_and_coupons_and_only_customers_claim(
    shop_world: World,
) -> None:
    w = shop_world
    with pytest.raises(PermissionDenied):
        w.shop.promotions.create(
            w.customer, name="mine", benefit=Benefit("percent_off", {"percent": "100"})
        )
    with pytest.raises(PermissionDenied):
        _save50(World(w.shop, w.clock, w.customer, w.customer, w.other, w.phones, w.phone, w.cable))
    with pytest.raises(PermissionDenied):
        w.shop.promotions.claim(Principal.anonymous(), "SAVE50")
    with pytest.raises(InvalidInput):
        w.shop.promotions.create(
            w.admin, name="bad", benefit=Benefit("percent_off", {"percent": "150"})
        )
    assert w.shop.promotions.list(w.admin) == []
