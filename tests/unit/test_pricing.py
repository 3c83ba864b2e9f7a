"""Pricing: a pure function whose totals add up exactly and never go below zero."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecommerce_core.domain.errors import CurrencyMismatch, InvalidInput
from ecommerce_core.domain.money import Money, percentage
from ecommerce_core.domain.pricing import PriceableItem, Promotion, price_items
from tests.strategies import priceable_items, promotion_lists

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _promo(id: str, percent: str | int, **kwargs: object) -> Promotion:
    return Promotion(id=id, name=f"promo {id}", percent=percent, **kwargs)  # type: ignore[arg-type]


def _item(sku: str, quantity: int, price: int, *categories: str) -> PriceableItem:
    return PriceableItem(sku, quantity, Money(price, "CNY"), frozenset(categories))


@given(priceable_items(), promotion_lists())
def test_the_total_is_subtotal_minus_discount_plus_shipping_plus_tax_exactly(
    items: list[PriceableItem], promos: list[Promotion]
) -> None:
    result = price_items(items, promos, NOW, "CNY")
    assert result.total == result.subtotal - result.discount + result.shipping + result.tax
    assert result.subtotal.amount == sum(line.subtotal.amount for line in result.lines)
    assert result.discount.amount == sum(line.discount.amount for line in result.lines)
    for line in result.lines:
        assert line.subtotal == line.unit_price * line.quantity
        assert line.total == line.subtotal - line.discount


@given(priceable_items(), promotion_lists())
def test_no_line_and_no_total_goes_below_zero(
    items: list[PriceableItem], promos: list[Promotion]
) -> None:
    result = price_items(items, promos, NOW, "CNY")
    for line in result.lines:
        assert 0 <= line.discount.amount <= line.subtotal.amount
        assert line.total.amount >= 0
    assert result.total.amount >= 0


@given(priceable_items(), promotion_lists(), st.randoms(use_true_random=False))
def test_the_order_of_lines_and_promotions_does_not_change_the_result(
    items: list[PriceableItem], promos: list[Promotion], rnd: object
) -> None:
    shuffled_items, shuffled_promos = list(items), list(promos)
    rnd.shuffle(shuffled_items)  # type: ignore[attr-defined]
    rnd.shuffle(shuffled_promos)  # type: ignore[attr-defined]
    assert price_items(items, promos, NOW, "CNY") == price_items(
        shuffled_items, shuffled_promos, NOW, "CNY"
    )


@given(priceable_items())
def test_a_zero_percent_promotion_changes_nothing(items: list[PriceableItem]) -> None:
    plain = price_items(items, [], NOW, "CNY")
    result = price_items(items, [_promo("zero", 0)], NOW, "CNY")
    assert result.total == plain.total == plain.subtotal
    assert all(not line.adjustments for line in result.lines)


@given(priceable_items())
def test_a_hundred_percent_promotion_makes_everything_free(items: list[PriceableItem]) -> None:
    result = price_items(items, [_promo("free", 100)], NOW, "CNY")
    assert result.total == Money.zero("CNY")
    assert result.discount == result.subtotal
    assert all(line.total.is_zero for line in result.lines)


@given(priceable_items(), promotion_lists(1, 5))
def test_each_line_takes_the_single_best_promotion_that_covers_it(
    items: list[PriceableItem], promos: list[Promotion]
) -> None:
    result = price_items(items, promos, NOW, "CNY")
    by_sku = {item.sku: item for item in items}
    for line in result.lines:
        covering = [p for p in promos if p.covers(line.sku, by_sku[line.sku].category_ids)]
        best = max((percentage(line.subtotal, p.percent) for p in covering), default=None)
        assert len(line.adjustments) <= 1  # never two promotions on one unit
        assert line.discount == (best or Money.zero("CNY"))
        if line.adjustments:
            (adjustment,) = line.adjustments
            assert adjustment.source == "promotion"
            assert adjustment.amount == line.discount
            chosen = next(p for p in promos if p.id == adjustment.source_id)
            assert chosen in covering


def test_equal_promotions_go_to_the_smaller_id_whatever_the_order() -> None:
    items = [_item("PX-1", 1, 1000)]
    a, b = _promo("b-promo", 10), _promo("a-promo", 10)
    for promos in ([a, b], [b, a]):
        (line,) = price_items(items, promos, NOW, "CNY").lines
        assert line.adjustments[0].source_id == "a-promo"


def test_a_category_promotion_discounts_only_lines_in_that_category() -> None:
    items = [_item("PX-1", 2, 1000, "phones"), _item("CABLE-1", 1, 500, "cables")]
    result = price_items(items, [_promo("p", 10, category_ids={"phones"})], NOW, "CNY")
    assert result.line("PX-1").discount == Money(200, "CNY")
    assert result.line("CABLE-1").discount == Money(0, "CNY")
    assert result.total == Money(2300, "CNY")


def test_a_sku_promotion_discounts_only_that_sku() -> None:
    items = [_item("PX-1", 1, 1000), _item("PX-2", 1, 1000)]
    result = price_items(items, [_promo("p", 25, skus={"px-2"})], NOW, "CNY")
    assert (result.line("PX-1").discount.amount, result.line("PX-2").discount.amount) == (0, 250)


def test_a_promotion_is_live_from_its_start_until_just_before_its_end() -> None:
    start, end = NOW, NOW + timedelta(days=1)
    promo = _promo("window", 50, starts_at=start, ends_at=end)
    items = [_item("PX-1", 1, 1000)]
    for moment, discount in [
        (start - timedelta(seconds=1), 0),
        (start, 500),
        (end - timedelta(seconds=1), 500),
        (end, 0),
    ]:
        result = price_items(items, [promo], moment, "CNY")
        assert result.discount.amount == discount, moment
        rejected = [r.reason for r in result.rejected]
        assert rejected == ([] if discount else ["not_in_time_window"])


def test_an_inactive_promotion_never_applies_and_is_not_reported() -> None:
    promo = Promotion(id="off", name="off", percent=Decimal(50), active=False)
    result = price_items([_item("PX-1", 1, 1000)], [promo], NOW, "CNY")
    assert result.discount.is_zero
    assert result.rejected == ()


def test_a_line_priced_in_another_currency_raises_currency_mismatch() -> None:
    items = [_item("PX-1", 1, 1000), PriceableItem("PX-2", 1, Money(1000, "JPY"))]
    with pytest.raises(CurrencyMismatch):
        price_items(items, [], NOW, "CNY")


@pytest.mark.parametrize("percent", [-1, 101, "abc", 1.5, True, Decimal("NaN"), None])
def test_a_promotion_percentage_is_between_zero_and_a_hundred(percent: object) -> None:
    with pytest.raises(InvalidInput):
        _promo("p", percent)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "window",
    [
        {"starts_at": NOW, "ends_at": NOW},
        {"starts_at": NOW, "ends_at": NOW - timedelta(hours=1)},
        {"starts_at": 5},
        {"ends_at": "2026-01-01"},
        {"starts_at": datetime(2026, 1, 1)},  # naive: could not be compared with the clock
    ],
    ids=["empty", "backwards", "int", "text", "naive"],
)
def test_a_promotion_window_is_two_aware_datetimes_in_order(window: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        _promo("p", 10, **window)


@pytest.mark.parametrize("scope", [{"skus": "PX-1"}, {"category_ids": "phones"}, {"skus": ["a b"]}])
def test_a_promotion_scope_is_a_collection_of_valid_codes(scope: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        _promo("p", 10, **scope)
