"""The pricing engine: a pure function from a cart, promotions, coupons and a context to an
explained :class:`PriceBreakdown`, exact to the minor unit and independent of line order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

import attrs

from ecommerce_core.domain.pricing.apply import GOODS_PHASES, LATE_PHASES, price_phases
from ecommerce_core.domain.pricing.breakdown import PriceBreakdown, Rejection
from ecommerce_core.domain.pricing.candidates import (
    coupon_entries,
    prepare_lines,
    promotion_entries,
)
from ecommerce_core.domain.pricing.context import PricingContext
from ecommerce_core.domain.pricing.coupons import AppliedCode, Coupon
from ecommerce_core.domain.pricing.index import CompiledRule, PromotionIndex, compile_coupon
from ecommerce_core.domain.pricing.items import PriceableItem
from ecommerce_core.domain.pricing.policy import PricingPolicy, default_registry
from ecommerce_core.domain.pricing.promotions import Promotion
from ecommerce_core.domain.pricing.registry import RuleRegistry
from ecommerce_core.domain.pricing.result import build_breakdown, finish
from ecommerce_core.domain.pricing.state import CartState, Entry, LineState

__all__ = ["PricingEngine", "price_cart", "price_items"]


def _run(
    lines: Sequence[LineState],
    entries: Sequence[Entry],
    context: PricingContext,
    policy: PricingPolicy,
    stock: Mapping[str, int] | None,
    redeem_points: int,
    fresh: bool = True,
) -> CartState:
    """One pricing of ``lines`` with ``entries``; ``fresh=False`` prices the prepared lines in
    place (the first pricing of a cart), else copies of them."""
    state = CartState(lines, context, stock, fresh)
    price_phases(state, entries, GOODS_PHASES)
    grams = sum(line.item.weight_grams * line.quantity for line in state.lines)
    state.shipping_fee, state.shipping_source = policy.shipping.fee(
        grams, context.region, state.goods, context.currency
    )
    state.shipping_left = state.shipping_fee
    price_phases(state, entries, LATE_PHASES)
    finish(state, policy, redeem_points)
    return state


CouponCompiler = Callable[[AppliedCode, Coupon, RuleRegistry], CompiledRule]


def price_cart(
    items: Iterable[PriceableItem],
    promotions: PromotionIndex | Iterable[Promotion],
    context: PricingContext,
    *,
    coupons: Sequence[AppliedCode] = (),
    policy: PricingPolicy | None = None,
    registry: RuleRegistry | None = None,
    stock: Mapping[str, int] | None = None,
    redeem_points: int = 0,
) -> PriceBreakdown:
    """Price a cart: resolved prices, promotions, coupons, shipping, points and tax, explained.

    :param promotions: a :class:`PromotionIndex` built once (fast), or promotions to index now.
    :param coupons: the codes the customer entered, resolved by the caller.
    :param policy: price lists, tax, shipping fees, points and the coupon limit.
    :param registry: the rule kinds (built-ins by default; plugins add more).
    :param stock: units available per SKU, for gifts; ``None`` assumes gifts are in stock.
    :param redeem_points: points the customer wants to pay with (capped by the policy).
    """
    registry = registry or default_registry()
    return _price(
        items, promotions, context, coupons, policy or PricingPolicy(), registry, stock,
        redeem_points, compile_coupon,
    )  # fmt: skip


def _price(
    items: Iterable[PriceableItem],
    promotions: PromotionIndex | Iterable[Promotion],
    context: PricingContext,
    coupons: Sequence[AppliedCode],
    policy: PricingPolicy,
    registry: RuleRegistry,
    stock: Mapping[str, int] | None,
    redeem_points: int,
    compile: CouponCompiler,
) -> PriceBreakdown:
    index = (
        promotions
        if isinstance(promotions, PromotionIndex)
        else PromotionIndex.build(promotions, registry)
    )
    lines = prepare_lines(items, context, policy.prices)
    entries, rejected = promotion_entries(index, lines, context.now)
    by_code, refused = coupon_entries(
        coupons, lines, context, registry, policy.max_coupons, compile
    )
    entries += by_code
    rejected += refused
    best = _run(
        lines,
        [e for e in entries if not e.rule.stacking.exclusive],
        context,
        policy,
        stock,
        redeem_points,
        fresh=False,
    )
    exclusive = sorted(
        (e for e in entries if e.rule.stacking.exclusive),
        key=lambda e: (-e.rule.priority, e.rule.id, e.rule.code),
    )
    for entry in exclusive:
        rule = entry.rule
        alone = _run(lines, [entry], context, policy, stock, redeem_points)
        if rule not in alone.applied_set:
            reason, details = alone.rejected.get(rule, ("no_discount", {}))
            rejected.append(Rejection(rule.source, rule.id, reason, rule.label, rule.code, details))
        elif alone.total < best.total:
            # the exclusive rule alone beats everything priced so far: that is what applies
            rejected += _beaten(best, rule.code or rule.id) + _refused(best)
            best = alone
        else:
            winner = best.applied[0] if best.applied else None
            by = (winner.code or winner.id) if winner else ""
            rejected.append(
                Rejection(
                    rule.source,
                    rule.id,
                    "not_combinable_with",
                    rule.label,
                    rule.code,
                    {"conflicts_with": by},
                )
            )
    return build_breakdown(best, rejected)


def _refused(state: CartState) -> list[Rejection]:
    return [
        Rejection(rule.source, rule.id, reason, rule.label, rule.code, details)
        for rule, (reason, details) in state.rejected.items()
    ]


def _beaten(state: CartState, by: str) -> list[Rejection]:
    return [
        Rejection(r.source, r.id, "not_combinable_with", r.label, r.code, {"conflicts_with": by})
        for r in state.applied
    ]


_WINDOW = {"not_started": "not_in_time_window", "expired": "not_in_time_window"}


def price_items(
    items: Iterable[PriceableItem], promotions: Iterable[Promotion], now: datetime, currency: str
) -> PriceBreakdown:
    """The walking skeleton's call: promotions only, no tax, no shipping.

    A promotion outside its window is reported as ``not_in_time_window`` (``price_cart`` says
    ``not_started`` or ``expired``). Lines come out sorted by SKU, so input order never matters.
    """
    result = price_cart(items, promotions, PricingContext(now, currency))
    rejected = tuple(
        attrs.evolve(r, reason=_WINDOW.get(r.reason, r.reason)) for r in result.rejected
    )
    return attrs.evolve(result, rejected=rejected)


class PricingEngine:
    """What services call: a registry of rule kinds and the shop's pricing policy.

    The promotion index is rebuilt only when the promotions change (compared by value).
    """

    def __init__(
        self, registry: RuleRegistry | None = None, policy: PricingPolicy | None = None
    ) -> None:
        self.registry = registry or default_registry()
        self.policy = policy or PricingPolicy()
        self._cached: tuple[tuple[Promotion, ...], PromotionIndex] | None = None
        self._coupons: dict[tuple[str, Coupon], CompiledRule] = {}

    def index(self, promotions: Iterable[Promotion]) -> PromotionIndex:
        key = tuple(sorted(promotions, key=lambda p: p.id))
        if self._cached is None or self._cached[0] != key:
            self._cached = (key, PromotionIndex.build(key, self.registry))
        return self._cached[1]

    def price(
        self,
        items: Iterable[PriceableItem],
        promotions: Iterable[Promotion],
        now: datetime,
        currency: str,
    ) -> PriceBreakdown:
        return self.quote(items, promotions, PricingContext(now, currency))

    def quote(
        self,
        items: Iterable[PriceableItem],
        promotions: PromotionIndex | Iterable[Promotion],
        context: PricingContext,
        *,
        coupons: Sequence[AppliedCode] = (),
        stock: Mapping[str, int] | None = None,
        redeem_points: int = 0,
        lenient_tax: bool = False,
    ) -> PriceBreakdown:
        """Price with this engine's registry and policy (see :func:`price_cart`).

        ``lenient_tax``: a failing tax calculator falls back to the rates even when the policy
        says ``refuse`` (for a display, such as the cart's live prices, that must not fail)."""
        index = promotions if isinstance(promotions, PromotionIndex) else self.index(promotions)
        policy = self.policy
        if lenient_tax and policy.tax.calculator is not None and policy.tax.fallback != "table":
            policy = attrs.evolve(policy, tax=attrs.evolve(policy.tax, fallback="table"))
        return _price(
            items, index, context, coupons, policy, self.registry, stock, redeem_points,
            self._compile_coupon,
        )  # fmt: skip

    def _compile_coupon(
        self, applied: AppliedCode, coupon: Coupon, registry: RuleRegistry
    ) -> CompiledRule:
        # compiled rules hold no per-pricing state, so one per (code, coupon) serves every cart
        key = (applied.code, coupon)
        rule = self._coupons.get(key)
        if rule is None:
            if len(self._coupons) > 4096:
                self._coupons.clear()
            rule = self._coupons[key] = compile_coupon(applied, coupon, registry)
        return rule
