"""Group-buy campaigns (团购): one SKU sold at a group price per unit to every order that joins
before the deadline; the group succeeds once ``min_buyers`` orders joined, and fails if the
deadline passes first. ``joined`` is only ever changed by conditional updates in storage."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.money import Money

__all__ = ["GroupBuy", "GroupBuyStatus"]

#: the most buyers a campaign may ask for or allow
MAX_BUYERS = 1_000_000


class GroupBuyStatus(StrEnum):
    OPEN = "open"  # taking joins until the deadline (whether or not the minimum is reached)
    SUCCEEDED = "succeeded"  # the minimum was reached: its orders ship
    FAILED = "failed"  # the deadline passed first: its orders are cancelled or refunded


def _aware(value: object) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidInput("a campaign's times are timezone-aware datetimes")
    return value


def _positive(value: object, field: str) -> int:
    number = v.non_negative(value, field)
    if number == 0:
        raise InvalidInput(f"{field} is at least one", field=field)
    return number


def _min_buyers(value: object) -> int:
    return _positive(value, "min_buyers")


def _max_buyers(value: object) -> int | None:
    return None if value is None else _positive(value, "max_buyers")


def _per_buyer_limit(value: object) -> int | None:
    return None if value is None else _positive(value, "per_buyer_limit")


def _joined(value: object) -> int:
    return v.non_negative(value, "joined")


def _price(value: object) -> Money:
    if not isinstance(value, Money) or value.amount <= 0:
        raise InvalidInput("the group price is Money of more than zero", field="price")
    return value


@attrs.frozen
class GroupBuy:
    id: str = attrs.field(converter=v.identifier)
    sku: str = attrs.field(converter=v.sku)
    #: the price of each unit for an order that joins, in the shop's currency
    price: Money = attrs.field(converter=_price)
    min_buyers: int = attrs.field(converter=_min_buyers)
    starts_at: datetime = attrs.field(converter=_aware)
    deadline: datetime = attrs.field(converter=_aware)
    max_buyers: int | None = attrs.field(default=None, converter=_max_buyers)
    #: the most units of the SKU one order may buy at the group price
    per_buyer_limit: int | None = attrs.field(default=None, converter=_per_buyer_limit)
    status: GroupBuyStatus = attrs.field(default=GroupBuyStatus.OPEN, converter=GroupBuyStatus)
    joined: int = attrs.field(default=0, converter=_joined)
    settled_at: datetime | None = None

    def __attrs_post_init__(self) -> None:
        if self.deadline <= self.starts_at:
            raise InvalidInput("a campaign's deadline is after its start", field="deadline")
        if self.min_buyers > MAX_BUYERS:
            raise InvalidInput(f"at most {MAX_BUYERS} buyers", field="min_buyers")
        if self.max_buyers is not None and self.max_buyers < self.min_buyers:
            raise InvalidInput("max_buyers is at least min_buyers", field="max_buyers")
        if self.max_buyers is not None and self.max_buyers > MAX_BUYERS:
            raise InvalidInput(f"at most {MAX_BUYERS} buyers", field="max_buyers")

    def open_at(self, now: datetime) -> bool:
        """Whether an order may join now."""
        return self.status is not GroupBuyStatus.FAILED and self.starts_at <= now < self.deadline

    @property
    def full(self) -> bool:
        return self.max_buyers is not None and self.joined >= self.max_buyers
