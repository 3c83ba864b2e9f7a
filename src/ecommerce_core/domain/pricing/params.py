"""Reading rule parameters: JSON-able data in, checked values out, InvalidInput naming the field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.pricing.scope import Scope

__all__ = [
    "count",
    "moment",
    "money",
    "money_data",
    "names",
    "percent",
    "percent_ratio",
    "scope",
    "share",
]


def money_data(value: Money) -> dict[str, Any]:
    """The JSON form of a Money parameter."""
    return {"amount": value.amount, "currency": value.currency}


def money(params: Mapping[str, Any], key: str, *, required: bool = True) -> Money | None:
    raw = params.get(key)
    if raw is None:
        if required:
            raise InvalidInput(f"the rule needs {key}", field=key)
        return None
    if isinstance(raw, Money):
        value = raw
    elif isinstance(raw, Mapping) and set(raw) == {"amount", "currency"}:
        value = Money(raw["amount"], raw["currency"])
    else:
        raise InvalidInput(
            f"{key} is money: {{'amount': minor units, 'currency': code}}", field=key
        )
    if value.amount < 0:
        raise InvalidInput(f"{key} cannot be negative", field=key)
    return value


def percent(params: Mapping[str, Any], key: str = "percent") -> Decimal:
    raw = params.get(key)
    if isinstance(raw, bool | float) or not isinstance(raw, str | int | Decimal):
        raise InvalidInput(f"{key} is a percentage given as text such as '12.5'", field=key)
    try:
        rate = Decimal(raw)
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{key} is not a percentage", field=key) from None
    if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(100):
        raise InvalidInput(f"{key} is between 0 and 100", field=key)
    return rate


def percent_ratio(rate: Decimal) -> tuple[int, int]:
    """``rate`` % as an integer fraction ``(numerator, denominator)`` of one."""
    num, den = rate.as_integer_ratio()
    return num, den * 100


def share(amount: int, ratio: tuple[int, int]) -> int:
    """``amount * ratio`` rounded half up, in integers: the same cent as ``money.percentage``."""
    num, den = ratio
    return (2 * amount * num + den) // (2 * den)


def count(
    params: Mapping[str, Any], key: str, *, minimum: int = 1, default: int | None = None
) -> int:
    raw = params.get(key, default)
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < minimum:
        raise InvalidInput(f"{key} is a whole number of at least {minimum}", field=key)
    return raw


def names(params: Mapping[str, Any], key: str) -> frozenset[str]:
    raw = params.get(key)
    if isinstance(raw, str | bytes) or not isinstance(raw, Iterable):
        raise InvalidInput(f"{key} is a list of names", field=key)
    found = frozenset(str(x).strip() for x in raw)
    if not found or "" in found:
        raise InvalidInput(f"{key} names at least one", field=key)
    return found


def moment(params: Mapping[str, Any], key: str) -> datetime | None:
    raw = params.get(key)
    if raw is None:
        return None
    try:
        value = raw if isinstance(raw, datetime) else datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        raise InvalidInput(f"{key} is an ISO 8601 time with its offset", field=key) from None
    if value.utcoffset() is None:
        raise InvalidInput(f"{key} needs its UTC offset", field=key)
    return value


def scope(params: Mapping[str, Any], key: str = "scope") -> Scope | None:
    raw = params.get(key)
    if raw is None or isinstance(raw, Scope):
        return raw
    return Scope.from_data(raw)
