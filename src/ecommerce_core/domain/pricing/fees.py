"""Shipping fees by weight and destination (首重/续重 tables) with free-shipping thresholds, or
from a carrier's rate quote."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.money import Money

__all__ = [
    "CarrierRates",
    "RateQuote",
    "RateRequest",
    "ShippingFees",
    "ShippingRate",
    "ShippingTable",
]


def _regions(value: object) -> frozenset[str]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidInput("regions is a list such as ['CN', 'CN-GD'] or ['*']", field="regions")
    found = frozenset(str(r).strip().upper() for r in value)
    if not found:
        raise InvalidInput("a shipping rate names at least one region", field="regions")
    return found


def _fee(value: object) -> Money:
    if not isinstance(value, Money) or value.amount < 0:
        raise InvalidInput("a fee is Money of at least zero", field="fee")
    return value


def _grams(value: object) -> int:
    return v.non_negative(value, "first_grams")


def _step(value: object) -> int:
    return v.quantity(value, "step_grams")


@attrs.frozen
class ShippingRate:
    """``first_fee`` for the first ``first_grams``, ``step_fee`` per started ``step_grams`` more;
    free once the goods cost ``free_over`` or more (after discounts)."""

    regions: frozenset[str] = attrs.field(converter=_regions)
    first_fee: Money = attrs.field(converter=_fee)
    first_grams: int = attrs.field(default=1000, converter=_grams)
    step_fee: Money | None = None
    step_grams: int = attrs.field(default=1000, converter=_step)
    free_over: Money | None = None

    def fee(self, grams: int) -> int:
        extra = max(0, grams - self.first_grams)
        steps = -(-extra // self.step_grams)
        return self.first_fee.amount + steps * (self.step_fee.amount if self.step_fee else 0)


@attrs.frozen
class ShippingTable:
    """Rates by destination: the exact subdivision beats the country, which beats '*'.
    An empty table charges nothing (a shop that prices shipping elsewhere)."""

    rates: tuple[ShippingRate, ...] = attrs.field(default=(), converter=tuple)

    def rate_for(self, region: str) -> ShippingRate | None:
        country = region.split("-")[0] if region else ""
        for wanted in (region, country, "*"):
            for rate in self.rates:
                if wanted and wanted in rate.regions:
                    return rate
        return None

    def fee(self, grams: int, region: str, goods: int, currency: str) -> tuple[int, str]:
        """The fee in minor units and why: ``table``, ``free_over`` or ``no_rate``."""
        rate = self.rate_for(region)
        if rate is None or rate.first_fee.currency != currency:
            return 0, "no_rate"
        if rate.free_over is not None and goods >= rate.free_over.amount:
            return 0, "free_over"
        return rate.fee(grams), "table"


class ShippingFees(Protocol):
    """Where a pricing's shipping fee comes from: the shop's table, or a carrier's quote."""

    def fee(self, grams: int, region: str, goods: int, currency: str) -> tuple[int, str]:
        """The fee in minor units and its source (``table``, ``free_over``, ``no_rate``,
        ``carrier:<name>``, ``table_fallback``)."""


@attrs.frozen
class RateRequest:
    """A parcel a carrier is asked to price: its weight and where it goes."""

    weight_grams: int
    region: str  # "CN" or "CN-GD"
    currency: str


@attrs.frozen
class RateQuote:
    """A carrier's price for a parcel (``service``: its product, such as ``standard``)."""

    amount: Money
    service: str = "standard"


def _cache() -> dict[tuple[int, str, str], int]:
    return {}


@attrs.frozen
class CarrierRates:
    """Shipping fees from a carrier's rate quote (``quote(RateRequest) -> RateQuote``) instead of
    the table; ``free_over`` keeps "free shipping over N" in front of it. When the carrier cannot
    quote (it raises, or answers in another currency), ``fallback``, the shop's table, prices
    the parcel and the source says ``table_fallback``. Quotes are remembered per (weight,
    region, currency) for the life of this object, so a pricing that runs the cart several times
    (exclusive rules, the best coupons) asks once."""

    carrier: str
    quote: Callable[[RateRequest], RateQuote] = attrs.field(eq=False, repr=False)
    fallback: ShippingTable = attrs.field(factory=ShippingTable)
    free_over: Money | None = None
    max_remembered: int = 1024
    _seen: dict[tuple[int, str, str], int] = attrs.field(
        factory=_cache, init=False, eq=False, repr=False
    )

    def fee(self, grams: int, region: str, goods: int, currency: str) -> tuple[int, str]:
        if (
            self.free_over is not None
            and self.free_over.currency == currency
            and goods >= self.free_over.amount
        ):
            return 0, "free_over"
        key = (grams, region, currency)
        if key in self._seen:
            return self._seen[key], f"carrier:{self.carrier}"
        try:
            answer = self.quote(RateRequest(grams, region, currency))
            if not isinstance(answer, RateQuote) or answer.amount.currency != currency:
                raise ValueError("the carrier quoted in another currency")
            if answer.amount.amount < 0:
                raise ValueError("the carrier quoted a negative fee")
        except Exception:  # a carrier's failure of any kind: the table prices the parcel
            fee, _ = self.fallback.fee(grams, region, goods, currency)
            return fee, "table_fallback"
        if len(self._seen) >= self.max_remembered:
            self._seen.clear()
        self._seen[key] = answer.amount.amount
        return answer.amount.amount, f"carrier:{self.carrier}"
