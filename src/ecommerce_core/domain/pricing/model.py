"""The data of pricing: promotions as data, and the breakdown that explains every adjustment."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.money import Money

__all__ = ["Adjustment", "LinePrice", "PriceBreakdown", "Promotion", "Rejection"]


def _percent(value: object) -> Decimal:
    if isinstance(value, bool | float) or not isinstance(value, Decimal | int | str):
        raise InvalidInput("a percentage is a Decimal or text such as '10'", field="percent")
    try:
        rate = Decimal(value)
    except ArithmeticError:
        raise InvalidInput("not a percentage", field="percent") from None
    if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(100):
        raise InvalidInput("a percentage is between 0 and 100", field="percent")
    return rate


def _ids(value: object) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        raise InvalidInput("scope is a collection of identifiers", field="scope")
    return frozenset(v.identifier(x, "scope") for x in value)  # type: ignore[attr-defined]


def _skus(value: object) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        raise InvalidInput("scope is a collection of SKUs", field="scope")
    return frozenset(v.sku(x) for x in value)  # type: ignore[attr-defined]


def _moment(value: object) -> datetime | None:
    # compared with the clock's aware UTC time on every pricing: anything else would break every cart
    if value is not None and (not isinstance(value, datetime) or value.utcoffset() is None):
        raise InvalidInput("a promotion's window is given as timezone-aware datetimes")
    return value


@attrs.frozen
class Promotion:
    """A percentage off the items in scope (all items when the scope is empty) within a time window.

    When several promotions apply to one line, the line takes the one that gives the most; no unit
    is discounted twice. The full engine adds further kinds through the same shape.
    """

    id: str = attrs.field(converter=v.identifier)
    name: str = attrs.field(converter=v.name)
    percent: Decimal = attrs.field(converter=_percent)
    category_ids: frozenset[str] = attrs.field(factory=frozenset, converter=_ids)
    skus: frozenset[str] = attrs.field(factory=frozenset, converter=_skus)
    starts_at: datetime | None = attrs.field(default=None, converter=_moment)
    ends_at: datetime | None = attrs.field(default=None, converter=_moment)
    active: bool = True
    kind: str = "percent_off"

    def __attrs_post_init__(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise InvalidInput("a promotion must end after it starts", field="ends_at")

    def live_at(self, now: datetime) -> bool:
        if not self.active:
            return False
        if self.starts_at is not None and now < self.starts_at:
            return False
        return self.ends_at is None or now < self.ends_at

    def covers(self, sku: str, category_ids: frozenset[str]) -> bool:
        if not self.category_ids and not self.skus:
            return True
        return sku in self.skus or bool(self.category_ids & category_ids)


@attrs.frozen
class Adjustment:
    """A change to a price, with where it came from. ``amount`` is the discount (positive)."""

    source: str
    source_id: str
    label: str
    amount: Money


@attrs.frozen
class Rejection:
    """A promotion or coupon that did not apply, and why (a stable reason code)."""

    source: str
    source_id: str
    reason: str


@attrs.frozen
class LinePrice:
    sku: str
    quantity: int
    unit_price: Money
    subtotal: Money
    adjustments: tuple[Adjustment, ...]
    discount: Money
    total: Money


@attrs.frozen
class PriceBreakdown:
    """What a cart costs and why. ``total == subtotal - discount + shipping + tax`` exactly."""

    currency: str
    lines: tuple[LinePrice, ...]
    subtotal: Money
    discount: Money
    shipping: Money
    tax: Money
    total: Money
    rejected: tuple[Rejection, ...] = ()

    def line(self, sku: str) -> LinePrice:
        return next(line for line in self.lines if line.sku == sku)
