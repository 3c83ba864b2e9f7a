"""Membership and loyalty points: a customer's groups, member tier and contract price lists
(set by staff only), the points balance and its append-only ledger (积分)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput

__all__ = ["MAX_POINTS", "Membership", "PointsEntry", "PointsReason", "membership_names"]

#: No balance or single change goes beyond this (it fits every database's 64-bit integer).
MAX_POINTS = 10**12


def membership_names(value: object, field: str = "groups") -> frozenset[str]:
    """A set of identifiers (groups, contract price list ids) from a collection of text."""
    if value is None:
        return frozenset()
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidInput(f"{field} is a collection of names", field=field)
    names = frozenset(v.identifier(x, field) for x in value)
    if len(names) > 50:
        raise InvalidInput(f"at most 50 {field}", field=field)
    return names


def _tier(value: object) -> str:
    return "" if value in (None, "") else v.identifier(value, "tier")


def _balance(value: object) -> int:
    number = v.non_negative(value, "points")
    if number > MAX_POINTS:
        raise InvalidInput("a points balance is too large", field="points")
    return number


@attrs.frozen
class Membership:
    """What pricing knows about a customer beyond their id. Only staff change ``groups``,
    ``tier`` and ``contracts``; ``points`` changes only with an entry in the ledger."""

    customer_id: str = attrs.field(converter=v.identifier)
    groups: frozenset[str] = attrs.field(factory=frozenset, converter=membership_names)
    tier: str = attrs.field(default="", converter=_tier)
    #: ids of ``contract`` price lists this customer buys at (enterprise contract prices)
    contracts: frozenset[str] = attrs.field(factory=frozenset, converter=membership_names)
    points: int = attrs.field(default=0, converter=_balance)
    updated_at: datetime | None = None


class PointsReason(StrEnum):
    EARNED = "earned"  # an order was completed
    REDEEMED = "redeemed"  # points paid for part of an order (积分抵扣)
    RETURNED = "returned"  # that order was cancelled or expired unpaid
    ADJUSTED = "adjusted"  # staff credited or debited by hand


def _delta(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value == 0:
        raise InvalidInput("a points change is a whole number other than zero", field="points")
    if abs(value) > MAX_POINTS:
        raise InvalidInput("a points change is too large", field="points")
    return value


@attrs.frozen
class PointsEntry:
    """One line of the points ledger; the ledger is never changed, only added to."""

    id: str = attrs.field(converter=v.identifier)
    customer_id: str = attrs.field(converter=v.identifier)
    delta: int = attrs.field(converter=_delta)
    reason: PointsReason = attrs.field(converter=PointsReason)
    at: datetime
    order_id: str | None = None
    note: str = ""
