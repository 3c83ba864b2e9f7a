"""A pricing in progress: the lines with their running amounts, and what was applied or refused."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ecommerce_core.domain.pricing.context import PricingContext
from ecommerce_core.domain.pricing.index import CompiledRule
from ecommerce_core.domain.pricing.items import PriceableItem
from ecommerce_core.domain.pricing.rules import LineView
from ecommerce_core.domain.pricing.scope import ItemFacts

__all__ = ["CartState", "Entry", "LineState"]


class LineState(LineView):
    """A line while it is priced: ``amount`` falls as discounts are taken. Rules see it as a
    :class:`LineView` (read-only by contract), which spares a copy per rule and line."""

    __slots__ = (
        "adjustments",
        "closed",
        "groups",
        "item",
        "keys",
        "list_unit",
        "points",
        "price_list_id",
        "price_source",
        "tax",
        "touched",
    )

    def __init__(
        self,
        index: int,
        item: PriceableItem,
        facts: ItemFacts,
        keys: list[tuple[str, str]],
        unit: int,
        price_source: str,
        price_list_id: str,
        list_unit: int,
    ) -> None:
        # LineView's fields set here directly (one call less per line and pricing)
        self.index, self.sku, self.facts = index, facts.sku, facts
        self.quantity = quantity = item.quantity
        self.unit, self.amount, self.weight_grams = unit, unit * quantity, item.weight_grams
        self.item, self.keys = item, keys
        self.price_source, self.price_list_id = price_source, price_list_id
        self.list_unit = list_unit
        self.points = 0
        self.tax = 0
        self.adjustments: list[tuple[CompiledRule, int]] = []
        self.groups: set[str] = set()
        self.touched = False  # discounted by some rule
        self.closed = False  # discounted by a rule that is not stackable

    def fresh(self) -> LineState:
        """This line as it was prepared, before any rule: a copy for another pricing."""
        return LineState(
            self.index,
            self.item,
            self.facts,
            self.keys,
            self.unit,
            self.price_source,
            self.price_list_id,
            self.list_unit,
        )


class Entry:
    """A rule that could apply, with the lines its scope names."""

    __slots__ = ("matched", "rule")

    def __init__(self, rule: CompiledRule, matched: Iterable[int]) -> None:
        self.rule = rule
        # in line order; a range (every line) is already
        self.matched: Sequence[int] = matched if isinstance(matched, range) else sorted(matched)


class Remaining(Mapping[str, int]):
    """Stock as the caller gave it, less the gifts handed out in this pricing (never copied)."""

    def __init__(self, stock: Mapping[str, int]) -> None:
        self._stock = stock
        self.taken: dict[str, int] = {}

    def __getitem__(self, sku: str) -> int:
        return self._stock[sku] - self.taken.get(sku, 0)

    def __iter__(self) -> Iterator[str]:
        return iter(self._stock)

    def __len__(self) -> int:
        return len(self._stock)

    def take(self, sku: str, quantity: int) -> None:
        self.taken[sku] = self.taken.get(sku, 0) + quantity


class CartState:
    """One pricing in progress: the lines, and what has been applied or rejected so far."""

    def __init__(
        self,
        lines: Sequence[LineState],
        context: PricingContext,
        stock: Mapping[str, int] | None,
        fresh: bool = True,
    ) -> None:
        self.lines = [line.fresh() for line in lines] if fresh else list(lines)
        self.context = context
        self.currency = context.currency
        self.stock = None if stock is None else Remaining(stock)
        self.applied: list[CompiledRule] = []
        self.applied_set: set[CompiledRule] = set()
        # applied rules with an exclusive flag or a combinable_with list
        self.restricted: list[CompiledRule] = []
        self.given: dict[CompiledRule, int] = {}
        self.order_parts: dict[CompiledRule, dict[int, int]] = {}
        self.shipping_fee = 0
        self.shipping_left = 0
        self.shipping: list[tuple[CompiledRule, int]] = []
        self.gifts: list[tuple[CompiledRule, str, int]] = []
        self.multiplier: Decimal | None = None
        self.rejected: dict[CompiledRule, tuple[str, dict[str, Any]]] = {}
        self.shortfalls: dict[CompiledRule, int] = {}
        # filled by result.finish
        self.points_used = 0
        self.points_earned = 0
        self.shipping_tax = 0
        self.shipping_source = "table"
        self.tax_source = "table"
        self.tax_added = 0
        self.tax_included = 0
        self.inclusive = False
        self.subtotal = 0
        self.discount = 0
        self.total = 0

    def reject(
        self, rule: CompiledRule, reason: str, shortfall: int | None = None, **details: Any
    ) -> None:
        if rule in self.applied_set:
            return
        self.rejected[rule] = (reason, details)
        if shortfall is not None and shortfall > 0:
            self.shortfalls[rule] = shortfall

    def views(self) -> list[LineView]:
        return list(self.lines)

    @property
    def goods(self) -> int:
        return sum(line.amount for line in self.lines)
