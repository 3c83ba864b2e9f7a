"""Promotions and coupons in SQL, and the conditional updates that count their uses (PROMISES
CPN-1): ``UPDATE ... SET used = used + 1 WHERE ... used < limit``, whose row count says whether
this unit of work took the use. Never read-then-write."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

from ecommerce_core.domain.errors import NotFound
from ecommerce_core.domain.pricing import Coupon, CouponClaim, CouponCode, Promotion
from ecommerce_sqlalchemy import tables as t
from ecommerce_sqlalchemy.pricing_rows import (
    claim_from_row,
    claim_to_row,
    code_from_row,
    coupon_from_row,
    coupon_to_row,
    promotion_from_row,
    promotion_to_row,
)
from ecommerce_sqlalchemy.statements import Statements

__all__ = [
    "SqlCoupons",
    "SqlPromotions",
    "bump_catalogue",
    "claim_from_row",
    "code_from_row",
]


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

_PROMOTION_GIVE_BACK = (
    sa.update(_P)
    .where(_P.c.id == sa.bindparam("pid"), _P.c.used > 0, _P.c.discount_given >= sa.bindparam("d"))
    .values(used=_P.c.used - 1, discount_given=_P.c.discount_given - sa.bindparam("d"))
)


_V = t.promotion_catalogue
_CATALOGUE_BUMP = sa.update(_V).where(_V.c.id == 1).values(version=_V.c.version + 1)


def bump_catalogue(conn: Statements) -> None:
    """A new promotion catalogue version, in this transaction (the row is made if missing)."""
    conn.catalogue_version = None  # what this transaction saw of it is old now
    if conn.execute(_CATALOGUE_BUMP).rowcount != 1:
        conn.execute(sa.insert(_V).values(id=1, version=1))


class SqlPromotions:
    def __init__(self, conn: Statements, locking: bool) -> None:
        self._c = conn

    def add(self, promotion: Promotion) -> None:
        self._c.execute(sa.insert(_P).values(promotion_to_row(promotion)))
        bump_catalogue(self._c)

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
        bump_catalogue(self._c)

    def catalogue_version(self) -> int:
        if self._c.catalogue_version is not None:
            # read by this transaction with the products it prices (repositories/catalog.py):
            # before whatever the version guards is read, as a read of its own would be
            return self._c.catalogue_version
        found = self._c.execute(sa.select(_V.c.version).where(_V.c.id == 1)).scalar()
        return 0 if found is None else int(found)

    def usage(self, promotion_ids: Collection[str]) -> dict[str, tuple[int, int]]:
        ids = sorted(set(promotion_ids))
        if not ids:
            return {}
        query = sa.select(_P.c.id, _P.c.used, _P.c.discount_given).where(_P.c.id.in_(ids))
        return {r[0]: (int(r[1]), int(r[2])) for r in self._c.execute(query)}

    def take_use(self, promotion_id: str, discount: int) -> bool:
        return self._c.execute(_PROMOTION_TAKE, {"pid": promotion_id, "d": discount}).rowcount == 1

    def give_back(self, promotion_id: str, discount: int) -> bool:
        done = self._c.execute(_PROMOTION_GIVE_BACK, {"pid": promotion_id, "d": discount})
        return done.rowcount == 1


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
_COUPON_GIVE_BACK = (
    sa.update(_C).where(_C.c.id == sa.bindparam("cid"), _C.c.used > 0).values(used=_C.c.used - 1)
)
_CLAIM_GIVE_BACK = sa.update(_W).where(_CLAIM, _W.c.used > 0).values(used=_W.c.used - 1)


class SqlCoupons:
    def __init__(self, conn: Statements, locking: bool) -> None:
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
        self._c.execute(sa.insert(_W).values(claim_to_row(claim)))

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
        row = claim_to_row(CouponClaim(coupon_id, customer_id, code, 0, False, at))
        self._c.execute(_insert_if_absent(self._c.dialect.name, row))
        key = {"cid": coupon_id, "who": customer_id}
        if limit is None:
            return self._c.execute(_CLAIM_TAKE, key).rowcount == 1
        return self._c.execute(_CLAIM_TAKE_LIMITED, {**key, "limit": limit}).rowcount == 1

    def give_back(self, coupon_id: str, customer_id: str) -> bool:
        self._c.execute(_CLAIM_GIVE_BACK, {"cid": coupon_id, "who": customer_id})
        return self._c.execute(_COUPON_GIVE_BACK, {"cid": coupon_id}).rowcount == 1

    def list(self) -> list[Coupon]:
        rows = self._c.execute(sa.select(_C).order_by(_C.c.id)).mappings()
        return [coupon_from_row(r) for r in rows]


def _insert_if_absent(dialect: str, row: dict[str, Any]) -> sa.Executable:
    """An insert that leaves an existing wallet row alone (and waits for a concurrent twin)."""
    if dialect == "postgresql":
        return postgresql.insert(_W).values(row).on_conflict_do_nothing()
    if dialect in ("mysql", "mariadb"):
        return mysql.insert(_W).values(row).on_duplicate_key_update(used=_W.c.used)
    return sqlite.insert(_W).values(row).on_conflict_do_nothing()
