"""Promotions: automatic rules (a condition, a benefit, a scope and a stacking policy) in a window.

The walking skeleton's percentage promotion is the shorthand ``Promotion(id, name, percent,
category_ids, skus)``; any other benefit is given as ``benefit=``. Exactly one of the two is set.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.pricing.rules import Benefit, Condition
from ecommerce_core.domain.pricing.scope import Scope
from ecommerce_core.domain.pricing.stacking import StackingPolicy

__all__ = ["Promotion"]


def _percent(value: object) -> Decimal | None:
    if value is None:
        return None
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
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInput("scope is a collection of identifiers", field="scope")
    return frozenset(v.identifier(x, "scope") for x in value)


def _skus(value: object) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInput("scope is a collection of SKUs", field="scope")
    return frozenset(v.sku(x) for x in value)


def moment(value: object) -> datetime | None:
    # compared with the clock's aware UTC time on every pricing: anything else would break every cart
    if value is not None and (not isinstance(value, datetime) or value.utcoffset() is None):
        raise InvalidInput("a window is given as timezone-aware datetimes")
    return value


def optional_money(value: object) -> Money | None:
    if value is not None and (not isinstance(value, Money) or value.amount < 0):
        raise InvalidInput("a cap is Money of at least zero")
    return value


def optional_count(value: object) -> int | None:
    if value is None:
        return None
    return v.non_negative(value, "limit")


def count(value: object) -> int:
    return v.non_negative(value, "count")


def _default_kind(self: Promotion) -> str:
    return self.benefit.kind if self.benefit is not None else "percent_off"


@attrs.frozen
class Promotion:
    """An automatic promotion. It applies when live, in scope and its condition holds.

    ``max_discount`` caps it per order; ``usage_limit`` (orders) and ``budget`` (total discount)
    cap it over its life, against ``used`` and ``discount_given``, which storage keeps.
    """

    id: str = attrs.field(converter=v.identifier)
    name: str = attrs.field(converter=v.name)
    percent: Decimal | None = attrs.field(default=None, converter=_percent)
    category_ids: frozenset[str] = attrs.field(factory=frozenset, converter=_ids)
    skus: frozenset[str] = attrs.field(factory=frozenset, converter=_skus)
    starts_at: datetime | None = attrs.field(default=None, converter=moment)
    ends_at: datetime | None = attrs.field(default=None, converter=moment)
    active: bool = True
    benefit: Benefit | None = None
    condition: Condition | None = None
    scope: Scope = attrs.field(factory=Scope)
    stacking: StackingPolicy = attrs.field(factory=StackingPolicy)
    max_discount: Money | None = attrs.field(default=None, converter=optional_money)
    usage_limit: int | None = attrs.field(default=None, converter=optional_count)
    budget: Money | None = attrs.field(default=None, converter=optional_money)
    used: int = attrs.field(default=0, converter=count)
    discount_given: int = attrs.field(default=0, converter=count)
    kind: str = attrs.field(default=attrs.Factory(_default_kind, takes_self=True))

    def __attrs_post_init__(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise InvalidInput("a promotion must end after it starts", field="ends_at")
        if (self.percent is None) == (self.benefit is None):
            raise InvalidInput(
                "a promotion has a percent or a benefit (exactly one)", field="benefit"
            )
        if self.kind != _default_kind(self):
            raise InvalidInput("kind is the benefit's kind", field="kind")

    @property
    def rule_benefit(self) -> Benefit:
        """The benefit, with the percent shorthand spelt out."""
        if self.benefit is not None:
            return self.benefit
        return Benefit("percent_off", {"percent": str(self.percent)})

    @property
    def target(self) -> Scope:
        """The whole scope: ``scope`` with the shorthand ``skus`` and ``category_ids`` added."""
        if not (self.skus or self.category_ids):
            return self.scope
        return self.scope.union(Scope(skus=self.skus, category_ids=self.category_ids))

    def live_at(self, now: datetime) -> bool:
        if not self.active:
            return False
        if self.starts_at is not None and now < self.starts_at:
            return False
        return self.ends_at is None or now < self.ends_at

    def covers(self, sku: str, category_ids: frozenset[str]) -> bool:
        """Whether the SKU or one of its categories is in the shorthand scope (empty covers all)."""
        if not self.category_ids and not self.skus:
            return True
        return sku in self.skus or bool(self.category_ids & category_ids)
