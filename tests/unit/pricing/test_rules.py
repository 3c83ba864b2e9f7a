"""Each built-in condition and benefit kind, the registry plugins extend, and the scope index."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.pricing import (
    Benefit,
    Condition,
    Effect,
    PricingPolicy,
    PromotionIndex,
    RuleView,
    Scope,
    ShippingRate,
    ShippingTable,
    Verdict,
    default_registry,
    price_cart,
)
from ecommerce_core.domain.pricing.scope import ItemFacts, item_keys
from tests.unit.pricing.helpers import NOW, cash, cny, context, item, promo, spend


def _discounts(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {ln.sku: str(ln.discount) for ln in result.lines}


def test_percent_off_rounds_each_line_half_up_and_a_cap_spreads_exactly() -> None:
    cart = [item("A", 1, "0.05"), item("B", 3, "33.33")]
    result = price_cart(cart, [promo("p", "percent_off", {"percent": "10"})], context())
    assert _discounts(result) == {"A": "0.01 CNY", "B": "10.00 CNY"}
    capped = price_cart(
        cart, [promo("p", "percent_off", {"percent": "50", "max_discount": cash("10")})], context()
    )
    assert str(capped.discount) == "10.00 CNY"
    assert sum(ln.discount.amount for ln in capped.lines) == 1000


def test_amount_off_per_unit_per_line_and_a_fixed_unit_price() -> None:
    cart = [item("A", 3, "10.00"), item("B", 1, "3.00")]
    assert _discounts(price_cart(cart, [promo("u", "amount_off_unit", {"amount": cash("4")})], context())) == {"A": "12.00 CNY", "B": "3.00 CNY"}  # fmt: skip
    assert _discounts(price_cart(cart, [promo("l", "amount_off_line", {"amount": cash("4")})], context())) == {"A": "4.00 CNY", "B": "3.00 CNY"}  # fmt: skip
    assert _discounts(price_cart(cart, [promo("f", "fixed_unit_price", {"amount": cash("9.90")})], context())) == {"A": "0.30 CNY", "B": "0.00 CNY"}  # fmt: skip


def test_full_reduction_repeats_per_threshold_up_to_its_cap() -> None:
    rule = promo("mj", "amount_off_order", {"amount": cash("40"), "every": cash("300"), "cap": cash("100")}, name="每满300减40")  # fmt: skip
    for spent, off in [("299.99", "0.00"), ("300.00", "40.00"), ("899.99", "80.00"), ("900.00", "100.00"), ("5000.00", "100.00")]:  # fmt: skip
        result = price_cart([item("A", 1, spent)], [rule], context())
        assert str(result.discount) == f"{off} CNY", spent
    assert [h.message for h in price_cart([item("A", 1, "650.00")], [rule], context()).hints] == ["add 250.00 CNY more to unlock 每满300减40"]  # fmt: skip


def test_buy_two_get_one_free_takes_the_cheapest_units_in_multiples() -> None:
    cart = [item("A", 2, "30.00"), item("B", 3, "10.00"), item("C", 2, "20.00")]
    result = price_cart(cart, [promo("b2g1", "buy_x_get_y", {"buy": 2, "get": 1})], context())
    # 7 units make 2 sets: the 2 cheapest units (both B at 10.00) are free
    assert _discounts(result) == {"A": "0.00 CNY", "B": "20.00 CNY", "C": "0.00 CNY"}
    half = price_cart(
        cart[:1], [promo("b1h", "buy_x_get_y", {"buy": 1, "get": 1, "percent": "50"})], context()
    )
    assert str(half.discount) == "15.00 CNY"


def test_a_bundle_price_applies_to_each_complete_set() -> None:
    cart = [item("PHONE", 2, "100.00"), item("CASE", 1, "20.00")]
    bundle = promo(
        "set", "bundle_price", {"items": {"PHONE": 1, "CASE": 1}, "price": cash("99.00")}
    )
    result = price_cart(cart, [bundle], context())
    assert (
        str(result.discount) == "21.00 CNY"
    )  # one set: 120.00 for 99.00; the second phone pays full
    assert price_cart(cart[:1], [bundle], context()).rejected[0].reason == "bundle_incomplete"


def test_shipping_benefits_and_the_fee_table() -> None:
    table = ShippingTable(
        (
            ShippingRate({"CN"}, cny("10"), 1000, cny("5"), 1000, cny("199")),
            ShippingRate({"CN-XZ"}, cny("30"), 1000, cny("20"), 1000),
            ShippingRate({"*"}, cny("80")),
        )
    )
    policy = PricingPolicy(shipping=table)
    heavy = [item("RICE", 1, "50.00", weight_grams=2500)]
    assert (
        str(price_cart(heavy, [], context(), policy=policy).shipping) == "20.00 CNY"
    )  # 10 + 2 x 5
    assert (
        str(price_cart(heavy, [], context(region="CN-XZ"), policy=policy).shipping) == "70.00 CNY"
    )
    assert (
        str(price_cart(heavy, [], context(region="US-CA"), policy=policy).shipping) == "80.00 CNY"
    )
    assert (
        str(price_cart([item("TV", 1, "199.00")], [], context(), policy=policy).shipping)
        == "0.00 CNY"
    )
    free = price_cart(heavy, [promo("fs", "free_shipping")], context(), policy=policy)
    assert str(free.shipping) == "0.00 CNY" and str(free.total) == "50.00 CNY"
    assert [(a.source_id, str(a.amount)) for a in free.shipping_adjustments] == [
        ("fs", "20.00 CNY")
    ]
    part = price_cart(
        heavy, [promo("so", "shipping_off", {"amount": cash("8")})], context(), policy=policy
    )
    assert str(part.shipping) == "12.00 CNY"


def test_points_are_redeemed_with_a_cap_and_earned_by_tier_and_promotion() -> None:
    from ecommerce_core.domain.pricing import PointsPolicy

    points = PointsPolicy(cny("0.01"), Decimal(20), tier_multipliers={"gold": Decimal(2)})
    policy = PricingPolicy(points=points)
    cart = [item("A", 1, "100.00"), item("B", 1, "50.00")]
    result = price_cart(cart, [promo("x3", "points_multiplier", {"multiplier": "3"})], context(tier="gold", points_balance=99999), policy=policy, redeem_points=5000)  # fmt: skip
    # at most 20 % of 150.00 = 30.00 = 3000 points
    assert result.points_redeemed == 3000 and str(result.discount) == "30.00 CNY"
    (paid_with_points,) = result.adjustments
    assert [(sku, str(m)) for sku, m in paid_with_points.allocations] == [
        ("A", "20.00 CNY"),
        ("B", "10.00 CNY"),
    ]
    assert result.points_earned == 120 * 2 * 3
    assert (
        price_cart(
            cart, [], context(points_balance=7), policy=policy, redeem_points=5000
        ).points_redeemed
        == 7
    )


@pytest.mark.parametrize(
    ("condition", "buyer", "reason"),
    [
        (
            Condition("customer_group", {"groups": ["vip"]}),
            {"groups": {"staff"}},
            "customer_not_eligible",
        ),
        (
            Condition("member_tier", {"tiers": ["gold"]}),
            {"tier": "silver"},
            "customer_not_eligible",
        ),
        (Condition("first_order", {}), {"orders_placed": 1}, "not_first_order"),
        (Condition("channel", {"channels": ["app"]}), {"channel": "web"}, "channel_not_eligible"),
        (Condition("region", {"regions": ["CN-SH"]}), {"region": "CN-GD"}, "region_not_eligible"),
        (Condition("min_quantity", {"quantity": 3}), {}, "min_quantity_not_met"),
        (
            Condition("time_window", {"starts_at": (NOW + timedelta(hours=1)).isoformat()}),
            {},
            "not_started",
        ),
        (Condition("time_window", {"ends_at": NOW.isoformat()}), {}, "expired"),
        (Condition("time_window", {"hours": [20, 22]}), {}, "not_now"),
        (
            Condition.all(spend("1"), Condition("first_order", {})),
            {"orders_placed": 2},
            "not_first_order",
        ),
        (
            Condition.any(Condition("member_tier", {"tiers": ["gold"]}), spend("999")),
            {},
            "min_spend_not_met",
        ),
        (Condition("not", {}, (Condition("always", {}),)), {}, "condition_not_met"),
    ],
)
def test_a_condition_that_fails_gives_its_reason(
    condition: Condition, buyer: dict, reason: str
) -> None:  # type: ignore[type-arg]
    rule = promo("r", "percent_off", {"percent": "10"}, condition=condition)
    result = price_cart([item("A", 2, "10.00")], [rule], context(**buyer))
    assert [r.reason for r in result.rejected] == [reason]


def test_conditions_that_hold_let_the_benefit_apply() -> None:
    condition = Condition.all(
        Condition("customer_group", {"groups": ["vip"]}),
        Condition("member_tier", {"tiers": ["gold"]}),
        Condition("first_order", {}),
        Condition("channel", {"channels": ["app"]}),
        Condition("region", {"regions": ["CN"]}),
        Condition("min_quantity", {"quantity": 2, "scope": {"category_ids": ["tech"]}}),
        Condition("time_window", {"weekdays": [NOW.weekday()], "hours": [NOW.hour, NOW.hour + 1]}),
    )
    rule = promo(
        "r", "percent_off", {"percent": "10"}, condition=condition, scope=Scope(skus={"CASE"})
    )
    cart = [item("PHONE", 2, "100.00", "tech"), item("CASE", 1, "10.00", "accessories")]
    result = price_cart(cart, [rule], context(groups={"vip"}, tier="gold", channel="app"))
    assert str(result.discount) == "1.00 CNY"


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("percent_off", {"percent": "101"}),
        ("percent_off", {"percent": 1.5}),
        ("percent_off", {"percent": "5", "per": "unit"}),
        ("amount_off_order", {"amount": {"amount": -1, "currency": "CNY"}}),
        ("amount_off_order", {"amount": "10"}),
        ("amount_off_order", {"amount": cash("1"), "every": cash("0")}),
        ("buy_x_get_y", {"buy": 0, "get": 1}),
        ("bundle_price", {"items": {}, "price": cash("1")}),
        ("gift", {"sku": "not a sku"}),
        ("shipping_off", {}),
        ("points_multiplier", {"multiplier": "0.5"}),
        ("no_such_kind", {}),
    ],
)
def test_a_rule_with_bad_parameters_is_refused_when_it_is_compiled(kind: str, params: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidInput):
        PromotionIndex.build([promo("bad", kind, params)], default_registry())


def test_plugins_add_condition_and_benefit_kinds_to_a_registry() -> None:
    registry = default_registry()

    def weekend_only(params):  # type: ignore[no-untyped-def]
        def check(view: RuleView) -> Verdict | None:
            return None if view.context.now.weekday() >= 5 else Verdict("not_weekend")

        return check

    def round_down(params):  # type: ignore[no-untyped-def]
        unit = int(params["to"])

        def give(view: RuleView) -> Effect:
            return Effect(order=view.amount % unit)

        return give

    registry.add_condition("weekend", weekend_only)
    registry.add_benefit("round_down", round_down, "order")
    rule = promo("r", "round_down", {"to": 100}, condition=Condition("weekend", {}))
    result = price_cart([item("A", 1, "10.37")], [rule], context(), registry=registry)
    assert [r.reason for r in result.rejected] == (["not_weekend"] if NOW.weekday() < 5 else [])
    always = promo("r", "round_down", {"to": 100})
    assert (
        str(price_cart([item("A", 1, "10.37")], [always], context(), registry=registry).total)
        == "10.00 CNY"
    )
    with pytest.raises(InvalidInput):
        registry.add_benefit("round_down", round_down, "order")
    with pytest.raises(InvalidInput):
        registry.add_benefit("other", round_down, "someday")


def test_the_index_finds_only_the_promotions_that_could_apply() -> None:
    registry = default_registry()
    unrelated = [promo(f"x{i}", "percent_off", {"percent": "5"}, scope=Scope(skus={f"OTHER-{i}"})) for i in range(1000)]  # fmt: skip
    related = [
        promo("by-sku", "percent_off", {"percent": "5"}, scope=Scope(skus={"A"})),
        promo("by-parent", "percent_off", {"percent": "5"}, scope=Scope(category_ids={"tech"})),
        promo("by-brand", "percent_off", {"percent": "5"}, scope=Scope(brands={"Acme"})),
        promo("everything", "percent_off", {"percent": "5"}),
    ]
    index = PromotionIndex.build([*unrelated, *related], registry)
    facts = ItemFacts("A", "prd-1", frozenset({"tech", "phones"}), "Acme")
    found = index.candidates([item_keys(facts)])
    assert sorted(rule.id for rule in found) == ["by-brand", "by-parent", "by-sku", "everything"]


def test_a_benefit_is_data_that_round_trips() -> None:
    benefit = Benefit("amount_off_order", {"amount": cash("40"), "every": cash("300")})
    assert Benefit.from_data(benefit.to_data()) == benefit
    condition = Condition.any(spend("100"), Condition("first_order", {}))
    assert Condition.from_data(condition.to_data()) == condition
    scope = Scope(category_ids={"tech"}, exclude_skus={"A"}, exclude_on_sale=True)
    assert Scope.from_data(scope.to_data()) == scope


def test_kinds_offered_through_the_plugin_registry_join_the_built_in_ones() -> None:
    from ecommerce_core.domain.errors import PluginError
    from ecommerce_core.plugins import Registry, pricing_rules

    def vip_only(params):  # type: ignore[no-untyped-def]
        return lambda view: None if "vip" in view.context.buyer.groups else Verdict("not_vip")

    def ten_off(params):  # type: ignore[no-untyped-def]
        return lambda view: Effect(order=min(1000, view.amount))

    registry = Registry(current_plugin="ecommerce-vip")
    registry.add_pricing_condition("vip", vip_only, description="VIP customers only")
    registry.add_pricing_benefit("ten_off", ten_off, stage="order")
    rules = pricing_rules(registry)
    assert {"vip", "min_subtotal"} <= set(rules.conditions)
    assert rules.benefits["ten_off"].stage == "order"
    rule = promo("r", "ten_off", condition=Condition("vip", {}))
    cart = [item("A", 1, "50.00")]
    assert (
        str(price_cart(cart, [rule], context(groups={"vip"}), registry=rules).total) == "40.00 CNY"
    )
    assert [r.reason for r in price_cart(cart, [rule], context(), registry=rules).rejected] == [
        "not_vip"
    ]
    clashing = Registry(current_plugin="ecommerce-bad")
    clashing.add_pricing_condition("min_subtotal", vip_only)
    with pytest.raises(PluginError):
        pricing_rules(clashing)
    with pytest.raises(PluginError):
        clashing.add_pricing_benefit("late", ten_off, stage="someday")
