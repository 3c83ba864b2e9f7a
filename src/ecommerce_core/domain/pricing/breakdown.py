"""The result of pricing: what each line and the order cost, and why, to the minor unit.

``total == subtotal - discount + shipping + tax`` exactly. ``discount`` is the sum of the lines'
discounts, which include each line's share of order-level discounts (allocated by largest
remainder), so refunding a line returns exactly what it was charged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ecommerce_core.domain.money import Money

__all__ = [
    "Adjustment",
    "Gift",
    "Hint",
    "LinePrice",
    "OrderAdjustment",
    "PriceBreakdown",
    "Rejection",
]


@attrs.frozen
class Adjustment:
    """A change to a price, with where it came from. ``amount`` is the discount (positive).

    ``source`` is ``promotion``, ``coupon``, ``points``, or a price list's kind (``list``,
    ``sale``, ``group``, ``contract``); ``kind`` is the benefit kind; ``code`` the coupon code.
    """

    source: str
    source_id: str
    label: str
    amount: Money
    kind: str = ""
    code: str = ""


@attrs.frozen
class Rejection:
    """A promotion or coupon that did not apply, and why (a stable reason code)."""

    source: str
    source_id: str
    reason: str
    label: str = ""
    code: str = ""
    details: Mapping[str, Any] = attrs.field(factory=dict, hash=False)


@attrs.frozen
class Hint:
    """Spend ``shortfall`` more to unlock ``label``: "add 23.00 CNY more to unlock 满300减40"."""

    source: str
    source_id: str
    label: str
    shortfall: Money
    code: str = ""

    @property
    def message(self) -> str:
        return f"add {self.shortfall} more to unlock {self.label}"


@attrs.frozen
class OrderAdjustment:
    """An order-level discount (满减, a coupon, points) and its exact share of each line."""

    source: str
    source_id: str
    label: str
    amount: Money
    allocations: tuple[tuple[str, Money], ...]
    kind: str = ""
    code: str = ""


@attrs.frozen
class Gift:
    """Free units added by a promotion (赠品); stock was checked when priced."""

    sku: str
    quantity: int
    source: str
    source_id: str
    label: str


@attrs.frozen
class LinePrice:
    """One line: ``subtotal = unit_price * quantity`` and ``total = subtotal - discount``.

    ``unit_price`` is the resolved price (sale, tier, group or contract) and ``list_price`` the
    catalog's; ``price_adjustment`` explains the difference. ``tax`` is added on top of ``total``
    (exclusive) or contained in it (inclusive, see :attr:`PriceBreakdown.tax_inclusive`).
    """

    sku: str
    quantity: int
    unit_price: Money
    subtotal: Money
    adjustments: tuple[Adjustment, ...]
    discount: Money
    total: Money
    list_price: Money | None = None
    price_adjustment: Adjustment | None = None
    tax: Money | None = None


@attrs.frozen
class PriceBreakdown:
    """What a cart costs and why. ``total == subtotal - discount + shipping + tax`` exactly.

    ``shipping`` is the fee after shipping discounts (``shipping_fee`` before them). ``tax`` is
    the tax added on top; with inclusive prices it is zero and ``included_tax`` says how much of
    the total is tax.
    """

    currency: str
    lines: tuple[LinePrice, ...]
    subtotal: Money
    discount: Money
    shipping: Money
    tax: Money
    total: Money
    rejected: tuple[Rejection, ...] = ()
    adjustments: tuple[OrderAdjustment, ...] = ()
    shipping_fee: Money | None = None
    shipping_adjustments: tuple[Adjustment, ...] = ()
    tax_inclusive: bool = False
    included_tax: Money | None = None
    gifts: tuple[Gift, ...] = ()
    points_redeemed: int = 0
    points_earned: int = 0
    hints: tuple[Hint, ...] = ()
    coupons: tuple[str, ...] = ()
    #: where the tax came from: ``table`` (the shop's rates), the external calculator's name,
    #: or ``table_fallback`` (the calculator failed and the rates were used)
    tax_source: str = "table"
    #: where the shipping fee came from: ``table``, ``free_over``, ``no_rate`` (the table has
    #: none), ``carrier:<name>`` (a carrier's quote) or ``table_fallback`` (it could not quote)
    shipping_source: str = "table"

    def line(self, sku: str) -> LinePrice:
        return next(line for line in self.lines if line.sku == sku)

    def applied(self) -> list[tuple[str, str]]:
        """``(source, id)`` of every promotion and coupon that changed the price, sorted."""
        found = {(a.source, a.source_id) for line in self.lines for a in line.adjustments}
        found |= {(a.source, a.source_id) for a in self.shipping_adjustments}
        found |= {(g.source, g.source_id) for g in self.gifts}
        return sorted(found - {("points", "points")})

    def rejection(self, source_id: str) -> Rejection | None:
        return next(
            (r for r in self.rejected if r.source_id == source_id or r.code == source_id), None
        )
