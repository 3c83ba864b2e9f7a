"""Tax: classes and regional rates, added to prices (exclusive) or contained in them (inclusive).

Tax is computed per line on what the line finally costs, and on the shipping fee, each rounded
half up to a minor unit. Inclusive: the tax is taken out of the gross so that net + tax == gross
exactly (China VAT-style); exclusive: it is added on top.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.pricing import params as p

__all__ = [
    "TAX_FALLBACKS",
    "TaxAnswer",
    "TaxCalculator",
    "TaxLine",
    "TaxPolicy",
    "TaxQuery",
    "TaxRate",
    "tax_of",
]

#: What a pricing does when the tax calculator fails: ``table`` prices with the built-in rates
#: (and says so in ``PriceBreakdown.tax_source``); ``refuse`` raises ``TaxUnavailable``.
TAX_FALLBACKS = ("table", "refuse")


def _rate(value: object) -> Decimal:
    return p.percent({"percent": value})


def _region(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("a tax region is '*', a country such as 'CN' or 'CN-GD'", field="region")
    return value.strip().upper()


def _class(value: object) -> str:
    return v.identifier(value, "tax_class")


@attrs.frozen
class TaxRate:
    """``percent`` for goods of ``tax_class`` shipped to ``region`` ('*' anywhere, 'CN', 'US-CA')."""

    tax_class: str = attrs.field(converter=_class)
    region: str = attrs.field(converter=_region)
    percent: Decimal = attrs.field(converter=_rate)


@attrs.frozen
class TaxLine:
    """One line as a tax service sees it: what it finally costs (``amount``, minor units)."""

    sku: str
    tax_class: str
    quantity: int
    amount: int


@attrs.frozen
class TaxQuery:
    """What a tax calculator is asked: the lines, the shipping fee, where it goes."""

    currency: str
    region: str
    inclusive: bool
    lines: tuple[TaxLine, ...]
    shipping: int
    shipping_class: str
    customer_id: str | None = None


@attrs.frozen
class TaxAnswer:
    """The tax of each line, in the query's order, and of the shipping fee (minor units)."""

    lines: tuple[int, ...]
    shipping: int = 0


class TaxCalculator(Protocol):
    """An external tax service (Avalara, TaxJar-style) that replaces the built-in rates.

    ``name`` appears in ``PriceBreakdown.tax_source``. ``calculate`` may raise anything when the
    service fails; the shop's fallback policy decides what happens then."""

    name: str

    def calculate(self, query: TaxQuery) -> TaxAnswer: ...


def _fallback(value: object) -> str:
    if value not in TAX_FALLBACKS:
        raise InvalidInput("the tax fallback is 'table' or 'refuse'", field="fallback")
    return str(value)


@attrs.frozen
class TaxPolicy:
    """The shop's tax rates; no rates at all means no tax. A ``calculator`` (from a plugin:
    ``ShopSettings.tax_calculator``) replaces the rates; ``fallback`` says what happens when it
    fails: ``table`` (the default) prices with the rates, ``refuse`` refuses the pricing."""

    inclusive: bool = False
    rates: tuple[TaxRate, ...] = attrs.field(default=(), converter=tuple)
    shipping_class: str = "shipping"
    calculator: TaxCalculator | None = attrs.field(default=None, eq=False, repr=False)
    fallback: str = attrs.field(default="table", converter=_fallback)

    def rate_for(self, tax_class: str, region: str) -> Decimal:
        """The most specific rate: the exact subdivision, then the country, then '*'; else 0."""
        country = region.split("-")[0] if region else ""
        best: tuple[int, Decimal] | None = None
        for rate in self.rates:
            if rate.tax_class != tax_class:
                continue
            rank = (
                3
                if region and rate.region == region
                else 2
                if country and rate.region == country
                else 1
                if rate.region == "*"
                else 0
            )
            if rank and (best is None or rank > best[0]):
                best = (rank, rate.percent)
        return best[1] if best else Decimal(0)


def tax_of(amount: int, rate: Decimal, inclusive: bool) -> int:
    """The tax on ``amount`` minor units: added on top, or contained in it."""
    if not rate or amount <= 0:
        return 0
    num, den = rate.as_integer_ratio()
    if inclusive:
        # net = gross * 100 / (100 + rate), half up; tax = gross - net, so net + tax == gross
        net = (2 * amount * 100 * den + (100 * den + num)) // (2 * (100 * den + num))
        return amount - net
    return p.share(amount, (num, den * 100))
