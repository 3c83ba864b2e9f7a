"""Compiled rules, and the index that finds the promotions a cart could use without scanning all.

A promotion is filed under each key of its scope (SKU, product, category, brand, tag, merchant);
one with an unscoped benefit is filed under "everything". A cart asks with the keys of its
lines, so pricing costs grow with the promotions that could apply, not with all of them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import attrs

from ecommerce_core.domain.money import Money
from ecommerce_core.domain.pricing.coupons import AppliedCode, Coupon
from ecommerce_core.domain.pricing.promotions import Promotion
from ecommerce_core.domain.pricing.registry import RuleRegistry
from ecommerce_core.domain.pricing.rules import BenefitFn, Condition, ConditionFn
from ecommerce_core.domain.pricing.scope import Scope
from ecommerce_core.domain.pricing.stacking import StackingPolicy

__all__ = ["CompiledRule", "PromotionIndex", "compile_coupon", "compile_promotion"]

_MIN_SPEND = "min_subtotal"
_PHASE = {
    ("promotion", "item"): 0,
    ("promotion", "order"): 1,
    ("promotion", "gift"): 1,
    ("coupon", "item"): 2,
    ("coupon", "order"): 3,
    ("coupon", "gift"): 3,
    ("promotion", "shipping"): 4,
    ("coupon", "shipping"): 4,
    ("promotion", "points"): 5,
    ("coupon", "points"): 5,
}


class CompiledRule:
    """A promotion or coupon ready to price: its callables, scope, policy and remaining caps."""

    __slots__ = (
        "benefit",
        "code",
        "condition",
        "ends_at",
        "group",
        "id",
        "kind",
        "label",
        "max_discount",
        "narrowed",
        "order",
        "origin",
        "phase",
        "priority",
        "remaining_budget",
        "remaining_uses",
        "restricted",
        "scope",
        "source",
        "stacking",
        "stage",
        "starts_at",
        "windowed",
    )

    def __init__(
        self,
        *,
        source: str,
        id: str,
        label: str,
        scope: Scope,
        condition: ConditionFn | None,
        benefit: BenefitFn,
        kind: str,
        stage: str,
        stacking: StackingPolicy,
        group: str,
        starts_at: datetime | None,
        ends_at: datetime | None,
        origin: Promotion | Coupon,
        code: str = "",
        max_discount: Money | None = None,
        remaining_uses: int | None = None,
        remaining_budget: Money | None = None,
    ) -> None:
        self.source, self.id, self.code, self.label = source, id, code, label
        self.scope, self.condition, self.benefit = scope, condition, benefit
        self.kind, self.stage, self.stacking, self.group = kind, stage, stacking, group
        self.starts_at, self.ends_at, self.origin = starts_at, ends_at, origin
        self.max_discount = max_discount
        self.remaining_uses = remaining_uses
        self.remaining_budget = remaining_budget
        # promotions first, then coupons: item discounts, order discounts and gifts; then
        # shipping and points once the goods are priced (plugin stages count as order)
        self.phase = _PHASE.get((source, stage), 1 if source == "promotion" else 3)
        self.restricted = stacking.exclusive or stacking.combinable_with is not None
        self.windowed = starts_at is not None or ends_at is not None
        self.narrowed = scope.has_exclusions  # exclusions to check line by line
        self.priority = stacking.priority
        #: where it is priced among the rules of a pricing: phase, priority, id, code
        self.order = (self.phase, -self.priority, id, code)

    def window_reason(self, now: datetime) -> str:
        """``not_started``, ``expired``, or "" when live at ``now``."""
        if self.starts_at is not None and now < self.starts_at:
            return "not_started"
        if self.ends_at is not None and now >= self.ends_at:
            return "expired"
        return ""

    def __repr__(self) -> str:
        return f"<rule {self.source}:{self.id}>"


def compile_promotion(promotion: Promotion, registry: RuleRegistry) -> CompiledRule:
    """Check a promotion's rule against ``registry`` and compile it (InvalidInput when it is bad)."""
    benefit = promotion.rule_benefit
    stage, give = registry.compile_benefit(benefit)
    remaining = None
    if promotion.budget is not None:
        left = max(0, promotion.budget.amount - promotion.discount_given)
        remaining = Money(left, promotion.budget.currency)
    uses = None
    if promotion.usage_limit is not None:
        uses = max(0, promotion.usage_limit - promotion.used)
    return CompiledRule(
        source="promotion",
        id=promotion.id,
        label=promotion.name,
        scope=promotion.target,
        condition=None
        if promotion.condition is None
        else registry.compile_condition(promotion.condition),
        benefit=give,
        kind=benefit.kind,
        stage=stage,
        stacking=promotion.stacking,
        group=promotion.stacking.group or stage,
        starts_at=promotion.starts_at,
        ends_at=promotion.ends_at,
        origin=promotion,
        max_discount=promotion.max_discount,
        remaining_uses=uses,
        remaining_budget=remaining,
    )


def coupon_condition(coupon: Coupon) -> Condition | None:
    """The coupon's condition with its minimum spend folded in."""
    parts = []
    if coupon.min_spend is not None:
        spend = {"amount": coupon.min_spend.amount, "currency": coupon.min_spend.currency}
        parts.append(Condition(_MIN_SPEND, {"amount": spend}))
    if coupon.condition is not None:
        parts.append(coupon.condition)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Condition.all(*parts)


