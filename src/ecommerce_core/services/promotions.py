"""Promotion use cases: staff create promotions (any condition and benefit kind the shop knows)
and switch them on and off; coupons, their codes and customers' wallets are in
:mod:`ecommerce_core.services.coupons`, reached through the same ``shop.promotions``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from ecommerce_core.domain.errors import NotFound
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.pricing import (
    Benefit,
    Condition,
    Promotion,
    Scope,
    StackingPolicy,
)
from ecommerce_core.domain.pricing.index import compile_promotion
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.services.coupons import CouponService, require_categories

__all__ = ["PromotionService"]


class PromotionService(CouponService):
    """``shop.promotions``: promotions here, coupons in :class:`CouponService`."""

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
        """``percent`` % off the items in scope (every item when no scope is given): a shorthand
        for :meth:`create` with a ``percent_off`` benefit."""
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
        return self._store(promotion)

    def create(
        self,
        principal: Principal,
        *,
        name: str,
        benefit: Benefit,
        condition: Condition | None = None,
        scope: Scope | None = None,
        stacking: StackingPolicy | None = None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        max_discount: Money | None = None,
        usage_limit: int | None = None,
        budget: Money | None = None,
    ) -> Promotion:
        """A promotion of any kind the shop's rule registry knows (built-ins and plugins').

        :param benefit: e.g. ``Benefit("amount_off_order", {"amount": Money.of("40", "CNY"),
            "every": Money.of("300", "CNY"), "cap": Money.of("120", "CNY")})`` for 每满300减40.
        :param condition: e.g. ``Condition("min_subtotal", {"amount": ...})``; ``Condition.all``
            and ``Condition.any`` combine conditions.
        :param scope: the items it concerns (all when not given).
        :param stacking: group, exclusivity, unit stacking, combinable-with list and priority.
        :param max_discount: at most this much off per order.
        :param usage_limit: at most this many orders; ``budget``: at most this much in total.
        :raises InvalidInput: the rule's parameters are wrong or its kind is unknown.
        """
        require(principal, Permission.PROMOTION_WRITE)
        promotion = Promotion(
            id=self._ctx.ids.new_id("promo"),
            name=name,
            benefit=benefit,
            condition=condition,
            scope=scope or Scope(),
            stacking=stacking or StackingPolicy(),
            starts_at=starts_at,
            ends_at=ends_at,
            max_discount=max_discount,
            usage_limit=usage_limit,
            budget=budget,
        )
        return self._store(promotion)

    def set_active(self, principal: Principal, promotion_id: str, active: bool) -> Promotion:
        """Switch a promotion on or off (it is kept, with its counts)."""
        require(principal, Permission.PROMOTION_WRITE)
        with self._ctx.uow() as uow:
            if uow.promotions.get(promotion_id) is None:
                raise NotFound("no such promotion", promotion_id=promotion_id)
            uow.promotions.set_active(promotion_id, bool(active))
            uow.commit()
            found = uow.promotions.get(promotion_id)
        assert found is not None
        return found

    def list(self, principal: Principal) -> list[Promotion]:
        require(principal, Permission.PROMOTION_WRITE)
        with self._ctx.uow() as uow:
            return sorted(uow.promotions.list(), key=lambda p: p.id)

    def _store(self, promotion: Promotion) -> Promotion:
        compile_promotion(promotion, self._ctx.pricing.registry)  # a bad rule is refused now
        with self._ctx.uow() as uow:
            require_categories(uow, promotion.target.category_ids)
            uow.promotions.add(promotion)
            uow.commit()
        return promotion
