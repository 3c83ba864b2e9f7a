"""Typed reads of document fields, and the few value formats every document shares: pure.

A field of the wrong type is corrupt data, never converted; a document whose object, written back,
would differ from it is corrupt data too (``canonical``). Times are fixed-width UTC text with
microseconds (``2026-03-01T08:30:15.123456Z``): a BSON date keeps milliseconds only, and text of
that shape sorts in time order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from ecommerce_core.domain.errors import CorruptData, EcommerceError, StorageError
from ecommerce_core.domain.money import Money, exponent_of

__all__ = [
    "Doc",
    "array",
    "boolean",
    "canonical",
    "currency",
    "data",
    "docs",
    "get",
    "guard",
    "minor",
    "money_doc",
    "opt_data",
    "opt_doc",
    "opt_money",
    "opt_text",
    "opt_time",
    "opt_time_text",
    "opt_whole",
    "pairs",
    "plain",
    "text",
    "text_list",
    "texts",
    "time",
    "time_from_text",
    "time_to_text",
    "whole",
]

Doc = dict[str, Any]
T = TypeVar("T")

_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


@contextmanager
def guard(what: str, key: object) -> Iterator[None]:
    """Report a document the domain refuses as CorruptData naming it; never fix it silently."""
    try:
        yield
    except CorruptData:
        raise
    except (EcommerceError, ValueError, KeyError, TypeError, ArithmeticError) as exc:
        raise CorruptData(
            f"the stored {what} {key} is not valid: {exc}", what=what, key=str(key)
        ) from exc


def canonical(
    what: str,
    d: Mapping[str, Any],
    obj: T,
    to_doc: Callable[[T], Doc],
    key: object = None,
) -> T:
    """``obj`` if writing it back gives the stored fields exactly; CorruptData otherwise.

    The domain's converters normalise (a SKU is upper-cased, text is stripped): a document edited
    into a form this library never writes is reported, not quietly rewritten on the next save.
    """
    changed = sorted(k for k, v in to_doc(obj).items() if k not in d or d[k] != v)
    if changed:
        if key is None:
            key = d.get("_id", (d.get("sku"), d.get("warehouse_id")))
        raise CorruptData(
            f"the stored {what} {key} is not in the form this library writes: {', '.join(changed)}",
            what=what,
            key=str(key),
        )
    return obj


# -- typed reads of one field: the wrong type is corrupt data, never converted ------------------
def get(d: Mapping[str, Any], key: str) -> Any:
    if key not in d:
        raise KeyError(f"{key} is missing")
    return d[key]


def text(d: Mapping[str, Any], key: str) -> str:
    value = get(d, key)
    if not isinstance(value, str):
        raise TypeError(f"{key} is not text")
    return value


def opt_text(d: Mapping[str, Any], key: str) -> str | None:
    return None if get(d, key) is None else text(d, key)


def whole(d: Mapping[str, Any], key: str) -> int:
    value = get(d, key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{key} is not a whole number")
    return int(value)


def opt_whole(d: Mapping[str, Any], key: str) -> int | None:
    return None if get(d, key) is None else whole(d, key)


def boolean(d: Mapping[str, Any], key: str) -> bool:
    value = get(d, key)
    if not isinstance(value, bool):
        raise TypeError(f"{key} is not true or false")
    return value


def array(d: Mapping[str, Any], key: str) -> list[Any]:
    value = get(d, key)
    if not isinstance(value, list):
        raise TypeError(f"{key} is not an array")
    return value


def docs(d: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = array(d, key)
    if not all(isinstance(item, Mapping) for item in items):
        raise TypeError(f"{key} is not an array of documents")
    return items


def opt_doc(d: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = get(d, key)
    if value is not None and not isinstance(value, Mapping):
        raise TypeError(f"{key} is not a document")
    return value


def text_list(d: Mapping[str, Any], key: str) -> list[str]:
    items = array(d, key)
    if not all(isinstance(item, str) for item in items):
        raise TypeError(f"{key} is not an array of text")
    return items


def currency(d: Mapping[str, Any], key: str) -> str:
    code = text(d, key)
    exponent_of(code)  # exactly a known ISO 4217 code: "cny" is not quietly read as "CNY"
    return code


def texts(d: Mapping[str, Any], key: str) -> dict[str, str]:
    value = get(d, key)
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise TypeError(f"{key} is not a document of text")
    return dict(value)


def pairs(d: Mapping[str, Any], key: str) -> dict[str, str]:
    # attribute names are free text ("size.cm", "$pecial"): kept as [name, value] pairs, never keys
    pairs = array(d, key)
    if not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in pairs
    ):
        raise TypeError(f"{key} is not an array of [name, value] pairs")
    return {name: value for name, value in pairs}


def time_to_text(at: datetime) -> str:
    """``2026-03-01T08:30:15.123456Z``: UTC, to the microsecond, fixed width (sorts in time order)."""
    if not isinstance(at, datetime) or at.utcoffset() is None:
        raise StorageError("only timezone-aware datetimes can be stored", value=repr(at)[:80])
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def time_from_text(value: object) -> datetime:
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise ValueError(f"{value!r} is not a time such as 2026-03-01T08:30:15.123456Z")
    return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)


def time(d: Mapping[str, Any], key: str) -> datetime:
    return time_from_text(get(d, key))


def opt_time(d: Mapping[str, Any], key: str) -> datetime | None:
    return None if get(d, key) is None else time(d, key)


def opt_time_text(at: datetime | None) -> str | None:
    return None if at is None else time_to_text(at)


def minor(money: Money, currency: str, what: str) -> int:
    """The amount of ``money``, which must be in the aggregate's ``currency`` (stored once)."""
    if money.currency != currency:
        raise StorageError(
            f"{what} is in {money.currency} but its aggregate is in {currency}: not stored",
            what=what,
        )
    return money.amount


def money_doc(money: Money | None) -> Doc | None:
    return None if money is None else {"amount": money.amount, "currency": money.currency}


def opt_money(d: Mapping[str, Any], key: str) -> Money | None:
    m = opt_doc(d, key)
    return None if m is None else Money(whole(m, "amount"), currency(m, "currency"))


def opt_data(d: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    data = opt_doc(d, key)
    return None if data is None else plain(data)


def data(d: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A document that must be there (a coupon's benefit, scope, stacking), as plain data."""
    found = opt_data(d, key)
    if found is None:
        raise TypeError(f"{key} is not a document")
    return found


def plain(value: Any) -> Any:
    """Tuples as arrays (as BSON gives them back) and plain ints (BSON's int64 comes back as
    ``Int64``), so that a payload compares equal and leaves as JSON whatever way it went."""
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    return value
