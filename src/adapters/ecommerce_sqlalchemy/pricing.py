"""Promotions and coupons in SQL: rows to domain objects and back, and the conditional updates
that count uses (PROMISES CPN-1): ``UPDATE ... SET used = used + 1 WHERE ... used < limit``, whose
row count says whether this unit of work took the use. Never read-then-write."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Connection

from ecommerce_core.domain.errors import CorruptData, EcommerceError, NotFound
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
from ecommerce_sqlalchemy import tables as t

__all__ = ["SqlCoupons", "SqlPromotions", "claim_from_row", "code_from_row"]

Row = Mapping[str, Any]


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


_P = t.promotions
_PROMOTION_TAKE = (
    sa.update(_P)
    .where(
        _P.c.id == sa.bindparam("pid"),
        sa.or_(_P.c.usage_limit.is_(None), _P.c.used < _P.c.usage_limit),
        sa.or_(_P.c.budget.is_(None), _P.c.discount_given + sa.bindparam("d") <= _P.c.budget),
    )
    .values(used=_P.c.used + 1, discount_given=_P.c.discount_given + sa.bindparam("d"))
)


class SqlPromotions:
    def __init__(self, conn: Connection, locking: bool) -> None:
        self._c = conn

    def add(self, promotion: Promotion) -> None:
        self._c.execute(sa.insert(_P).values(promotion_to_row(promotion)))

    def get(self, promotion_id: str) -> Promotion | None:
        row = self._c.execute(sa.select(_P).where(_P.c.id == promotion_id)).mappings().first()
        return None if row is None else promotion_from_row(row)

    def list(self) -> list[Promotion]:
        rows = self._c.execute(sa.select(_P).order_by(_P.c.id)).mappings()
        return [promotion_from_row(r) for r in rows]

    def set_active(self, promotion_id: str, active: bool) -> None:
        done = self._c.execute(sa.update(_P).where(_P.c.id == promotion_id).values(active=active))
        if done.rowcount != 1:
            raise NotFound("no such promotion", id=promotion_id)

    def take_use(self, promotion_id: str, discount: int) -> bool:
        return self._c.execute(_PROMOTION_TAKE, {"pid": promotion_id, "d": discount}).rowcount == 1


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


_C, _K, _W = t.coupons, t.coupon_codes, t.coupon_claims
_COUPON_TAKE = (
    sa.update(_C)
    .where(
        _C.c.id == sa.bindparam("cid"),
        sa.or_(_C.c.usage_limit.is_(None), _C.c.used < _C.c.usage_limit),
    )
    .values(used=_C.c.used + 1)
)
_CLAIM = (_W.c.coupon_id == sa.bindparam("cid")) & (_W.c.customer_id == sa.bindparam("who"))
_CLAIM_TAKE = sa.update(_W).where(_CLAIM).values(used=_W.c.used + 1)
_CLAIM_TAKE_LIMITED = (
    sa.update(_W).where(_CLAIM, _W.c.used < sa.bindparam("limit")).values(used=_W.c.used + 1)
)


class SqlCoupons:
    def __init__(self, conn: Connection, locking: bool) -> None:
        self._c = conn

    def add(self, coupon: Coupon) -> None:
        self._c.execute(sa.insert(_C).values(coupon_to_row(coupon)))

    def get(self, coupon_id: str) -> Coupon | None:
        row = self._c.execute(sa.select(_C).where(_C.c.id == coupon_id)).mappings().first()
        return None if row is None else coupon_from_row(row)

    def add_codes(self, codes: Sequence[CouponCode]) -> None:
        if codes:
            rows = [
                {
                    "code": c.code,
                    "coupon_id": c.coupon_id,
                    "customer_id": c.customer_id,
                    "personal": c.personal,
                }
                for c in codes
            ]
            self._c.execute(sa.insert(_K), rows)

    def get_code(self, code: str) -> CouponCode | None:
        row = self._c.execute(sa.select(_K).where(_K.c.code == code)).mappings().first()
        return None if row is None else code_from_row(row)

    def codes(self, coupon_id: str) -> list[CouponCode]:
        query = sa.select(_K).where(_K.c.coupon_id == coupon_id).order_by(_K.c.code)
        return [code_from_row(r) for r in self._c.execute(query).mappings()]

    def bind_code(self, code: str, customer_id: str) -> bool:
        query = (
            sa.update(_K)
            .where(_K.c.code == code, _K.c.personal.is_(True), _K.c.customer_id.is_(None))
            .values(customer_id=customer_id)
        )
        return self._c.execute(query).rowcount == 1

    def add_claim(self, claim: CouponClaim) -> None:
        self._c.execute(sa.insert(_W).values(_claim_row(claim)))

    def claim_of(self, coupon_id: str, customer_id: str) -> CouponClaim | None:
        query = sa.select(_W).where(_W.c.coupon_id == coupon_id, _W.c.customer_id == customer_id)
        row = self._c.execute(query).mappings().first()
        return None if row is None else claim_from_row(row)

    def claims_of(self, customer_id: str) -> list[CouponClaim]:
        query = sa.select(_W).where(_W.c.customer_id == customer_id).order_by(_W.c.coupon_id)
        return [claim_from_row(r) for r in self._c.execute(query).mappings()]

    def take_use(self, coupon_id: str) -> bool:
        return self._c.execute(_COUPON_TAKE, {"cid": coupon_id}).rowcount == 1

    def take_customer_use(
        self, coupon_id: str, customer_id: str, code: str, limit: int | None, at: datetime
    ) -> bool:
        row = _claim_row(CouponClaim(coupon_id, customer_id, code, 0, False, at))
        self._c.execute(_insert_if_absent(self._c.dialect.name, row))
        key = {"cid": coupon_id, "who": customer_id}
        if limit is None:
            return self._c.execute(_CLAIM_TAKE, key).rowcount == 1
        return self._c.execute(_CLAIM_TAKE_LIMITED, {**key, "limit": limit}).rowcount == 1

    def list(self) -> list[Coupon]:
        rows = self._c.execute(sa.select(_C).order_by(_C.c.id)).mappings()
        return [coupon_from_row(r) for r in rows]


def _claim_row(c: CouponClaim) -> dict[str, Any]:
    return {
        "coupon_id": c.coupon_id,
        "customer_id": c.customer_id,
        "code": c.code,
        "used": c.used,
        "claimed": c.claimed,
        "claimed_at": c.claimed_at,
    }


def _insert_if_absent(dialect: str, row: dict[str, Any]) -> sa.Executable:
    """An insert that leaves an existing wallet row alone (and waits for a concurrent twin)."""
    if dialect == "postgresql":
        return postgresql.insert(_W).values(row).on_conflict_do_nothing()
    if dialect in ("mysql", "mariadb"):
        return mysql.insert(_W).values(row).on_duplicate_key_update(used=_W.c.used)
    return sqlite.insert(_W).values(row).on_conflict_do_nothing()
