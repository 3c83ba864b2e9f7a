"""Loyalty points: redeemed at checkout with a cap (积分抵扣), earned by member tier."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_FLOOR, Decimal

import attrs

from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.money import Money, exponent_of
from ecommerce_core.domain.pricing import params as p

__all__ = ["PointsPolicy"]


def _value(value: object) -> Money:
    if not isinstance(value, Money) or value.amount <= 0:
        raise InvalidInput("a point is worth a positive amount of money", field="value_per_point")
    return value


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool | float) or not isinstance(value, Decimal | int | str):
        raise InvalidInput("a rate is a Decimal or text", field="earn_rate")
    number = Decimal(value)
    if not number.is_finite() or number < 0:
        raise InvalidInput("a rate is at least zero", field="earn_rate")
    return number


def _max_percent(value: object) -> Decimal:
    return p.percent({"percent": value})


@attrs.frozen
class PointsPolicy:
    """Each point is worth ``value_per_point``; at most ``max_percent`` % of the goods may be paid
    with points (and at most ``max_points`` per order). Each whole major unit paid for goods earns
    ``earn_per_unit`` points, times the buyer's tier multiplier and any promotion's multiplier."""

    value_per_point: Money = attrs.field(converter=_value)
    max_percent: Decimal = attrs.field(default=Decimal(50), converter=_max_percent)
    max_points: int | None = None
    earn_per_unit: Decimal = attrs.field(default=Decimal(1), converter=_decimal)
    tier_multipliers: Mapping[str, Decimal] = attrs.field(factory=dict, hash=False)

    def redeemable(self, wanted: int, balance: int, goods: int) -> int:
        """How many of the ``wanted`` points may pay for ``goods`` minor units."""
        cap = p.share(goods, p.percent_ratio(self.max_percent)) // self.value_per_point.amount
        allowed = min(wanted, balance, cap)
        if self.max_points is not None:
            allowed = min(allowed, self.max_points)
        return max(0, allowed)

    def earned(self, paid: int, currency: str, tier: str, multiplier: Decimal | None) -> int:
        major = paid // 10 ** exponent_of(currency)
        factor = (
            self.earn_per_unit * Decimal(self.tier_multipliers.get(tier, 1)) * (multiplier or 1)
        )
        return int((major * factor).to_integral_value(rounding=ROUND_FLOOR))
