"""Exact money: an integer count of a currency's minor units, and the splitting of it.

Floats, NaN and infinities are refused; so are more decimals than the currency has, and arithmetic
across currencies. Decimal appears only for rates, with the rounding mode named at the call.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

import attrs

from ecommerce_core.domain.errors import CurrencyMismatch, InvalidMoney, UnknownCurrency

__all__ = [
    "CURRENCY_EXPONENTS",
    "ROUND_HALF_EVEN",
    "ROUND_HALF_UP",
    "Money",
    "allocate",
    "allocate_units",
    "exponent_of",
    "percentage",
]

# What a signed 64-bit column holds: larger text amounts are refused before int() (which would take
# seconds on "1e999990").
MAX_MINOR_UNITS = 2**63 - 1

# ISO 4217 minor-unit exponents of the currencies a shop is likely to take.
CURRENCY_EXPONENTS: dict[str, int] = {
    "AED": 2, "AUD": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2, "CLP": 0, "CNY": 2, "CZK": 2,
    "DKK": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "IQD": 3,
    "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "LYD": 3, "MOP": 2, "MXN": 2, "MYR": 2,
    "NOK": 2, "NZD": 2, "OMR": 3, "PHP": 2, "PLN": 2, "RUB": 2, "SAR": 2, "SEK": 2, "SGD": 2,
    "THB": 2, "TND": 3, "TRY": 2, "TWD": 2, "UGX": 0, "USD": 2, "VND": 0, "XAF": 0, "XOF": 0,
    "ZAR": 2,
}  # fmt: skip


def exponent_of(currency: str) -> int:
    """The number of decimals of ``currency`` (2 for CNY, 0 for JPY, 3 for KWD)."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise UnknownCurrency(
            f"{currency!r} is not a currency this shop knows", currency=currency
        ) from None


def _currency(value: object) -> str:
    if not isinstance(value, str):
        raise UnknownCurrency("a currency is a three-letter ISO 4217 code", currency=repr(value))
    code = value.strip().upper()
    exponent_of(code)
    return code


def _minor_units(value: object) -> int:
    # bool is an int subclass; True is not a price.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidMoney(
            "an amount is a whole number of minor units (use Money.of for decimal text)",
            value=repr(value),
        )
    return value


@attrs.frozen(order=False)
class Money:
    """``amount`` minor units of ``currency``: ``Money(1999, "CNY")`` is ¥19.99."""

    amount: int = attrs.field(converter=_minor_units)
    currency: str = attrs.field(converter=_currency)

    @classmethod
    def of(cls, value: str | Decimal | int, currency: str) -> Money:
        """Money from major units given as text, Decimal or int: ``Money.of("19.99", "CNY")``.

        :raises InvalidMoney: a float, NaN, infinity, or more decimals than the currency has.
        """
        code = _currency(currency)
        if isinstance(value, bool | float):
            raise InvalidMoney("floats are never money; pass text or Decimal", value=repr(value))
        try:
            number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
        except (InvalidOperation, TypeError, ValueError):
            raise InvalidMoney("not a decimal amount", value=repr(value)) from None
        if not number.is_finite():
            raise InvalidMoney("an amount must be finite", value=repr(value))
        if number and number.adjusted() + exponent_of(code) > 19:
            raise InvalidMoney("that amount is too large", value=str(value)[:40])
        # enough precision for every digit given: the default 28 would round, silently
        with localcontext() as ctx:
            ctx.prec = max(ctx.prec, len(number.as_tuple().digits) + 4)
            scaled = number.scaleb(exponent_of(code))
        if scaled != scaled.to_integral_value():
            raise InvalidMoney(
                f"{code} has {exponent_of(code)} decimals; {value} has more",
                value=str(value),
                currency=code,
            )
        if abs(int(scaled)) > MAX_MINOR_UNITS:
            raise InvalidMoney("that amount is too large", value=str(value)[:40])
        return cls(int(scaled), code)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    # -- arithmetic -------------------------------------------------------------------------
    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise InvalidMoney("money combines only with money", value=repr(other))
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"cannot combine {self.currency} with {other.currency}",
                left=self.currency,
                right=other.currency,
            )
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int):
            raise InvalidMoney("money multiplies only by whole numbers", value=repr(factor))
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    def __bool__(self) -> bool:
        return self.amount != 0

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    def min(self, other: Money) -> Money:
        return self if self <= other else other

    def max(self, other: Money) -> Money:
        return self if self >= other else other

    def clamp_zero(self) -> Money:
        """This amount, or zero when it is negative: discounts never push a price below zero."""
        return self if self.amount >= 0 else Money(0, self.currency)

    # -- presentation -----------------------------------------------------------------------
    def to_decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-exponent_of(self.currency))

    def __str__(self) -> str:
        exponent = exponent_of(self.currency)
        return f"{self.to_decimal():.{exponent}f} {self.currency}"

    def __repr__(self) -> str:
        return f"Money({self.amount}, {self.currency!r})"

    def to_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "currency": self.currency}


