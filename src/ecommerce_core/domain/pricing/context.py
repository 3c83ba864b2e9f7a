"""Who is buying, where, through which channel and when: the facts a price may depend on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.money import exponent_of

__all__ = ["Buyer", "PricingContext"]


def _names(value: object) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidInput("a collection of names is expected", field="groups")
    return frozenset(v.identifier(x, "groups") for x in value)


def _moment(value: object) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidInput("pricing needs the current time as an aware datetime", field="now")
    return value


def _currency(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput("a currency is an ISO 4217 code", field="currency")
    exponent_of(value)
    return value


def _region(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput("a region is text such as 'CN' or 'CN-GD'", field="region")
    return value.strip().upper()


def _count(value: object) -> int:
    return v.non_negative(value, "count")


@attrs.frozen
class Buyer:
    """The customer as pricing sees them. Services fill it from storage, never from the request."""

    customer_id: str | None = None
    groups: frozenset[str] = attrs.field(factory=frozenset, converter=_names)
    tier: str = ""
    orders_placed: int = attrs.field(default=0, converter=_count)
    points_balance: int = attrs.field(default=0, converter=_count)
    #: ids of the contract price lists this customer buys at (from their membership)
    contracts: frozenset[str] = attrs.field(factory=frozenset, converter=_names)

    @property
    def first_order(self) -> bool:
        return self.orders_placed == 0


@attrs.frozen
class PricingContext:
    """The moment, currency, buyer, sales channel and destination region of one pricing.

    ``region`` is an ISO 3166 code, optionally with a subdivision: ``"CN"`` or ``"CN-GD"``.
    """

    now: datetime = attrs.field(converter=_moment)
    currency: str = attrs.field(converter=_currency)
    buyer: Buyer = attrs.field(factory=Buyer)
    channel: str = ""
    region: str = attrs.field(default="", converter=_region)

    def in_region(self, regions: frozenset[str]) -> bool:
        """Whether the destination lies in one of ``regions`` (a country covers its subdivisions)."""
        if not self.region:
            return False
        return self.region in regions or self.region.split("-")[0] in regions
