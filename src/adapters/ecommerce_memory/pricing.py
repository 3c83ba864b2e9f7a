"""In-memory promotions and coupons. A memory unit of work holds the store's lock from start to
end, so a check and the write that follows it are one atomic step, as a conditional update is."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from ecommerce_core.domain.errors import AlreadyExists, NotFound
from ecommerce_core.domain.pricing import Coupon, CouponClaim, CouponCode, Promotion

if TYPE_CHECKING:
    from ecommerce_memory.storage import MemoryUnitOfWork

__all__ = ["CATALOGUE", "PRICING_TABLES", "MemoryCoupons", "MemoryPromotions", "bump_catalogue"]

PRICING_TABLES = ("coupons", "coupon_codes", "coupon_claims", "promotion_catalogue")
#: ``{"version": n}``: the promotion catalogue version; the store's own, kept by a restore
CATALOGUE = "promotion_catalogue"


def bump_catalogue(working: dict[str, dict[Any, Any]]) -> None:
    """A new promotion catalogue version (a promotion added or changed, a backup restored)."""
    row = working[CATALOGUE]
    row["version"] = row.get("version", 0) + 1


class _Tables:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def _rows(self, table: str) -> dict[Any, Any]:
        return self._uow.working[table]


class MemoryPromotions(_Tables):
    def add(self, promotion: Promotion) -> None:
        rows = self._rows("promotions")
        if promotion.id in rows:
            raise AlreadyExists("that promotion exists", id=promotion.id)
        rows[promotion.id] = promotion
        bump_catalogue(self._uow.working)

    def get(self, promotion_id: str) -> Promotion | None:
        found: Promotion | None = self._rows("promotions").get(promotion_id)
        return found

    def list(self) -> list[Promotion]:
        return sorted(self._rows("promotions").values(), key=lambda p: p.id)

    def set_active(self, promotion_id: str, active: bool) -> None:
        current = self.get(promotion_id)
        if current is None:
            raise NotFound("no such promotion", id=promotion_id)
        self._rows("promotions")[promotion_id] = attrs.evolve(current, active=active)
        bump_catalogue(self._uow.working)

    def catalogue_version(self) -> int:
        return int(self._rows(CATALOGUE).get("version", 0))

    def usage(self, promotion_ids: Collection[str]) -> dict[str, tuple[int, int]]:
        rows = self._rows("promotions")
        found = (rows.get(i) for i in promotion_ids)
        return {p.id: (p.used, p.discount_given) for p in found if p is not None}

    def take_use(self, promotion_id: str, discount: int) -> bool:
        p = self.get(promotion_id)
        if p is None:
            return False
        if p.usage_limit is not None and p.used >= p.usage_limit:
            return False
        if p.budget is not None and p.discount_given + discount > p.budget.amount:
            return False
        self._rows("promotions")[promotion_id] = attrs.evolve(
            p, used=p.used + 1, discount_given=p.discount_given + discount
        )
        return True

    def give_back(self, promotion_id: str, discount: int) -> bool:
        p = self.get(promotion_id)
        if p is None or p.used < 1 or p.discount_given < discount:
            return False
        self._rows("promotions")[promotion_id] = attrs.evolve(
            p, used=p.used - 1, discount_given=p.discount_given - discount
        )
        return True


class MemoryCoupons(_Tables):
    def add(self, coupon: Coupon) -> None:
        rows = self._rows("coupons")
        if coupon.id in rows:
            raise AlreadyExists("that coupon exists", id=coupon.id)
        rows[coupon.id] = coupon

    def get(self, coupon_id: str) -> Coupon | None:
        found: Coupon | None = self._rows("coupons").get(coupon_id)
        return found

    def add_codes(self, codes: Any) -> None:
        rows = self._rows("coupon_codes")
        fresh = [c.code for c in codes]
        if len(set(fresh)) != len(fresh) or any(code in rows for code in fresh):
            raise AlreadyExists("a coupon code is taken")
        for code in codes:
            rows[code.code] = code

    def get_code(self, code: str) -> CouponCode | None:
        found: CouponCode | None = self._rows("coupon_codes").get(code)
        return found

    def codes(self, coupon_id: str) -> list[CouponCode]:
        found = [c for c in self._rows("coupon_codes").values() if c.coupon_id == coupon_id]
        return sorted(found, key=lambda c: c.code)

    def bind_code(self, code: str, customer_id: str) -> bool:
        current = self.get_code(code)
        if current is None or not current.personal or current.customer_id is not None:
            return False
        self._rows("coupon_codes")[code] = attrs.evolve(current, customer_id=customer_id)
        return True

    def add_claim(self, claim: CouponClaim) -> None:
        rows = self._rows("coupon_claims")
        key = (claim.coupon_id, claim.customer_id)
        if key in rows:
            raise AlreadyExists("the customer holds that coupon already")
        rows[key] = claim

    def claim_of(self, coupon_id: str, customer_id: str) -> CouponClaim | None:
        found: CouponClaim | None = self._rows("coupon_claims").get((coupon_id, customer_id))
        return found

    def claims_of(self, customer_id: str) -> list[CouponClaim]:
        found = [c for c in self._rows("coupon_claims").values() if c.customer_id == customer_id]
        return sorted(found, key=lambda c: c.coupon_id)

    def take_use(self, coupon_id: str) -> bool:
        coupon = self.get(coupon_id)
        if coupon is None or coupon.exhausted():
            return False
        self._rows("coupons")[coupon_id] = attrs.evolve(coupon, used=coupon.used + 1)
        return True

    def take_customer_use(
        self, coupon_id: str, customer_id: str, code: str, limit: int | None, at: datetime
    ) -> bool:
        rows = self._rows("coupon_claims")
        claim = rows.get((coupon_id, customer_id)) or CouponClaim(
            coupon_id, customer_id, code, 0, False, at
        )
        if limit is not None and claim.used >= limit:
            return False
        rows[(coupon_id, customer_id)] = attrs.evolve(claim, used=claim.used + 1)
        return True

    def give_back(self, coupon_id: str, customer_id: str) -> bool:
        claim = self.claim_of(coupon_id, customer_id)
        if claim is not None and claim.used > 0:
            self._rows("coupon_claims")[(coupon_id, customer_id)] = attrs.evolve(
                claim, used=claim.used - 1
            )
        coupon = self.get(coupon_id)
        if coupon is None or coupon.used < 1:
            return False
        self._rows("coupons")[coupon_id] = attrs.evolve(coupon, used=coupon.used - 1)
        return True

    def list(self) -> list[Coupon]:
        return sorted(self._rows("coupons").values(), key=lambda c: c.id)