def percentage(money: Money, percent: Decimal, rounding: str = ROUND_HALF_UP) -> Money:
    """``percent`` % of ``money``, rounded to a minor unit with ``rounding``.

    0 % gives exactly zero and 100 % gives exactly ``money``.
    """
    if isinstance(percent, bool | float) or not isinstance(percent, Decimal | int):
        raise InvalidMoney("a percentage is a Decimal, never a float", value=repr(percent))
    rate = Decimal(percent)
    if not rate.is_finite():
        raise InvalidMoney("a percentage must be finite", value=repr(percent))
    with localcontext() as ctx:  # exact product: the default 28 digits would round large amounts
        ctx.prec = (
            len(str(abs(money.amount))) + len(rate.as_tuple().digits) + max(0, rate.adjusted()) + 4
        )
        exact = Decimal(money.amount) * rate / Decimal(100)
        share = exact.quantize(Decimal(1), rounding=rounding)
    return Money(int(share), money.currency)


def allocate(
    total: Money, weights: Sequence[int], keys: Sequence[Any] | None = None
) -> list[Money]:
    """Split ``total`` in proportion to ``weights`` so that the parts sum to it exactly.

    Largest remainder: each part is the floor of its exact share, and the units left over go to
    the largest fractional remainders, ties broken by ``keys`` (default: position). With keys,
    reordering the inputs reorders the outputs and changes nothing else. All-zero weights split
    evenly. Each part is within one minor unit of its exact share.
    """
    if not isinstance(total, Money):
        raise InvalidMoney("only money is allocated", value=repr(total))
    return [Money(p, total.currency) for p in allocate_units(total.amount, weights, keys)]


def allocate_units(
    units: int, weights: Sequence[int], keys: Sequence[Any] | None = None
) -> list[int]:
    """:func:`allocate` on a whole number of minor units, for callers that hold integers."""
    if not weights:
        raise InvalidMoney("cannot allocate over no parts")
    whole = 0
    for w in weights:
        if type(w) is not int or w < 0:  # bool is an int subclass, and no weight
            raise InvalidMoney("allocation weights are non-negative whole numbers")
        whole += w
    tie_keys: Sequence[Any] = range(len(weights)) if keys is None else keys
    if len(tie_keys) != len(weights):
        raise InvalidMoney("one key per weight")
    ws = weights
    if whole == 0:
        ws, whole = [1] * len(weights), len(weights)
    sign = -1 if units < 0 else 1
    size = abs(units)
    parts = [size * w // whole for w in ws]
    remainders = [size * w % whole for w in ws]
    left = size - sum(parts)
    if left:
        order = sorted(range(len(ws)), key=lambda i: (-remainders[i], tie_keys[i]))
        for i in order[:left]:
            parts[i] += 1
    return parts if sign == 1 else [-p for p in parts]
