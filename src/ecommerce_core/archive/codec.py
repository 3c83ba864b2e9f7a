"""A JSON codec for the domain's attrs classes, driven by their type hints (no pickle, no eval).

Money becomes ``{"amount": 1999, "currency": "CNY"}``, datetimes ISO 8601 with offset, Decimals
text, enums their value, tuples and frozensets lists (frozensets sorted, so output is stable).
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

import attrs

from ecommerce_core.domain.errors import CorruptData
from ecommerce_core.domain.money import Money

__all__ = ["decode", "encode"]


def encode(value: Any) -> Any:
    """Plain JSON data for a domain value."""
    if isinstance(value, Money):
        return {"amount": value.amount, "currency": value.currency}
    if isinstance(value, enum.Enum):
        return value.value
    if attrs.has(type(value)):
        return {f.name: encode(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, frozenset | set):
        return sorted(encode(v) for v in value)
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | bool):
        return value
    raise TypeError(f"cannot encode {type(value).__name__}")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def decode(hint: Any, data: Any) -> Any:
    """The domain value of type ``hint`` from plain JSON data; CorruptData when it does not fit."""
    try:
        return _decode(hint, data)
    except CorruptData:
        raise
    except (TypeError, ValueError, KeyError, ArithmeticError) as exc:
        raise CorruptData(f"archived data does not fit {hint}: {exc}") from exc


def _decode(hint: Any, data: Any) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _decode(inner, data)
    if hint is Money:
        return Money(data["amount"], data["currency"])
    if hint is datetime:
        return datetime.fromisoformat(data)
    if hint is Decimal:
        return Decimal(data)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(data)
    if isinstance(hint, type) and attrs.has(hint):
        hints = _hints(hint)
        values = {
            f.name: _decode(hints[f.name], data[f.name])
            for f in attrs.fields(hint)
            # a field added after the archive was written takes its default
            if f.init and (f.name in data or f.default is attrs.NOTHING)
        }
        return hint(**values)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v) for v in data)
        return tuple(_decode(a, v) for a, v in zip(args, data, strict=True))
    if origin is frozenset:
        return frozenset(_decode(args[0], v) for v in data)
    if origin in (dict, Mapping, typing.Mapping) or hint in (dict, Mapping):
        return {str(k): (_decode(args[1], v) if args else v) for k, v in data.items()}
    if hint in (str, int, bool):
        if not isinstance(data, hint) or (hint is int and isinstance(data, bool)):
            raise TypeError(f"expected {hint.__name__}, got {type(data).__name__}")
        return data
    if hint is typing.Any:
        return data
    raise TypeError(f"cannot decode into {hint}")
