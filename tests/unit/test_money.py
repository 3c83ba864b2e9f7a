"""Money: integer minor units per ISO 4217 exponent, no floats, no mixed currencies, exact splits."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecommerce_core.domain.errors import CurrencyMismatch, InvalidMoney, UnknownCurrency
from ecommerce_core.domain.money import (
    CURRENCY_EXPONENTS,
    Money,
    allocate,
    exponent_of,
    percentage,
)
from tests.strategies import currencies, decimal_text, money, percents, weights

NOT_NUMBERS = [
    1.5,
    0.1,
    float("nan"),
    float("inf"),
    float("-inf"),
    True,
    False,
]


# -- refusing what is not money --------------------------------------------------------------
@pytest.mark.parametrize("value", NOT_NUMBERS, ids=repr)
def test_money_of_refuses_floats_nan_infinities_and_bools(value: object) -> None:
    with pytest.raises(InvalidMoney) as caught:
        Money.of(value, "CNY")  # type: ignore[arg-type]
    assert caught.value.code == "invalid_money"


@pytest.mark.parametrize("value", [*NOT_NUMBERS, "100", Decimal(100), None], ids=repr)
def test_the_constructor_takes_only_a_whole_int_of_minor_units(value: object) -> None:
    with pytest.raises(InvalidMoney):
        Money(value, "CNY")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text", ["NaN", "sNaN", "-NaN", "Infinity", "-Infinity", "inf", "", "  ", "1,5", "abc", "1.2.3"]
)
def test_money_of_refuses_text_that_is_not_a_finite_decimal(text: str) -> None:
    with pytest.raises(InvalidMoney):
        Money.of(text, "CNY")


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity")], ids=str)
def test_money_of_refuses_decimal_nan_and_infinity(value: Decimal) -> None:
    with pytest.raises(InvalidMoney):
        Money.of(value, "CNY")


@pytest.mark.parametrize(
    ("text", "currency"),
    [("1.5", "JPY"), ("0.1", "KRW"), ("1.001", "CNY"), ("0.005", "USD"), ("1.0001", "KWD")],
)
def test_more_decimals_than_the_currency_has_is_refused_never_rounded(
    text: str, currency: str
) -> None:
    with pytest.raises(InvalidMoney) as caught:
        Money.of(text, currency)
    assert caught.value.details["currency"] == currency


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1", "JPY", 1),
        ("1.00", "JPY", 1),  # trailing zeros are not decimals
        ("19.99", "CNY", 1999),
        ("1.001", "KWD", 1001),
        ("0.5", "KWD", 500),
        ("-3.25", "EUR", -325),
        ("1e3", "JPY", 1000),
    ],
)
def test_as_many_decimals_as_the_currency_has_are_exact(
    text: str, currency: str, minor: int
) -> None:
    assert Money.of(text, currency) == Money(minor, currency)


def test_more_significant_digits_than_decimal_precision_are_refused_not_rounded() -> None:
    # 35 significant digits: Decimal's default 28-digit context would round this to exactly 1.00
    with pytest.raises(InvalidMoney):
        Money.of("1.000000000000000000000000000000001", "CNY")


def test_an_amount_beyond_a_64_bit_column_is_refused_quickly() -> None:
    assert Money.of("92233720368547758.07", "CNY").amount == 2**63 - 1
    for text in ("92233720368547758.08", "1e999990", "1e999999999", "-1e40"):
        with pytest.raises(InvalidMoney):
            Money.of(text, "CNY")


@pytest.mark.parametrize("currency", ["XXX", "cn", "", "EURO", None, 978])
def test_an_unknown_currency_is_refused(currency: object) -> None:
    with pytest.raises(UnknownCurrency):
        Money(100, currency)  # type: ignore[arg-type]


def test_currency_codes_are_normalised() -> None:
    assert Money(1, " cny ") == Money(1, "CNY")


# -- round trips -----------------------------------------------------------------------------
@given(st.data())
def test_text_with_at_most_the_currencys_decimals_round_trips_exactly(data: st.DataObject) -> None:
    currency = data.draw(currencies)
    text = data.draw(decimal_text(exponent_of(currency)))
    parsed = Money.of(text, currency)
    assert parsed.to_decimal() == Decimal(text)
    assert Money.of(parsed.to_decimal(), currency) == parsed


@given(money())
def test_str_shows_exactly_the_currencys_decimals(m: Money) -> None:
    number, code = str(m).split(" ")
    assert code == m.currency
    decimals = len(number.partition(".")[2])
    assert decimals == exponent_of(m.currency)
    assert Money.of(number, code) == m


# -- arithmetic ------------------------------------------------------------------------------
def test_mixing_currencies_raises_currency_mismatch() -> None:
    yuan, yen = Money(100, "CNY"), Money(100, "JPY")
    for combine in (
        lambda: yuan + yen,
        lambda: yuan - yen,
        lambda: yuan < yen,
        lambda: yuan <= yen,
        lambda: yuan > yen,
        lambda: yuan >= yen,
        lambda: yuan.min(yen),
        lambda: yuan.max(yen),
    ):
        with pytest.raises(CurrencyMismatch) as caught:
            combine()
        assert caught.value.code == "currency_mismatch"


@pytest.mark.parametrize("other", [1, 1.0, Decimal(1), "1", None])
def test_money_adds_only_money(other: object) -> None:
    with pytest.raises(InvalidMoney):
        Money(100, "CNY") + other  # type: ignore[operator]


@pytest.mark.parametrize("factor", [1.5, True, Decimal(2), "2"])
def test_money_multiplies_only_by_whole_numbers(factor: object) -> None:
    with pytest.raises(InvalidMoney):
        Money(100, "CNY") * factor  # type: ignore[operator]


@given(st.data())
def test_addition_and_subtraction_are_exact_inverses(data: st.DataObject) -> None:
    currency = data.draw(currencies)
    a = data.draw(money(currency, -(10**12)))
    b = data.draw(money(currency, -(10**12)))
    assert (a + b) - b == a
    assert (a + b).amount == a.amount + b.amount
    assert -a + a == Money.zero(currency)


@given(money(min_value=-(10**12)))
def test_clamp_zero_never_goes_below_zero(m: Money) -> None:
    clamped = m.clamp_zero()
    assert clamped.amount >= 0
    assert clamped == (m if m.amount >= 0 else Money.zero(m.currency))


# -- percentages -----------------------------------------------------------------------------
@given(money())
def test_zero_percent_is_exactly_zero_and_a_hundred_percent_is_the_identity(m: Money) -> None:
    assert percentage(m, Decimal(0)) == Money.zero(m.currency)
    assert percentage(m, Decimal(100)) == m
    assert percentage(m, 100) == m


@given(money(), percents)
def test_a_percentage_lies_between_zero_and_the_amount(m: Money, percent: Decimal) -> None:
    share = percentage(m, percent)
    assert share.currency == m.currency
    assert 0 <= share.amount <= m.amount
    exact = Fraction(m.amount) * Fraction(percent) / 100
    assert abs(share.amount - exact) <= Fraction(1, 2)


def test_a_percentage_of_a_huge_amount_is_exact() -> None:
    # beyond Decimal's default 28 digits the product used to round (or raise InvalidOperation)
    huge = Money(10**30 + 1, "CNY")
    assert percentage(huge, Decimal(100)) == huge
    assert percentage(huge, Decimal(50)).amount * 2 == huge.amount + 1  # half up


@pytest.mark.parametrize("percent", [0.5, True, Decimal("NaN"), Decimal("Infinity"), "10"])
def test_a_percentage_refuses_floats_bools_and_non_finite_rates(percent: object) -> None:
    with pytest.raises(InvalidMoney):
        percentage(Money(100, "CNY"), percent)  # type: ignore[arg-type]


# -- allocation ------------------------------------------------------------------------------
def _exact_shares(total: Money, ws: list[int]) -> list[Fraction]:
    basis = ws if sum(ws) > 0 else [1] * len(ws)
    return [Fraction(total.amount * w, sum(basis)) for w in basis]


@given(money(min_value=-(10**12)), weights)
def test_allocated_parts_always_sum_to_the_whole(total: Money, ws: list[int]) -> None:
    parts = allocate(total, ws)
    assert len(parts) == len(ws)
    assert sum(p.amount for p in parts) == total.amount
    assert {p.currency for p in parts} == {total.currency}


@given(money(min_value=-(10**12)), weights)
def test_each_part_is_within_one_minor_unit_of_its_exact_share(total: Money, ws: list[int]) -> None:
    for part, exact in zip(allocate(total, ws), _exact_shares(total, ws), strict=True):
        assert abs(part.amount - exact) < 1


@given(money(), weights, st.randoms(use_true_random=False))
def test_permuting_the_inputs_with_their_keys_permutes_the_outputs_only(
    total: Money, ws: list[int], rnd: object
) -> None:
    keys = [f"line-{i:02d}" for i in range(len(ws))]
    before = dict(zip(keys, allocate(total, ws, keys), strict=True))
    order = list(range(len(ws)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    shuffled = allocate(total, [ws[i] for i in order], [keys[i] for i in order])
    assert dict(zip([keys[i] for i in order], shuffled, strict=True)) == before


@given(money(), weights)
def test_a_non_negative_total_gives_no_negative_part(total: Money, ws: list[int]) -> None:
    assert all(p.amount >= 0 for p in allocate(total, ws))


def test_a_cent_split_three_ways_goes_to_the_smallest_key() -> None:
    parts = allocate(Money(100, "CNY"), [1, 1, 1], keys=["c", "a", "b"])
    assert [p.amount for p in parts] == [33, 34, 33]


def test_all_zero_weights_split_evenly() -> None:
    assert [p.amount for p in allocate(Money(10, "JPY"), [0, 0, 0])] == [4, 3, 3]


@pytest.mark.parametrize(
    ("ws", "keys"),
    [([], None), ([1, -1], None), ([1, True], None), ([1, 1.5], None), ([1, 2], ["only-one"])],
)
def test_allocation_refuses_bad_weights_and_keys(ws: list[object], keys: object) -> None:
    with pytest.raises(InvalidMoney):
        allocate(Money(100, "CNY"), ws, keys)  # type: ignore[arg-type]


def test_every_known_currency_has_exponent_zero_two_or_three() -> None:
    assert set(CURRENCY_EXPONENTS.values()) == {0, 2, 3}
    assert (exponent_of("JPY"), exponent_of("CNY"), exponent_of("KWD")) == (0, 2, 3)
