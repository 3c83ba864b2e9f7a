"""Coupons: a rule unlocked by a code, with a kind, a minimum spend and usage limits.

A :class:`Coupon` is the definition (platform-wide, category or merchant; fixed amount or a
percentage with a cap). :class:`CouponCode` is one code that redeems it: a shared public code or
one of a batch of unique codes, optionally bound to one customer. Usage counts are kept by
storage and taken with a conditional update when an order is placed (PROMISES CPN-1).
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.pricing.promotions import count, moment, optional_count, optional_money
from ecommerce_core.domain.pricing.rules import Benefit, Condition
from ecommerce_core.domain.pricing.scope import Scope
from ecommerce_core.domain.pricing.stacking import StackingPolicy

__all__ = [
    "AppliedCode",
    "Coupon",
    "CouponClaim",
    "CouponCode",
    "CouponKind",
    "format_code",
    "normalize_code",
]

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,31}$")
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: codes are typed by people


class CouponKind(StrEnum):
    PLATFORM = "platform"
    CATEGORY = "category"
    MERCHANT = "merchant"


def normalize_code(value: object) -> str:
    """A coupon code as stored: trimmed, upper case, 3-32 letters, digits and dashes."""
    if not isinstance(value, str):
        raise InvalidInput("a coupon code is text", field="code")
    code = value.strip().upper()
    if not _CODE.fullmatch(code):
        raise InvalidInput("a coupon code is 3-32 letters, digits and dashes", field="code")
    return code


def format_code(prefix: str, entropy: bytes, length: int = 10) -> str:
    """A unique code from random bytes the caller drew (the domain draws none): ``SPRING-7KQ2...``."""
    number = int.from_bytes(entropy, "big")
    chars = []
    for _ in range(length):
        number, digit = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[digit])
    return normalize_code(f"{prefix}-{''.join(chars)}" if prefix else "".join(chars))


def _kind(value: object) -> CouponKind:
    try:
        return CouponKind(str(value))
    except ValueError:
        raise InvalidInput("a coupon is platform, category or merchant", field="kind") from None


@attrs.frozen
class Coupon:
    """A coupon definition. ``min_spend`` is measured on the items in its scope."""

    id: str = attrs.field(converter=v.identifier)
    name: str = attrs.field(converter=v.name)
    kind: CouponKind = attrs.field(converter=_kind)
    benefit: Benefit
    scope: Scope = attrs.field(factory=Scope)
    min_spend: Money | None = attrs.field(default=None, converter=optional_money)
    condition: Condition | None = None
    starts_at: datetime | None = attrs.field(default=None, converter=moment)
    ends_at: datetime | None = attrs.field(default=None, converter=moment)
    active: bool = True
    usage_limit: int | None = attrs.field(default=None, converter=optional_count)
    per_customer_limit: int | None = attrs.field(default=1, converter=optional_count)
    requires_claim: bool = False
    stacking: StackingPolicy = attrs.field(factory=StackingPolicy)
    used: int = attrs.field(default=0, converter=count)

    def __attrs_post_init__(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise InvalidInput("a coupon must end after it starts", field="ends_at")
        if self.kind is CouponKind.CATEGORY and not self.scope.category_ids:
            raise InvalidInput("a category coupon names its categories", field="scope")
        if self.kind is CouponKind.MERCHANT and not self.scope.merchant_ids:
            raise InvalidInput("a merchant coupon names its merchant", field="scope")

    @property
    def group(self) -> str:
        """Its stacking group: by default one coupon per kind (per merchant for merchant coupons)."""
        if self.stacking.group:
            return self.stacking.group
        if self.kind is CouponKind.MERCHANT:
            return "coupon:merchant:" + ",".join(sorted(self.scope.merchant_ids))
        return f"coupon:{self.kind.value}"

    def exhausted(self) -> bool:
        return self.usage_limit is not None and self.used >= self.usage_limit


@attrs.frozen
class CouponCode:
    """A code that redeems a coupon; ``customer_id`` binds a personal code to its customer."""

    code: str = attrs.field(converter=normalize_code)
    coupon_id: str = attrs.field(converter=v.identifier)
    customer_id: str | None = None
    #: a personal code (from a batch, or pushed) belongs to the first customer who claims it;
    #: a shared code (``SAVE50``) is typed by anyone
    personal: bool = False


@attrs.frozen
class CouponClaim:
    """A coupon in a customer's wallet: claimed or pushed (``claimed``), or first used by typing a
    public code; ``used`` counts the customer's orders with it, against ``per_customer_limit``."""

    coupon_id: str
    customer_id: str
    code: str
    used: int = 0
    claimed: bool = True
    claimed_at: datetime | None = None


@attrs.frozen
class AppliedCode:
    """A code a customer entered, as the engine needs it: the coupon (None when unknown) and the
    customer's standing with it (uses so far, whether they claimed it)."""

    code: str
    coupon: Coupon | None
    customer_uses: int = 0
    claimed: bool = False
