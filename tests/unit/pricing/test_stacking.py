"""The stacking policy on its own: groups, units, combinable-with lists, exclusivity, coupon limits
and the reason codes of whatever did not apply."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ecommerce_core.domain.pricing import (
    PricingPolicy,
    Scope,
    StackingPolicy,
    best_coupons,
    price_cart,
)
from tests.unit.pricing.helpers import NOW, cash, cny, context, coupon, item, promo, spend

CART = [item("PHONE", 1, "1000.00", "tech"), item("CABLE", 2, "50.00", "tech")]


def _reasons(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.code or r.source_id: r.reason for r in result.rejected}


def test_in_one_group_each_line_takes_the_larger_discount() -> None:
    ten_all = promo("ten", "percent_off", {"percent": "10"})
    twenty_phone = promo("twenty", "percent_off", {"percent": "20"}, scope=Scope(skus={"PHONE"}))
    result = price_cart(CART, [ten_all, twenty_phone], context())
    assert [(a.source_id, str(a.amount)) for a in result.line("PHONE").adjustments] == [
        ("twenty", "200.00 CNY")
    ]
    assert [(a.source_id, str(a.amount)) for a in result.line("CABLE").adjustments] == [
        ("ten", "10.00 CNY")
    ]
    assert result.rejected == ()


def test_across_groups_rules_stack_each_on_the_price_left_by_the_one_before() -> None:
    item_level = promo("ten", "percent_off", {"percent": "10"}, stacking=StackingPolicy(priority=5))
    order_level = promo("mj", "amount_off_order", {"amount": cash("100")}, condition=spend("1000"))
    result = price_cart(CART, [item_level, order_level], context())
    # 1100 -> 990 after 10 %, which is still >= 1000? no: the threshold is judged after item discounts
    assert _reasons(result) == {"mj": "min_spend_not_met"}
    richer = price_cart(
        [*CART, item("CASE", 1, "200.00", "tech")], [item_level, order_level], context()
    )
    assert str(richer.discount) == "230.00 CNY"


def test_a_line_is_discounted_twice_only_when_both_rules_allow_it() -> None:
    clearance = promo("clear", "percent_off", {"percent": "50"}, scope=Scope(skus={"CABLE"}), stacking=StackingPolicy(stackable=False))  # fmt: skip
    order = promo("order", "amount_off_order", {"amount": cash("100")})
    result = price_cart(CART, [clearance, order], context())
    # the order discount goes to the phone only: the cable is closed by the clearance rule
    order_adjustment = next(a for a in result.adjustments if a.source_id == "order")
    assert [sku for sku, _ in order_adjustment.allocations] == ["PHONE"]
    only_cable = price_cart([item("CABLE", 2, "50.00", "tech")], [clearance, order], context())
    assert _reasons(only_cable) == {"order": "not_combinable_with"}
    assert only_cable.rejected[0].details == {"conflicts_with": "clear"}


def test_combinable_with_lists_must_agree_on_both_sides() -> None:
    picky = promo("picky", "percent_off", {"percent": "10"}, stacking=StackingPolicy(combinable_with={"coupon"}, priority=9))  # fmt: skip
    other = promo("other", "amount_off_order", {"amount": cash("10")})
    code = coupon("SAVE5", "amount_off_order", {"amount": cash("5")})
    result = price_cart(CART, [picky, other], context(), coupons=[code])
    assert _reasons(result) == {"other": "not_combinable_with"}
    assert result.coupons == ("SAVE5",)


def test_an_exclusive_rule_applies_alone_when_alone_it_gives_more() -> None:
    small = promo("small", "percent_off", {"percent": "5"})
    big_alone = promo(
        "vip", "percent_off", {"percent": "30"}, stacking=StackingPolicy(exclusive=True)
    )
    result = price_cart(CART, [small, big_alone], context())
    assert result.applied() == [("promotion", "vip")]
    assert _reasons(result) == {"small": "not_combinable_with"}
    weak_alone = promo(
        "weak", "percent_off", {"percent": "1"}, stacking=StackingPolicy(exclusive=True)
    )
    result = price_cart(CART, [small, weak_alone], context())
    assert result.applied() == [("promotion", "small")]
    assert _reasons(result) == {"weak": "not_combinable_with"}


def test_one_coupon_per_kind_by_default_and_the_better_one_wins() -> None:
    a = coupon("A10", "amount_off_order", {"amount": cash("10")})
    b = coupon("B20", "amount_off_order", {"amount": cash("20")})
    result = price_cart(CART, [], context(), coupons=[a, b])
    assert result.coupons == ("B20",)
    assert _reasons(result) == {"A10": "outranked_in_group"}
    store = coupon("STORE5", "amount_off_order", {"amount": cash("5")}, coupon_kind="merchant", scope=Scope(merchant_ids={"m1"}))  # fmt: skip
    cart = [item("PHONE", 1, "1000.00", "tech", merchant_id="m1")]
    assert price_cart(cart, [], context(), coupons=[b, store]).coupons == ("B20", "STORE5")


def test_no_more_codes_than_the_shop_allows() -> None:
    codes = [coupon(f"G{i}", "amount_off_order", {"amount": cash("1")}, stacking=StackingPolicy(group=f"g{i}")) for i in range(4)]  # fmt: skip
    result = price_cart(CART, [], context(), coupons=codes, policy=PricingPolicy(max_coupons=2))
    assert result.coupons == ("G0", "G1")
    assert _reasons(result) == {"G2": "max_codes_exceeded", "G3": "max_codes_exceeded"}


@pytest.mark.parametrize(
    ("applied", "reason"),
    [
        (coupon("OLD", "amount_off_order", {"amount": cash("1")}, ends_at=NOW), "expired"),
        (
            coupon(
                "SOON",
                "amount_off_order",
                {"amount": cash("1")},
                starts_at=NOW + timedelta(hours=1),
            ),
            "not_started",
        ),
        (
            coupon("GONE", "amount_off_order", {"amount": cash("1")}, usage_limit=5, used=5),
            "usage_limit_reached",
        ),
        (
            coupon("ONCE", "amount_off_order", {"amount": cash("1")}, uses=1),
            "customer_limit_reached",
        ),
        (
            coupon("CLAIM", "amount_off_order", {"amount": cash("1")}, requires_claim=True),
            "not_claimed",
        ),
        (coupon("OFF", "amount_off_order", {"amount": cash("1")}, active=False), "inactive"),
        (
            coupon("BIG", "amount_off_order", {"amount": cash("1")}, min_spend=cny("5000")),
            "min_spend_not_met",
        ),
        (
            coupon(
                "BOOKS",
                "amount_off_order",
                {"amount": cash("1")},
                coupon_kind="category",
                scope=Scope(category_ids={"books"}),
            ),
            "out_of_scope",
        ),
    ],
    ids=lambda x: x if isinstance(x, str) else x.code,
)
def test_a_refused_code_says_why(applied, reason: str) -> None:  # type: ignore[no-untyped-def]
    result = price_cart(CART, [], context(), coupons=[applied])
    assert _reasons(result) == {applied.code: reason}
    assert result.coupons == ()


def test_an_unknown_code_is_refused_without_revealing_anything() -> None:
    from ecommerce_core.domain.pricing import AppliedCode

    result = price_cart(CART, [], context(), coupons=[AppliedCode("NOPE", None)])
    assert [(r.source_id, r.reason, r.label) for r in result.rejected] == [
        ("NOPE", "unknown_code", "")
    ]


def test_promotion_reasons_cover_window_budget_and_limits() -> None:
    rules = [
        promo("later", "percent_off", {"percent": "5"}, starts_at=NOW + timedelta(days=1)),
        promo("over", "percent_off", {"percent": "5"}, ends_at=NOW),
        promo("spent", "percent_off", {"percent": "5"}, budget=cny("100"), discount_given=10000),
        promo("used", "percent_off", {"percent": "5"}, usage_limit=3, used=3),
        promo(
            "capped",
            "percent_off",
            {"percent": "50"},
            max_discount=cny("20"),
            stacking=StackingPolicy(group="x"),
        ),
    ]
    result = price_cart(CART, rules, context())
    assert _reasons(result) == {"later": "not_started", "over": "expired", "spent": "budget_exhausted", "used": "usage_limit_reached"}  # fmt: skip
    assert str(result.discount) == "20.00 CNY"


def test_a_budget_caps_the_last_orders_discount() -> None:
    nearly = promo(
        "budget", "percent_off", {"percent": "50"}, budget=cny("100"), discount_given=9000
    )
    assert str(price_cart(CART, [nearly], context()).discount) == "10.00 CNY"


def test_the_best_combination_picks_the_cheapest_legal_set_and_says_why_others_were_left() -> None:
    held = [
        coupon("P20", "amount_off_order", {"amount": cash("20")}),
        coupon("P50", "amount_off_order", {"amount": cash("50")}, min_spend=cny("1000")),
        coupon(
            "T10",
            "percent_off",
            {"percent": "10", "per": "order", "max_discount": cash("80")},
            coupon_kind="category",
            scope=Scope(category_ids={"tech"}),
        ),
        coupon("BIG", "amount_off_order", {"amount": cash("500")}, min_spend=cny("5000")),
    ]
    choice = best_coupons(CART, [], context(), held)
    assert choice.codes == ("P50", "T10")
    assert str(choice.breakdown.total) == "970.00 CNY"
    assert {(r.code, r.reason) for r in choice.left_out} == {
        ("BIG", "min_spend_not_met"),
        ("P20", "not_best"),
    }
    assert [h.message for h in choice.hints] == ["add 3900.00 CNY more to unlock BIG"]
