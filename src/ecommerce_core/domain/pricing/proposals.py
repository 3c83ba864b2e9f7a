"""What each rule proposes for a cart: its pieces, line by line or whole, capped and allocated.

A rule's effect becomes *pieces*: one per line for line-by-line benefits (so the best of a group
is decided per line), else one piece for all the lines it touches. Order-level amounts are spread
over the rule's lines by largest remainder; caps (per order, remaining budget) likewise.
"""

from __future__ import annotations

from typing import Any

from ecommerce_core.domain.money import allocate_units
from ecommerce_core.domain.pricing import params as p
from ecommerce_core.domain.pricing.index import CompiledRule
from ecommerce_core.domain.pricing.rules import Effect, RuleView
from ecommerce_core.domain.pricing.stacking import combinable
from ecommerce_core.domain.pricing.state import CartState, Entry, LineState

__all__ = ["Piece", "clash", "propose"]


class Piece:
    """What one rule proposes: ``parts`` per line, and an amount still to ``spread`` over lines
    by largest remainder (done only if the piece wins: most proposals lose)."""

    __slots__ = ("kind", "lines", "parts", "payload", "per_line", "rule", "spread", "total")

    def __init__(
        self,
        rule: CompiledRule,
        parts: dict[int, int],
        total: int,
        per_line: bool,
        kind: str,
        payload: Any = None,
        spread: tuple[int, list[int], list[int], list[str]] | None = None,
    ) -> None:
        self.rule, self.parts, self.total = rule, parts, total
        self.per_line, self.kind, self.payload = per_line, kind, payload
        self.spread = spread
        # the lines it would touch: what conflicts within a group are judged on; a shipping,
        # points or gift piece takes its whole group (-1), so a group gives one of those
        if kind != "goods":
            self.lines: tuple[int, ...] = (-1,)
        else:
            self.lines = tuple(parts) if spread is None else (*parts, *spread[1])

    def order(self) -> tuple[int, int, str, str, int]:
        first = min(self.lines)
        return (-self.total, -self.rule.stacking.priority, self.rule.id, self.rule.code, first)

    def settle(self) -> dict[int, int]:
        """The discount per line, the spread amount allocated."""
        if self.spread is not None:
            amount, indexes, weights, keys = self.spread
            parts = self.parts
            for i, share in zip(indexes, allocate_units(amount, weights, keys), strict=True):
                if share:
                    parts[i] = parts.get(i, 0) + share
            self.spread = None
        return self.parts


def clash(state: CartState, rule: CompiledRule) -> CompiledRule | None:
    """The first applied rule that ``rule`` may not join (only restricted rules need looking at)."""
    others = state.applied if rule.restricted else state.restricted
    other: CompiledRule
    for other in others:
        if other is not rule and not combinable(other, rule):
            return other
    return None


def _cap(rule: CompiledRule, currency: str) -> int | None:
    """The most this rule may still give in this order; None when a cap is in another currency."""
    caps = [m for m in (rule.max_discount, rule.remaining_budget) if m is not None]
    if any(m.currency != currency for m in caps):
        return None
    return min(m.amount for m in caps)


