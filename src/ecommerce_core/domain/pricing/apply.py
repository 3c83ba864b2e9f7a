"""Applying rules to a cart in integer minor units: phases, stacking groups, unit stacking, caps.

Phases run in this order: promotions' item discounts, promotions' order discounts and gifts,
coupons' item discounts, coupons' order discounts and gifts; then (after the shipping fee is
known) shipping benefits, then points multipliers. Within a phase, groups are priced in the order
of their highest-priority member; within a group, the largest discount wins each line (see
:mod:`ecommerce_core.domain.pricing.stacking`).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

from ecommerce_core.domain.pricing.index import CompiledRule
from ecommerce_core.domain.pricing.proposals import Piece, clash, propose
from ecommerce_core.domain.pricing.state import CartState, Entry

__all__ = ["GOODS_PHASES", "LATE_PHASES", "price_phases"]

GOODS_PHASES = (0, 1, 2, 3)
LATE_PHASES = (4, 5)


def price_phases(state: CartState, entries: Sequence[Entry], phases: Sequence[int]) -> None:
    """Apply the rules of ``entries`` that belong to ``phases``, in order."""
    chosen = sorted((e for e in entries if e.rule.phase in phases), key=_entry_order)
    batches: dict[tuple[int, str], list[Entry]] = {}
    for entry in chosen:
        rule = entry.rule
        batches.setdefault((rule.phase, rule.group), []).append(entry)
    for members in batches.values():
        _price_group(state, members)


def _entry_order(entry: Entry) -> tuple[int, int, str, str]:
    return entry.rule.order  # phase, then higher priority, id, code


#: a proposal as ranked in its group: its order (see Piece.order), its rule, and the piece; or,
#: for one line's part of a line-by-line proposal, None (its amount and line are in its order)
_Ranked = tuple[tuple[int, int, str, str, int], CompiledRule, Piece | None]


def _price_group(state: CartState, members: list[Entry]) -> None:
    todo = members
    given_away: set[int] = set()  # lines the group has given away so far
    for _ in range(len(members) + 1):
        ranked: list[_Ranked] = []
        best: dict[int, tuple[tuple[int, int, str, str], CompiledRule]] = {}
        for entry in todo:
            for piece in propose(state, entry):
                rule = piece.rule
                if not piece.per_line:
                    ranked.append((piece.order(), rule, piece))
                    continue
                # a line-by-line proposal wins a line only if it is that line's best
                rank, rid, code = -rule.priority, rule.id, rule.code
                for line, amount in piece.parts.items():
                    key = (-amount, rank, rid, code)
                    held = best.get(line)
                    if held is None or key < held[0]:
                        best[line] = (key, rule)
        for line, (key, rule) in best.items():
            ranked.append(((*key, line), rule, None))
        if not ranked:
            break
        ranked.sort(key=_first)  # stable, as Piece.order sorted the pieces
        taken: set[int] = set()
        retry: set[CompiledRule] = set()
        clashed = False
        for order, rule, proposal in ranked:
            if proposal is None:
                line = order[4]
                if line in taken:
                    continue
            elif not taken.isdisjoint(proposal.lines):
                if not proposal.per_line and proposal.kind == "goods":
                    retry.add(rule)  # it may still fit on the lines the winner left
                continue
            conflict = clash(state, rule) if rule.restricted or state.restricted else None
            if conflict is not None:
                clashed = True  # the line stays free: the runners-up may take it next round
                state.reject(
                    rule, "not_combinable_with", conflicts_with=conflict.code or conflict.id
                )
                continue
            if proposal is None:
                _apply_line(state, rule, line, -order[0])
                taken.add(line)
            else:
                _apply(state, proposal)
                taken.update(proposal.lines)
        given_away |= taken
        # a rule whose every line the group gave away has nothing left to try for
        todo = [
            e
            for e in members
            if e.rule not in state.rejected
            and (clashed or (e.rule in retry and e.rule not in state.applied_set))
            and not given_away.issuperset(e.matched)
        ]
        if not todo:
            break
    applied, rejected = state.applied_set, state.rejected
    for entry in members:
        rule = entry.rule
        if rule not in applied and rule not in rejected:
            state.reject(rule, "outranked_in_group", group=rule.group)


_first = itemgetter(0)


def _apply_line(state: CartState, rule: CompiledRule, index: int, amount: int) -> None:
    """:func:`_apply` of one line's part of a line-by-line proposal."""
    line = state.lines[index]
    line.amount -= amount
    line.adjustments.append((rule, amount))
    line.groups.add(rule.group)
    line.touched = True
    line.closed = line.closed or not rule.stacking.stackable
    given = state.given
    given[rule] = given.get(rule, 0) + amount
    if rule not in state.applied_set:
        state.applied.append(rule)
        state.applied_set.add(rule)
        if rule.restricted:
            state.restricted.append(rule)
    state.rejected.pop(rule, None)


def _apply(state: CartState, piece: Piece) -> None:
    rule = piece.rule
    if piece.kind == "goods":
        for index, amount in piece.settle().items():
            line = state.lines[index]
            line.amount -= amount
            line.adjustments.append((rule, amount))
            line.groups.add(rule.group)
            line.touched = True
            line.closed = line.closed or not rule.stacking.stackable
        state.given[rule] = state.given.get(rule, 0) + piece.total
        if not piece.per_line and rule.stage == "order":
            state.order_parts.setdefault(rule, {}).update(piece.parts)
    elif piece.kind == "shipping":
        amount = min(piece.total, state.shipping_left)
        state.shipping_left -= amount
        state.shipping.append((rule, amount))
    elif piece.kind == "gift":
        for sku, quantity in piece.payload:
            if state.stock is not None:
                state.stock.take(sku, quantity)
            state.gifts.append((rule, sku, quantity))
    elif piece.kind == "points":
        state.multiplier = max(state.multiplier or piece.payload, piece.payload)
    if rule not in state.applied_set:
        state.applied.append(rule)
        state.applied_set.add(rule)
        if rule.restricted:
            state.restricted.append(rule)
    state.rejected.pop(rule, None)
