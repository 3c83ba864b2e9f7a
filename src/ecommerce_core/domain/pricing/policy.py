"""A shop's standing pricing set-up, and the registry of built-in rule kinds."""

from __future__ import annotations

import attrs

from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.pricing.benefits import register_benefits
from ecommerce_core.domain.pricing.conditions import register_conditions
from ecommerce_core.domain.pricing.fees import ShippingFees, ShippingTable
from ecommerce_core.domain.pricing.points import PointsPolicy
from ecommerce_core.domain.pricing.prices import PriceBook
from ecommerce_core.domain.pricing.registry import RuleRegistry
from ecommerce_core.domain.pricing.tax import TaxPolicy

__all__ = ["PricingPolicy", "default_registry"]


def default_registry() -> RuleRegistry:
    """A new registry holding the built-in condition and benefit kinds."""
    registry = RuleRegistry()
    register_conditions(registry)
    register_benefits(registry)
    return registry


def _max_coupons(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 20:
        raise InvalidInput("max_coupons is a whole number from 0 to 20", field="max_coupons")
    return value


@attrs.frozen
class PricingPolicy:
    """A shop's standing pricing set-up: price lists, tax, shipping fees, points, coupon limit."""

    prices: PriceBook = attrs.field(factory=PriceBook)
    tax: TaxPolicy = attrs.field(factory=TaxPolicy)
    #: a :class:`ShippingTable`, or :class:`CarrierRates` (a carrier's quotes)
    shipping: ShippingFees = attrs.field(factory=ShippingTable)
    points: PointsPolicy | None = None
    max_coupons: int = attrs.field(default=3, converter=_max_coupons)