def propose(state: CartState, entry: Entry) -> list[Piece]:
    rule = entry.rule
    if rule.remaining_uses == 0:
        state.reject(rule, "usage_limit_reached")
        return []
    if rule.remaining_budget is not None and rule.remaining_budget.amount == 0:
        state.reject(rule, "budget_exhausted")
        return []
    if rule.restricted or state.restricted:  # else nothing can clash (see clash)
        conflict = clash(state, rule)
        if conflict is not None:
            state.reject(rule, "not_combinable_with", conflicts_with=conflict.code or conflict.id)
            return []
    if not entry.matched:  # in scope, exclusions applied
        state.reject(rule, "out_of_scope")
        return []
    every = state.lines
    goods = rule.stage in ("item", "order")
    if goods:
        group, stackable = rule.group, rule.stacking.stackable
        lines = [
            ln
            for i in entry.matched
            if group not in (ln := every[i]).groups
            and (not ln.touched or (stackable and not ln.closed))
        ]
        if not lines:
            scoped = [every[i] for i in entry.matched]
            if all(group in ln.groups for ln in scoped):
                state.reject(rule, "outranked_in_group", group=group)
            else:
                blocker = next(r for ln in scoped for r, _ in ln.adjustments)
                state.reject(rule, "not_combinable_with", conflicts_with=blocker.code or blocker.id)
            return []
    else:
        lines = [every[i] for i in entry.matched]
    view = RuleView(lines, state.views, state.context, state.shipping_left, state.stock)
    if rule.condition is not None:
        verdict = rule.condition(view)
        if verdict is not None:
            state.reject(rule, verdict.reason, verdict.shortfall, **verdict.details)
            return []
    effect = rule.benefit(view)
    if effect.reason:
        state.reject(rule, effect.reason, effect.next_shortfall)
        return []
    if effect.next_shortfall is not None:
        state.shortfalls[rule] = effect.next_shortfall
    if goods:
        return _goods_pieces(state, rule, view, lines, effect)
    return _other_pieces(state, rule, effect)


def _goods_pieces(
    state: CartState, rule: CompiledRule, view: RuleView, lines: list[LineState], effect: Effect
) -> list[Piece]:
    by_index = state.lines
    parts: dict[int, int] = {}
    if effect.lines:
        open_lines = {ln.index for ln in lines}
        for i, amount in effect.lines.items():
            if amount > 0 and i in open_lines:
                room = by_index[i].amount  # never more than the line costs now
                parts[i] = amount if amount < room else room
    per_line = effect.per_line
    total = sum(parts.values())
    spread = None
    if effect.order > 0:
        per_line = False
        indexes, weights, skus = [], [], []
        for ln in lines:
            left = ln.amount - parts.get(ln.index, 0) if parts else ln.amount
            if left > 0:
                indexes.append(ln.index)
                weights.append(left)
                skus.append(ln.sku)
        amount = min(effect.order, sum(weights))
        if amount:
            spread = (amount, indexes, weights, skus)
            total += amount
    if rule.max_discount is not None or rule.remaining_budget is not None:
        cap = _cap(rule, state.currency)
        if cap is None:
            state.reject(rule, "currency_mismatch")
            return []
        if total > cap:
            if spread is not None:  # the capped amount is spread in proportion to the uncapped
                parts = Piece(rule, parts, total, False, "goods", None, spread).settle()
                spread = None
            order = sorted(parts)
            shares = allocate_units(
                cap, [parts[i] for i in order], [by_index[i].sku for i in order]
            )
            parts = {i: s for i, s in zip(order, shares, strict=True) if s}
            total, per_line = cap, False
    if total == 0:
        state.reject(rule, "no_discount")
        return []
    # line-by-line parts stay together here; the group takes each line's best of them
    return [Piece(rule, parts, total, per_line, "goods", None, spread)]


def _other_pieces(state: CartState, rule: CompiledRule, effect: Effect) -> list[Piece]:
    if rule.stage == "gift":
        if not effect.gifts:
            state.reject(rule, "no_discount")
            return []
        return [Piece(rule, {}, 0, False, "gift", effect.gifts)]
    if rule.stage == "shipping":
        amount = effect.shipping_amount
        if effect.shipping_percent is not None:
            amount += p.share(state.shipping_left, p.percent_ratio(effect.shipping_percent))
        amount = min(amount, state.shipping_left)
        if amount <= 0:
            state.reject(rule, "no_discount")
            return []
        return [Piece(rule, {}, amount, False, "shipping")]
    if effect.points_multiplier is None:
        state.reject(rule, "no_discount")
        return []
    rank = int(effect.points_multiplier * 1000)
    return [Piece(rule, {}, rank, False, "points", effect.points_multiplier)]
