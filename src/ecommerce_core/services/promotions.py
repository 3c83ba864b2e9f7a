"""Promotion use cases (the percentage promotion of the walking skeleton)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from ecommerce_core.domain.errors import NotFound
from ecommerce_core.domain.pricing import Promotion
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.services.context import ServiceContext

__all__ = ["PromotionService"]


class PromotionService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def create_percentage(
        self,
        principal: Principal,
        *,
        name: str,
        percent: Decimal | str | int,
        category_ids: Iterable[str] = (),
        skus: Iterable[str] = (),
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> Promotion:
        """``percent`` % off the items in scope (every item when no scope is given)."""
        require(principal, Permission.PROMOTION_WRITE)
        promotion = Promotion(
            id=self._ctx.ids.new_id("promo"),
            name=name,
            percent=percent,
            category_ids=category_ids,
            skus=skus,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        with self._ctx.uow() as uow:
            known = {c.id for c in uow.categories.list()}
            missing = sorted(promotion.category_ids - known)
            if missing:
                raise NotFound("a category in the scope does not exist", category_ids=missing)
            uow.promotions.add(promotion)
            uow.commit()
        return promotion

    def list(self, principal: Principal) -> list[Promotion]:
        require(principal, Permission.PROMOTION_WRITE)
        with self._ctx.uow() as uow:
            return sorted(uow.promotions.list(), key=lambda p: p.id)
