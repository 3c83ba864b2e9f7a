"""Applying rules to a cart in integer minor units: phases, stacking groups, unit stacking, caps.

Phases run in this order: promotions' item discounts, promotions' order discounts and gifts,
coupons' item discounts, coupons' order discounts and gifts; then (after the shipping fee is
known) shipping benefits, then points multipliers. Within a phase, groups are priced in the order
of their highest-priority member; within a group, the largest discount wins each line (see
:mod:`ecommerce_core.domain.pricing.stacking`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ecommerce_core.domain.pricing.index import CompiledRule
from ecommerce_core.domain.pricing.proposals import Piece, clash, propose
from ecommerce_core.domain.pricing.state import CartState, Entry

__all__ = ["GOODS_PHASES", "LATE_PHASES", "price_phases"]

GOODS_PHASES = (0, 1, 2, 3)
LATE_PHASES = (4, 5)


def price_phases(state: CartState, entries: Sequence[Entry], phases: Sequence[int]) -> None:
    """Apply the rules of ``entries`` that belong to ``phases``, in order."""
    chosen = sorted(
        (e for e in entries if e.rule.phase in phases),
        key=lambda e: (e.rule.phase, -e.rule.priority, e.rule.id, e.rule.code),
    )
    batches: dict[tuple[int, str], list[Entry]] = {}
    for entry in chosen:
        batches.setdefault((entry.rule.phase, entry.rule.group), []).append(entry)
    for members in batches.values():
        _price_group(state, members)


def _price_group(state: CartState, members: list[Entry]) -> None:
    todo = members
    given_away: set[int] = set()  # lines the group has given away so far
    for _ in range(len(members) + 1):
        pieces: list[Piece] = []
        best: dict[int, tuple[tuple[int, int, str, str], CompiledRule, int]] = {}
        for entry in todo:
            for piece in propose(state, entry):
                if not piece.per_line:
                    pieces.append(piece)
                    continue
                # a line-by-line proposal wins a line only if it is that line's best
                rule = piece.rule
                rank, rid, code = -rule.stacking.priority, rule.id, rule.code
                for line, amount in piece.parts.items():
                    key = (-amount, rank, rid, code)
                    held = best.get(line)
                    if held is None or key < held[0]:
                        best[line] = (key, rule, amount)
        pieces += [
            Piece(rule, {line: amount}, amount, True, "goods")
            for line, (_, rule, amount) in best.items()
        ]
        if not pieces:
            break
        pieces.sort(key=Piece.order)
        taken: set[int] = set()
        retry: set[CompiledRule] = set()
        clashed = False
        for piece in pieces:
            if not taken.isdisjoint(piece.lines):
                if not piece.per_line and piece.kind == "goods":
                    retry.add(piece.rule)  # it may still fit on the lines the winner left
                continue
            conflict = clash(state, piece.rule)
            if conflict is not None:
                clashed = True  # the line stays free: the runners-up may take it next round
                state.reject(
                    piece.rule, "not_combinable_with", conflicts_with=conflict.code or conflict.id
                )
                continue
            _apply(state, piece)
            taken.update(piece.lines)
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
    for entry in members:
        rule = entry.rule
        if rule not in state.applied_set and rule not in state.rejected:
            state.reject(rule, "outranked_in_group", group=rule.group)


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
