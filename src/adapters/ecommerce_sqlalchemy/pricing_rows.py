"""Promotion and coupon rows to domain objects and back (named constructors, never ``Cls(**row)``).

A row the domain refuses surfaces as :class:`CorruptData` naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ecommerce_core.domain.errors import CorruptData, EcommerceError
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.pricing import (
    Benefit,
    Condition,
    Coupon,
    CouponClaim,
    CouponCode,
    Promotion,
    Scope,
    StackingPolicy,
)

__all__ = [
    "claim_from_row",
    "claim_to_row",
    "code_from_row",
    "coupon_from_row",
    "coupon_to_row",
    "promotion_from_row",
    "promotion_to_row",
]

Row = Mapping[Any, Any]  # SQLAlchemy RowMapping is keyed by Any


def _money(data: Any) -> Money | None:
    return None if data is None else Money(int(data["amount"]), data["currency"])


def _money_data(value: Money | None) -> dict[str, Any] | None:
    return None if value is None else {"amount": value.amount, "currency": value.currency}


def _corrupt(what: str, key: object, exc: Exception) -> CorruptData:
    return CorruptData(f"the stored {what} {key} is not valid: {exc}", what=what, key=str(key))


# -- promotions ------------------------------------------------------------------------------
def promotion_to_row(p: Promotion) -> dict[str, Any]:
    plain = (
        p.benefit is None
        and p.condition is None
        and p.scope == Scope()
        and p.stacking == StackingPolicy()
        and p.max_discount is None
    )
    rule = None
    if not plain:
        rule = {
            "benefit": None if p.benefit is None else p.benefit.to_data(),
            "condition": None if p.condition is None else p.condition.to_data(),
            "scope": p.scope.to_data(),
            "stacking": p.stacking.to_data(),
            "max_discount": _money_data(p.max_discount),
        }
    return {
        "id": p.id,
        "name": p.name,
        "kind": p.kind,
        "percent": None if p.percent is None else str(p.percent),
        "category_ids": sorted(p.category_ids),
        "skus": sorted(p.skus),
        "starts_at": p.starts_at,
        "ends_at": p.ends_at,
        "active": p.active,
        "rule": rule,
        "usage_limit": p.usage_limit,
        "used": p.used,
        "budget": None if p.budget is None else p.budget.amount,
        "budget_currency": None if p.budget is None else p.budget.currency,
        "discount_given": p.discount_given,
    }


def promotion_from_row(row: Row) -> Promotion:
    try:
        rule = row["rule"] or {}
        benefit, condition = rule.get("benefit"), rule.get("condition")
        budget = row["budget"]
        return Promotion(
            id=row["id"],
            name=row["name"],
            percent=None if row["percent"] is None else Decimal(row["percent"]),
            category_ids=frozenset(row["category_ids"]),
            skus=frozenset(row["skus"]),
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            active=bool(row["active"]),
            benefit=None if benefit is None else Benefit.from_data(benefit),
            condition=None if condition is None else Condition.from_data(condition),
            scope=Scope.from_data(rule.get("scope")),
            stacking=StackingPolicy.from_data(rule.get("stacking")),
            max_discount=_money(rule.get("max_discount")),
            usage_limit=row["usage_limit"],
            budget=None if budget is None else Money(int(budget), row["budget_currency"]),
            used=int(row["used"]),
            discount_given=int(row["discount_given"]),
            kind=row["kind"],
        )
    except (EcommerceError, ValueError, KeyError, TypeError, ArithmeticError) as exc:
        if isinstance(exc, CorruptData):
            raise
        raise _corrupt("promotion", row["id"], exc) from exc


# -- coupons ---------------------------------------------------------------------------------
def coupon_to_row(c: Coupon) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "kind": c.kind.value,
        "rule": {
            "benefit": c.benefit.to_data(),
            "scope": c.scope.to_data(),
            "condition": None if c.condition is None else c.condition.to_data(),
            "stacking": c.stacking.to_data(),
            "min_spend": _money_data(c.min_spend),
        },
        "starts_at": c.starts_at,
        "ends_at": c.ends_at,
        "active": c.active,
        "usage_limit": c.usage_limit,
        "per_customer_limit": c.per_customer_limit,
        "requires_claim": c.requires_claim,
        "used": c.used,
    }


def coupon_from_row(row: Row) -> Coupon:
    try:
        rule = row["rule"]
        condition = rule.get("condition")
        return Coupon(
            id=row["id"],
            name=row["name"],
            kind=row["kind"],
            benefit=Benefit.from_data(rule["benefit"]),
            scope=Scope.from_data(rule.get("scope")),
            min_spend=_money(rule.get("min_spend")),
            condition=None if condition is None else Condition.from_data(condition),
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            active=bool(row["active"]),
            usage_limit=row["usage_limit"],
            per_customer_limit=row["per_customer_limit"],
            requires_claim=bool(row["requires_claim"]),
            stacking=StackingPolicy.from_data(rule.get("stacking")),
            used=int(row["used"]),
        )
    except (EcommerceError, ValueError, KeyError, TypeError, ArithmeticError) as exc:
        if isinstance(exc, CorruptData):
            raise
        raise _corrupt("coupon", row["id"], exc) from exc


def claim_from_row(row: Row) -> CouponClaim:
    return CouponClaim(
        row["coupon_id"],
        row["customer_id"],
        row["code"],
        int(row["used"]),
        bool(row["claimed"]),
        row["claimed_at"],
    )


def code_from_row(row: Row) -> CouponCode:
    return CouponCode(row["code"], row["coupon_id"], row["customer_id"], bool(row["personal"]))


def claim_to_row(c: CouponClaim) -> dict[str, Any]:
    return {
        "coupon_id": c.coupon_id,
        "customer_id": c.customer_id,
        "code": c.code,
        "used": c.used,
        "claimed": c.claimed,
        "claimed_at": c.claimed_at,
    }
