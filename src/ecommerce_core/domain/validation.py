"""Validators shared by the domain's value objects: each raises InvalidInput with the field's name."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from ecommerce_core.domain.errors import InvalidInput

__all__ = [
    "MAX_QUANTITY",
    "attributes",
    "contains_card_number",
    "count_field",
    "email",
    "identifier",
    "localized_names",
    "name",
    "non_negative",
    "quantity",
    "sku",
    "slug",
    "text",
    "text_field",
]

MAX_QUANTITY = 9_999
_SKU = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,63}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
_DIGITS = re.compile(r"\d(?:[ -]?\d)*")
#: the Unicode category Cc (C0, DEL and C1 controls) but tab and newline: one regex scan in C
#: instead of a unicodedata lookup per character
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def quantity(value: object, field: str = "quantity") -> int:
    """A whole number of units from 1 to :data:`MAX_QUANTITY`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be a whole number", field=field, value=repr(value))
    if not 1 <= value <= MAX_QUANTITY:
        raise InvalidInput(
            f"{field} must be between 1 and {MAX_QUANTITY}", field=field, value=value
        )
    return value


def non_negative(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{field} must be a whole number of at least 0", field=field)
    return value


def sku(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput("a SKU is text", field="sku", value=repr(value))
    code = value.strip().upper()
    if not _SKU.fullmatch(code):
        raise InvalidInput(
            "a SKU is 1-64 letters, digits, '.', '_' or '-'", field="sku", value=value[:80]
        )
    return code


def slug(value: object) -> str:
    if not isinstance(value, str) or not _SLUG.fullmatch(value):
        raise InvalidInput("a slug is lower-case letters, digits and '-'", field="slug")
    return value


def identifier(value: object, field: str = "id") -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidInput(f"{field} is not a valid identifier", field=field)
    return value


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def contains_card_number(value: str) -> bool:
    """True when ``value`` holds a run of 13-19 digits (spaces or dashes between) that passes Luhn.

    Only whole runs count: a longer number (a tracking or ID number) is not searched for a
    card-like part inside it, which would refuse most long numbers by chance.
    """
    for match in _DIGITS.finditer(value):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn(digits):
            return True
    return False


def text(value: object, field: str, *, max_length: int = 200, allow_empty: bool = False) -> str:
    """Free text, NFC-normalised and stripped; never a payment card number."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text", field=field)
    cleaned = unicodedata.normalize("NFC", value).strip()
    if not cleaned and not allow_empty:
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(cleaned) > max_length:
        raise InvalidInput(f"{field} is longer than {max_length} characters", field=field)
    if _CONTROL.search(cleaned):
        raise InvalidInput(f"{field} contains control characters", field=field)
    if contains_card_number(cleaned):
        raise InvalidInput(f"{field} must not contain a payment card number", field=field)
    return cleaned


def text_field(
    field: str, *, max_length: int = 200, allow_empty: bool = False
) -> Callable[[object], str]:
    """An attrs converter validating free text for ``field``."""

    def convert(value: object) -> str:
        return text(value, field, max_length=max_length, allow_empty=allow_empty)

    return convert


def count_field(field: str) -> Callable[[object], int]:
    """An attrs converter for a whole number of at least zero."""

    def convert(value: object) -> int:
        return non_negative(value, field)

    return convert


def name(value: object) -> str:
    """An attrs converter for a short required name."""
    return text(value, "name")


def localized_names(value: object, field: str = "name") -> dict[str, str]:
    """``{"en": "Phone", "zh": "手机"}``; a plain string is taken as English."""
    if isinstance(value, str):
        value = {"en": value}
    if not isinstance(value, Mapping) or not value:
        raise InvalidInput(f"{field} must be text or a mapping of locale to text", field=field)
    names: dict[str, str] = {}
    for locale, name in value.items():
        if not isinstance(locale, str) or not re.match(r"^[a-z]{2}(-[A-Za-z]{2,4})?$", locale):
            raise InvalidInput(f"{field} has an invalid locale", field=field)
        names[locale] = text(name, field)
    return names


def email(value: object) -> str:
    """An e-mail address, stripped, with its domain lower-cased."""
    if not isinstance(value, str):
        raise InvalidInput("an e-mail address is text", field="email")
    address = unicodedata.normalize("NFC", value).strip()
    if len(address) > 254 or not _EMAIL.fullmatch(address):
        raise InvalidInput("that is not an e-mail address", field="email")
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def attributes(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput("attributes must be a mapping of name to value", field="attributes")
    out: dict[str, Any] = {}
    for key, val in value.items():
        out[text(key, "attribute name", max_length=40)] = text(
            val, "attribute value", max_length=80
        )
    return dict(sorted(out.items()))