def compile_coupon(applied: AppliedCode, coupon: Coupon, registry: RuleRegistry) -> CompiledRule:
    stage, give = registry.compile_benefit(coupon.benefit)
    condition = coupon_condition(coupon)
    uses = None if coupon.usage_limit is None else max(0, coupon.usage_limit - coupon.used)
    return CompiledRule(
        source="coupon",
        id=coupon.id,
        code=applied.code,
        label=coupon.name,
        scope=coupon.scope,
        condition=None if condition is None else registry.compile_condition(condition),
        benefit=give,
        kind=coupon.benefit.kind,
        stage=stage,
        stacking=coupon.stacking,
        group=coupon.group,
        starts_at=coupon.starts_at,
        ends_at=coupon.ends_at,
        origin=coupon,
        remaining_uses=uses,
    )


class PromotionIndex:
    """Active promotions compiled once and filed by scope. Build it when promotions change and
    reuse it for every pricing: ``PromotionIndex.build(promotions, registry)``."""

    def __init__(self, rules: Iterable[CompiledRule]) -> None:
        self.rules = tuple(sorted(rules, key=lambda r: r.id))
        #: SKUs that gift rules hand out: their stock is what a pricing needs to know
        self.gift_skus = frozenset(
            str(r.origin.rule_benefit.params.get("sku", "")).upper()
            for r in self.rules
            if isinstance(r.origin, Promotion) and r.kind == "gift"
        )
        self.everything = [r for r in self.rules if r.scope.everything]
        self.by_key: dict[tuple[str, str], list[CompiledRule]] = {}
        self._by_id = {rule.id: rule for rule in self.rules}
        #: rules replaced by ones with counts read afresh (see :meth:`with_counts`)
        self._fresh: dict[CompiledRule, CompiledRule] = {}
        conditions: set[str] = set()
        for rule in self.rules:
            for key in rule.scope.index_keys():
                self.by_key.setdefault(key, []).append(rule)
            pending = [] if rule.origin.condition is None else [rule.origin.condition]
            while pending:
                condition = pending.pop()
                conditions.add(condition.kind)
                pending.extend(condition.children)
        #: the benefit kinds and the condition kinds (at any depth) of the rules: what a caller
        #: asks once per index instead of walking every rule per pricing
        self.benefit_kinds = frozenset(rule.kind for rule in self.rules)
        self.condition_kinds = frozenset(conditions)

    @classmethod
    def build(cls, promotions: Iterable[Promotion], registry: RuleRegistry) -> PromotionIndex:
        """Inactive promotions are left out: they never apply and are never reported."""
        return cls(compile_promotion(p, registry) for p in promotions if p.active)

    def __len__(self) -> int:
        return len(self.rules)

    def limited(self, line_keys: Sequence[Sequence[tuple[str, str]]]) -> list[str]:
        """The ids of the usage-limited or budget-capped promotions that could apply to lines
        with these keys (their counts are what a pricing reads afresh), sorted."""
        return sorted(
            rule.id
            for rule in self.candidates(line_keys)
            if rule.remaining_uses is not None or rule.remaining_budget is not None
        )

    def with_counts(
        self, counts: Mapping[str, tuple[int, int]], registry: RuleRegistry
    ) -> PromotionIndex:
        """This index with these promotions' ``(used, discount_given)`` as given (read afresh):
        a view sharing everything else, for one pricing. Rules whose counts are unchanged stay."""
        fresh: dict[CompiledRule, CompiledRule] = {}
        for rule in self.rules_by_id(counts):
            origin = rule.origin
            used, given = counts[rule.id]
            if not isinstance(origin, Promotion):
                continue
            if (origin.used, origin.discount_given) == (used, given):
                continue
            updated = attrs.evolve(origin, used=used, discount_given=given)
            fresh[rule] = compile_promotion(updated, registry)
        if not fresh:
            return self
        view = copy.copy(self)
        view._fresh = {**self._fresh, **fresh}
        return view

    def rules_by_id(self, ids: Iterable[str]) -> list[CompiledRule]:
        wanted = set(ids)
        return [self._by_id[i] for i in sorted(wanted) if i in self._by_id]

    def candidates(
        self, line_keys: Sequence[Sequence[tuple[str, str]]]
    ) -> dict[CompiledRule, set[int] | range]:
        """Each rule that could apply, with the lines its scope names (before exclusions)."""
        keyed: dict[CompiledRule, set[int]] = {}
        get = self.by_key.get
        for index, keys in enumerate(line_keys):
            for key in keys:
                for rule in get(key, ()):
                    hit = keyed.get(rule)
                    if hit is None:
                        keyed[rule] = {index}
                    else:
                        hit.add(index)
        found: dict[CompiledRule, set[int] | range] = dict.fromkeys(
            self.everything, range(len(line_keys))
        )
        found.update(keyed)
        if self._fresh:
            fresh = self._fresh
            return {fresh.get(rule, rule): lines for rule, lines in found.items()}
        return found
