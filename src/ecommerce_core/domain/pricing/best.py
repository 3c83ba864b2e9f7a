"""The best combination of a customer's coupons: the legal set with the lowest payable total.

Each coupon is first priced alone; one that does not apply alone cannot apply beside others
(spend only falls as discounts are added), so it is left out with its reason. The rest are
combined at most one per stacking group, within the shop's coupon limit, leaving out pairs their
policies forbid, and every combination is priced. Ties go to fewer coupons, then to the codes
that sort first. Singles are among the combinations, so the choice is never worse than the best
single coupon.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from math import comb

import attrs

from ecommerce_core.domain.pricing.breakdown import Hint, PriceBreakdown, Rejection
from ecommerce_core.domain.pricing.context import PricingContext
from ecommerce_core.domain.pricing.coupons import AppliedCode, Coupon
from ecommerce_core.domain.pricing.engine import price_cart
from ecommerce_core.domain.pricing.index import PromotionIndex
from ecommerce_core.domain.pricing.items import PriceableItem
from ecommerce_core.domain.pricing.policy import PricingPolicy, default_registry
from ecommerce_core.domain.pricing.promotions import Promotion
from ecommerce_core.domain.pricing.registry import RuleRegistry

__all__ = ["CouponChoice", "best_coupons"]

#: Beyond this many combinations only the best coupon of each group is combined.
MAX_COMBINATIONS = 256


@attrs.frozen
class CouponChoice:
    """The codes to apply, the breakdown with them, and why each other code was left out."""

    codes: tuple[str, ...]
    breakdown: PriceBreakdown
    left_out: tuple[Rejection, ...] = ()
    hints: tuple[Hint, ...] = ()
    combinations_priced: int = 0


def _allowed_together(chosen: Sequence[tuple[AppliedCode, Coupon]]) -> bool:
    groups = [coupon.group for _, coupon in chosen]
    if len(set(groups)) != len(groups):
        return False
    if len(chosen) > 1 and any(coupon.stacking.exclusive for _, coupon in chosen):
        return False
    return all(_welcome(a, b) and _welcome(b, a) for (_, a), (_, b) in combinations(chosen, 2))


def _welcome(a: Coupon, b: Coupon) -> bool:
    allowed = a.stacking.combinable_with
    return allowed is None or bool({b.id, b.group, "coupon"} & allowed)


def best_coupons(
    items: Iterable[PriceableItem],
    promotions: PromotionIndex | Iterable[Promotion],
    context: PricingContext,
    held: Sequence[AppliedCode],
    *,
    policy: PricingPolicy | None = None,
    registry: RuleRegistry | None = None,
    stock: Mapping[str, int] | None = None,
) -> CouponChoice:
    """Choose, among the coupons a customer holds, the legal set that makes the total lowest."""
    policy = policy or PricingPolicy()
    registry = registry or default_registry()
    cart = list(items)
    index = (
        promotions
        if isinstance(promotions, PromotionIndex)
        else PromotionIndex.build(promotions, registry)
    )

    def price(codes: Sequence[AppliedCode]) -> PriceBreakdown:
        return price_cart(
            cart, index, context, coupons=codes, policy=policy, registry=registry, stock=stock
        )

    plain = price(())
    usable: list[tuple[AppliedCode, Coupon, PriceBreakdown]] = []
    left_out: list[Rejection] = []
    hints: list[Hint] = []
    for code in sorted({c.code: c for c in held}.values(), key=lambda c: c.code):
        alone = price((code,))
        if code.coupon is not None and code.code in alone.coupons:
            usable.append((code, code.coupon, alone))
        else:
            left_out += [r for r in alone.rejected if r.code == code.code]
            hints += [h for h in alone.hints if h.code == code.code]
    limit = policy.max_coupons
    if _count(len(usable), limit) > MAX_COMBINATIONS:
        by_group: dict[str, tuple[AppliedCode, Coupon, PriceBreakdown]] = {}
        for entry in usable:
            best = by_group.get(entry[1].group)
            if best is None or entry[2].total < best[2].total:
                by_group[entry[1].group] = entry
        usable = sorted(by_group.values(), key=lambda entry: entry[0].code)
    chosen: tuple[tuple[str, ...], PriceBreakdown] = ((), plain)
    priced = 1 + len(usable)
    for size in range(1, min(limit, len(usable)) + 1):
        for combo in combinations(usable, size):
            if size == 1:
                result = combo[0][2]
            elif _allowed_together([(c, coupon) for c, coupon, _ in combo]):
                result = price([c for c, _, _ in combo])
                priced += 1
            else:
                continue
            if len(result.coupons) != size:
                continue  # a coupon fell away beside the others: that set is the smaller one
            key = (result.total.amount, size, result.coupons)
            if key < (chosen[1].total.amount, len(chosen[0]), chosen[0]):
                chosen = (result.coupons, result)
    left_out += [
        Rejection("coupon", coupon.id, "not_best", coupon.name, code.code)
        for code, coupon, _ in usable
        if code.code not in chosen[0]
    ]
    return CouponChoice(
        chosen[0], chosen[1], tuple(left_out), tuple(hints) + chosen[1].hints, priced
    )


def _count(n: int, limit: int) -> int:
    return sum(comb(n, k) for k in range(1, min(n, limit) + 1))
