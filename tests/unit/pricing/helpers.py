"""Small builders for pricing tests: money in major units, items, promotions and coupons."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ecommerce_core.domain.money import Money
from ecommerce_core.domain.pricing import (
    AppliedCode,
    Benefit,
    Buyer,
    Condition,
    Coupon,
    PriceableItem,
    PricingContext,
    Promotion,
    Scope,
    StackingPolicy,
)

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def cny(text: str, currency: str = "CNY") -> Money:
    return Money.of(text, currency)


def cash(text: str, currency: str = "CNY") -> dict[str, Any]:
    """A money parameter of a rule."""
    value = Money.of(text, currency)
    return {"amount": value.amount, "currency": value.currency}


def item(
    sku: str, quantity: int, price: str, *categories: str, currency: str = "CNY", **kw: Any
) -> PriceableItem:
    return PriceableItem(sku, quantity, Money.of(price, currency), frozenset(categories), **kw)


def promo(
    pid: str,
    kind: str,
    params: dict[str, Any] | None = None,
    *,
    name: str = "",
    scope: Scope | None = None,
    condition: Condition | None = None,
    **kw: Any,
) -> Promotion:
    stacking = kw.pop("stacking", None)
    return Promotion(
        pid, name or pid, benefit=Benefit(kind, params or {}), scope=scope or Scope(),
        condition=condition, stacking=stacking or StackingPolicy(), **kw,
    )  # fmt: skip


def coupon(
    code: str,
    kind: str,
    params: dict[str, Any],
    *,
    coupon_kind: str = "platform",
    uses: int = 0,
    claimed: bool = False,
    **kw: Any,
) -> AppliedCode:
    return AppliedCode(code, Coupon(f"cpn-{code.lower()}", kw.pop("name", code), coupon_kind, Benefit(kind, params), **kw), uses, claimed)  # fmt: skip


def context(currency: str = "CNY", **buyer: Any) -> PricingContext:
    region = buyer.pop("region", "CN-GD")
    channel = buyer.pop("channel", "")
    return PricingContext(NOW, currency, Buyer("cus_1", **buyer), channel=channel, region=region)


def spend(text: str, currency: str = "CNY") -> Condition:
    return Condition("min_subtotal", {"amount": cash(text, currency)})
