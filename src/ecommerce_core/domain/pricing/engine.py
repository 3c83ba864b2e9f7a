"""The pricing engine: a pure function from items, promotions and a moment to a price breakdown."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs

from ecommerce_core.domain.errors import CurrencyMismatch
from ecommerce_core.domain.money import Money, percentage
from ecommerce_core.domain.pricing.model import (
    Adjustment,
    LinePrice,
    PriceBreakdown,
    Promotion,
    Rejection,
)

__all__ = ["PriceableItem", "PricingEngine", "price_items"]


@attrs.frozen
class PriceableItem:
    """A cart line as pricing sees it: the SKU, its categories (with ancestors) and list price."""

    sku: str
    quantity: int
    unit_price: Money
    category_ids: frozenset[str] = frozenset()
    product_id: str = ""


def _price_line(item: PriceableItem, promotions: Sequence[Promotion]) -> LinePrice:
    subtotal = item.unit_price * item.quantity
    best: tuple[Money, Promotion] | None = None
    for promo in promotions:
        if not promo.covers(item.sku, item.category_ids):
            continue
        amount = percentage(subtotal, promo.percent)
        # the largest discount wins; equal discounts go to the smaller id, so order never matters
        if best is None or (amount.amount, best[1].id) > (best[0].amount, promo.id):
            best = (amount, promo)
    adjustments: tuple[Adjustment, ...] = ()
    discount = Money.zero(subtotal.currency)
    if best is not None and best[0].amount > 0:
        discount = best[0].min(subtotal)
        adjustments = (Adjustment("promotion", best[1].id, best[1].name, discount),)
    return LinePrice(
        sku=item.sku,
        quantity=item.quantity,
        unit_price=item.unit_price,
        subtotal=subtotal,
        adjustments=adjustments,
        discount=discount,
        total=subtotal - discount,
    )


def price_items(
    items: Iterable[PriceableItem],
    promotions: Iterable[Promotion],
    now: datetime,
    currency: str,
) -> PriceBreakdown:
    """Price ``items`` at ``now``. Lines come out sorted by SKU, so input order never matters."""
    ordered = sorted(items, key=lambda item: item.sku)
    for item in ordered:
        if item.unit_price.currency != currency:
            raise CurrencyMismatch(
                f"{item.sku} is priced in {item.unit_price.currency}, the cart in {currency}",
                sku=item.sku,
            )
    live: list[Promotion] = []
    rejected: list[Rejection] = []
    for promo in sorted(promotions, key=lambda p: p.id):
        if promo.live_at(now):
            live.append(promo)
        elif promo.active:
            rejected.append(Rejection("promotion", promo.id, "not_in_time_window"))
    lines = tuple(_price_line(item, live) for item in ordered)
    zero = Money.zero(currency)
    subtotal = sum((line.subtotal for line in lines), zero)
    discount = sum((line.discount for line in lines), zero)
    shipping, tax = zero, zero
    return PriceBreakdown(
        currency=currency,
        lines=lines,
        subtotal=subtotal,
        discount=discount,
        shipping=shipping,
        tax=tax,
        total=subtotal - discount + shipping + tax,
        rejected=tuple(rejected),
    )


class PricingEngine:
    """The engine interface services call; the full engine (tiers, coupons, stacking) extends it."""

    def price(
        self,
        items: Iterable[PriceableItem],
        promotions: Iterable[Promotion],
        now: datetime,
        currency: str,
    ) -> PriceBreakdown:
        return price_items(items, promotions, now, currency)
