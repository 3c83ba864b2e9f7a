"""The pricing engine's promises, for any cart, rules, coupons and policy, in currencies with 0, 2
and 3 decimals: exact totals, nothing below zero, exact allocations, order does not matter."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecommerce_core.domain.money import Money
from ecommerce_core.domain.pricing import (
    AppliedCode,
    Benefit,
    Buyer,
    PriceableItem,
    PriceBreakdown,
    PricingContext,
    PricingPolicy,
    Promotion,
    best_coupons,
    price_cart,
)
from tests.strategies import coupon_codes, pricing_items, pricing_policies, rule_promotions

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
CURRENCIES = pytest.mark.parametrize("currency", ["JPY", "CNY", "KWD"])
STOCK = {f"SKU-{i}": i % 4 for i in range(12)}  # SKU-0, -4 and -8 are out of stock
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _context(currency: str, points: int = 0) -> PricingContext:
    return PricingContext(NOW, currency, Buyer("cus_1", points_balance=points), region="CN-GD")


def _price(
    items: list[PriceableItem],
    promos: list[Promotion],
    codes: list[AppliedCode],
    policy: PricingPolicy,
    currency: str,
    points: int = 0,
) -> PriceBreakdown:
    return price_cart(
        items, promos, _context(currency, points), coupons=codes, policy=policy,
        stock=STOCK, redeem_points=points,
    )  # fmt: skip


def _check_exact(result: PriceBreakdown) -> None:
    zero = Money.zero(result.currency)
    assert result.total == result.subtotal - result.discount + result.shipping + result.tax
    assert result.subtotal == sum((line.subtotal for line in result.lines), zero)
    assert result.discount == sum((line.discount for line in result.lines), zero)
    for line in result.lines:
        assert line.subtotal == line.unit_price * line.quantity
        assert line.total == line.subtotal - line.discount
        assert line.discount == sum((a.amount for a in line.adjustments), zero)
    for adjustment in result.adjustments:
        assert adjustment.amount == sum((m for _, m in adjustment.allocations), zero)
        for sku, share in adjustment.allocations:
            shares = [
                a.amount
                for a in result.line(sku).adjustments
                if a.source_id == adjustment.source_id
            ]
            assert share in shares
    assert result.shipping == result.shipping_fee - sum(
        (a.amount for a in result.shipping_adjustments), zero
    )
    taxes = sum((line.tax for line in result.lines), zero)
    if result.tax_inclusive:
        assert result.tax.is_zero
        assert taxes <= result.included_tax  # the rest is the shipping's tax
    else:
        assert result.included_tax.is_zero
        assert taxes <= result.tax


@CURRENCIES
@SETTINGS
@given(data=st.data())
def test_the_total_is_lines_minus_discounts_plus_shipping_plus_tax_exactly(
    currency: str, data: st.DataObject
) -> None:
    items = data.draw(pricing_items(currency))
    promos = data.draw(rule_promotions(currency))
    codes = data.draw(coupon_codes(currency))
    policy = data.draw(pricing_policies(currency))
    points = data.draw(st.integers(0, 10**5))
    _check_exact(_price(items, promos, codes, policy, currency, points))


@CURRENCIES
@SETTINGS
@given(data=st.data())
def test_nothing_goes_below_zero(currency: str, data: st.DataObject) -> None:
    items = data.draw(pricing_items(currency))
    result = _price(items, data.draw(rule_promotions(currency)), data.draw(coupon_codes(currency)), data.draw(pricing_policies(currency)), currency, data.draw(st.integers(0, 10**5)))  # fmt: skip
    for line in result.lines:
        assert 0 <= line.discount.amount <= line.subtotal.amount
        assert line.total.amount >= 0
        assert line.tax is not None and line.tax.amount >= 0
        assert all(a.amount.amount > 0 for a in line.adjustments)
    assert 0 <= result.shipping.amount <= result.shipping_fee.amount  # type: ignore[union-attr]
    assert result.total.amount >= 0
    assert result.discount <= result.subtotal


@CURRENCIES
@SETTINGS
@given(data=st.data())
def test_the_order_of_lines_promotions_and_codes_changes_nothing(
    currency: str, data: st.DataObject
) -> None:
    items = data.draw(pricing_items(currency))
    promos = data.draw(rule_promotions(currency))
    codes = data.draw(coupon_codes(currency))
    policy = data.draw(pricing_policies(currency))
    rnd = random.Random(data.draw(st.integers(0, 2**32)))
    shuffled = [list(items), list(promos), list(codes)]
    for part in shuffled:
        rnd.shuffle(part)
    assert _price(items, promos, codes, policy, currency) == _price(*shuffled, policy, currency)  # type: ignore[arg-type]


@CURRENCIES
@SETTINGS
@given(data=st.data())
def test_a_zero_percent_rule_is_the_identity_and_a_hundred_percent_rule_is_exactly_zero(
    currency: str, data: st.DataObject
) -> None:
    items = data.draw(pricing_items(currency))
    context = _context(currency)
    plain = price_cart(items, [], context)
    zero = price_cart(
        items, [Promotion("zero", "0 %", benefit=Benefit("percent_off", {"percent": "0"}))], context
    )
    free = price_cart(
        items,
        [Promotion("free", "100 %", benefit=Benefit("percent_off", {"percent": "100"}))],
        context,
    )
    assert zero.total == plain.total == plain.subtotal
    assert all(not line.adjustments for line in zero.lines)
    assert [r.reason for r in zero.rejected] == ["no_discount"]
    assert free.total.is_zero and free.discount == free.subtotal
    order = price_cart(items, [Promotion("all", "100 % of the order", benefit=Benefit("percent_off", {"percent": "100", "per": "order"}))], context)  # fmt: skip
    assert order.total.is_zero


@CURRENCIES
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_best_combination_is_never_worse_than_any_single_legal_coupon(
    currency: str, data: st.DataObject
) -> None:
    items = data.draw(pricing_items(currency))
    promos = data.draw(rule_promotions(currency, max_size=3))
    held = data.draw(coupon_codes(currency))
    policy = data.draw(pricing_policies(currency))
    context = _context(currency)
    choice = best_coupons(items, promos, context, held, policy=policy)
    _check_exact(choice.breakdown)
    assert choice.breakdown.coupons == choice.codes
    assert choice.breakdown.total <= price_cart(items, promos, context, policy=policy).total
    for code in held:
        alone = price_cart(items, promos, context, coupons=[code], policy=policy)
        if code.code in alone.coupons:
            assert choice.breakdown.total <= alone.total, code.code
    assert len(choice.codes) <= policy.max_coupons


@CURRENCIES
@SETTINGS
@given(data=st.data())
def test_refunding_every_line_returns_exactly_the_goods_paid(
    currency: str, data: st.DataObject
) -> None:
    items = data.draw(pricing_items(currency))
    result = _price(items, data.draw(rule_promotions(currency)), data.draw(coupon_codes(currency)), data.draw(pricing_policies(currency)), currency)  # fmt: skip
    zero = Money.zero(currency)
    refunds = sum((line.total for line in result.lines), zero)
    assert refunds == result.subtotal - result.discount
    # a refund of one line is its total: its share of every order-level discount is inside it
    for line in result.lines:
        shares = sum(
            (m for a in result.adjustments for sku, m in a.allocations if sku == line.sku), zero
        )
        item_level = sum((a.amount for a in line.adjustments if a.kind not in ("amount_off_order",) and a.source != "points"), zero)  # fmt: skip
        assert shares <= line.discount
        assert item_level <= line.discount
