"""Carts from real shops, priced by hand and by the engine, to the cent."""

from __future__ import annotations

from decimal import Decimal

from ecommerce_core.domain.pricing import (
    PriceBook,
    PriceList,
    PricingPolicy,
    Scope,
    ShippingRate,
    ShippingTable,
    TaxPolicy,
    TaxRate,
    price_cart,
)
from tests.unit.pricing.helpers import cash, cny, context, coupon, item, promo, spend

CN_VAT = TaxPolicy(inclusive=True, rates=(TaxRate("standard", "CN", Decimal(13)),))
CN_SHIPPING = ShippingTable((ShippingRate({"CN"}, cny("10"), 1000, cny("5"), 1000, cny("99")),))


def _phone_case_book() -> list:  # type: ignore[type-arg]
    return [
        item("PHONE", 1, "399.00", "tech", "phones", weight_grams=200),
        item("CASE", 2, "59.00", "tech", "accessories", weight_grams=50),
        item("BOOK", 1, "80.00", "books", weight_grams=400),
    ]


def test_full_reduction_500_off_100_with_a_member_discount_and_a_category_coupon() -> None:
    # gold members pay 9折; 满500减100 on the order; a tech coupon: 30 off 200 spent on tech
    policy = PricingPolicy(
        prices=PriceBook((PriceList("gold", "Gold 9折", "group", "CNY", percent_off=Decimal(10), tiers={"gold"}),)),
        tax=CN_VAT,
        shipping=CN_SHIPPING,
    )  # fmt: skip
    full_reduction = promo("mj500", "amount_off_order", {"amount": cash("100"), "every": cash("500"), "cap": cash("300")}, name="满500减100")  # fmt: skip
    tech = coupon("TECH30", "amount_off_order", {"amount": cash("30")}, coupon_kind="category", scope=Scope(category_ids={"tech"}), min_spend=cny("200"))  # fmt: skip
    result = price_cart(
        _phone_case_book(), [full_reduction], context(tier="gold"), coupons=[tech], policy=policy
    )

    assert [(ln.sku, str(ln.list_price), str(ln.unit_price)) for ln in result.lines] == [
        ("BOOK", "80.00 CNY", "72.00 CNY"),
        ("CASE", "59.00 CNY", "53.10 CNY"),
        ("PHONE", "399.00 CNY", "359.10 CNY"),
    ]
    assert str(result.line("PHONE").price_adjustment.amount) == "39.90 CNY"  # type: ignore[union-attr]
    assert str(result.subtotal) == "537.30 CNY"
    # 100 spread over 72.00 / 106.20 / 359.10 by largest remainder, then 30 over the tech lines
    shares = {a.source_id: [(sku, str(m)) for sku, m in a.allocations] for a in result.adjustments}
    assert shares == {
        "mj500": [("BOOK", "13.40 CNY"), ("CASE", "19.77 CNY"), ("PHONE", "66.83 CNY")],
        "cpn-tech30": [("CASE", "6.85 CNY"), ("PHONE", "23.15 CNY")],
    }
    assert str(result.discount) == "130.00 CNY"
    assert str(result.shipping) == "0.00 CNY"  # 407.30 of goods: over the 99.00 free-shipping line
    assert str(result.total) == "407.30 CNY"
    assert [str(ln.total) for ln in result.lines] == ["58.60 CNY", "79.58 CNY", "269.12 CNY"]
    # inclusive 13 % VAT: net + tax == gross on each line
    assert [str(ln.tax) for ln in result.lines] == ["6.74 CNY", "9.16 CNY", "30.96 CNY"]
    assert str(result.included_tax) == "46.86 CNY" and result.tax.is_zero
    assert result.coupons == ("TECH30",)
    assert [h.message for h in result.hints] == ["add 462.70 CNY more to unlock 满500减100"]


def test_a_hint_says_how_much_more_unlocks_a_threshold() -> None:
    cart = [item("TEA", 1, "277.00", "food")]
    rule = promo(
        "mj300",
        "amount_off_order",
        {"amount": cash("40")},
        name="满300减40",
        condition=spend("300"),
    )
    result = price_cart(cart, [rule], context())
    assert [(r.source_id, r.reason) for r in result.rejected] == [("mj300", "min_spend_not_met")]
    assert [h.message for h in result.hints] == ["add 23.00 CNY more to unlock 满300减40"]
    assert (
        str(price_cart([item("TEA", 1, "300.00", "food")], [rule], context()).total) == "260.00 CNY"
    )


def test_a_gift_with_purchase_out_of_stock_is_explained_and_given_when_back() -> None:
    cart = [item("PHONE", 1, "399.00", "tech")]
    gift = promo(
        "gwp", "gift", {"sku": "CABLE", "quantity": 2}, name="Free cable", condition=spend("300")
    )
    none_left = price_cart(cart, [gift], context(), stock={"CABLE": 0})
    assert none_left.gifts == ()
    assert [(r.source_id, r.reason) for r in none_left.rejected] == [("gwp", "gift_out_of_stock")]
    assert none_left.total == cny("399.00")  # a gift never changes the price
    one_left = price_cart(cart, [gift], context(), stock={"CABLE": 1})
    assert [(g.sku, g.quantity, g.source_id) for g in one_left.gifts] == [("CABLE", 1, "gwp")]
    plenty = price_cart(cart, [gift], context(), stock={"CABLE": 10})
    assert [(g.sku, g.quantity) for g in plenty.gifts] == [("CABLE", 2)]


def test_a_yen_cart_rounds_to_whole_yen_and_allocates_exactly() -> None:
    cart = [
        item("BOWL", 3, "1980", "kitchen", currency="JPY"),
        item("KETTLE", 1, "12800", "appliances", currency="JPY"),
    ]
    kitchen = promo("k15", "percent_off", {"percent": "15"}, scope=Scope(category_ids={"kitchen"}))
    over_10k = coupon("YEN500", "amount_off_order", {"amount": cash("500", "JPY")}, min_spend=cny("10000", "JPY"))  # fmt: skip
    policy = PricingPolicy(
        tax=TaxPolicy(inclusive=True, rates=(TaxRate("standard", "JP", Decimal(10)),)),
        shipping=ShippingTable(
            (ShippingRate({"JP"}, cny("500", "JPY"), free_over=cny("5000", "JPY")),)
        ),
    )
    result = price_cart(
        cart, [kitchen], context("JPY", region="JP-13"), coupons=[over_10k], policy=policy
    )
    assert [
        (ln.sku, ln.discount.amount, ln.total.amount, ln.tax.amount) for ln in result.lines
    ] == [  # type: ignore[union-attr]
        ("BOWL", 891 + 141, 4908, 446),
        ("KETTLE", 359, 12441, 1131),
    ]
    assert (result.total.amount, result.shipping.amount, result.included_tax.amount) == (
        17349,
        0,
        1577,
    )  # type: ignore[union-attr]
    assert str(result.total) == "17349 JPY"


def test_a_kuwaiti_dinar_cart_keeps_three_decimals() -> None:
    cart = [item("DATES", 3, "1.333", "food", currency="KWD")]
    third = promo("third", "percent_off", {"percent": "33.3"})
    result = price_cart(cart, [third], context("KWD", region="KW"))
    # 3.999 * 33.3 % = 1.331667 -> 1.332, half up at the third decimal
    assert str(result.discount) == "1.332 KWD" and str(result.total) == "2.667 KWD"
