"""The rules a cart could use: promotions found through the index, and the codes entered."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from operator import attrgetter

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import CurrencyMismatch, InvalidInput
from ecommerce_core.domain.pricing.breakdown import Rejection
from ecommerce_core.domain.pricing.context import PricingContext
from ecommerce_core.domain.pricing.coupons import AppliedCode, Coupon
from ecommerce_core.domain.pricing.index import CompiledRule, PromotionIndex, compile_coupon
from ecommerce_core.domain.pricing.items import PriceableItem
from ecommerce_core.domain.pricing.prices import PriceBook, resolve_unit
from ecommerce_core.domain.pricing.registry import RuleRegistry
from ecommerce_core.domain.pricing.scope import ItemFacts, item_keys
from ecommerce_core.domain.pricing.state import Entry, LineState

__all__ = ["coupon_entries", "coupon_refusal", "prepare_lines", "promotion_entries"]


def prepare_lines(
    items: Iterable[PriceableItem], context: PricingContext, prices: PriceBook
) -> list[LineState]:
    """Lines sorted by SKU, each at its resolved unit price: what every pricing starts from."""
    ordered = sorted(items, key=_sku)
    serving = prices.serving(context)
    currency = context.currency
    lines = []
    previous = ""
    for index, item in enumerate(ordered):
        sku, quantity, price = item.sku, item.quantity, item.unit_price
        if type(quantity) is not int or not 1 <= quantity <= v.MAX_QUANTITY:
            v.quantity(quantity)  # raises, naming the field
        if price.currency != currency:
            raise CurrencyMismatch(
                f"{sku} is priced in {price.currency}, the cart in {currency}", sku=sku
            )
        unit = price.amount
        if unit < 0:
            raise InvalidInput("a price cannot be negative", sku=sku)
        if index and previous == sku:
            raise InvalidInput("a cart holds each SKU on one line", sku=sku)
        previous = sku
        facts = ItemFacts(
            sku, item.product_id, item.category_ids, item.brand, item.tags, item.merchant_id
        )
        if serving:
            unit, source, list_id, list_unit = resolve_unit(facts, quantity, unit, serving)
            if source == "sale":
                facts = attrs.evolve(facts, on_sale=True)
        else:
            source, list_id, list_unit = "catalog", "", unit
        lines.append(
            LineState(index, item, facts, item_keys(facts), unit, source, list_id, list_unit)
        )
    return lines


_sku = attrgetter("sku")


def promotion_entries(
    index: PromotionIndex, lines: Sequence[LineState], now: datetime
) -> tuple[list[Entry], list[Rejection]]:
    entries, rejected = [], []
    for rule, matched in index.candidates([line.keys for line in lines]).items():
        reason = rule.window_reason(now) if rule.windowed else ""
        if reason:
            rejected.append(Rejection(rule.source, rule.id, reason, rule.label))
            continue
        if rule.narrowed:
            matched = {i for i in matched if not rule.scope.excludes(lines[i].facts)}
        entries.append(Entry(rule, matched))
    return entries, rejected


def coupon_refusal(applied: AppliedCode, context: PricingContext) -> str:
    """Why a code cannot be used at all (before the cart is looked at), or ""."""
    coupon = applied.coupon
    if coupon is None:
        return "unknown_code"
    if not coupon.active:
        return "inactive"
    if coupon.starts_at is not None and context.now < coupon.starts_at:
        return "not_started"
    if coupon.ends_at is not None and context.now >= coupon.ends_at:
        return "expired"
    if coupon.exhausted():
        return "usage_limit_reached"
    limit = coupon.per_customer_limit
    if limit is not None and applied.customer_uses >= limit:
        return "customer_limit_reached"
    if coupon.requires_claim and not applied.claimed:
        return "not_claimed"
    return ""


def coupon_entries(
    coupons: Sequence[AppliedCode],
    lines: Sequence[LineState],
    context: PricingContext,
    registry: RuleRegistry,
    limit: int,
    compile: Callable[[AppliedCode, Coupon, RuleRegistry], CompiledRule] = compile_coupon,
) -> tuple[list[Entry], list[Rejection]]:
    entries: list[Entry] = []
    rejected: list[Rejection] = []
    for applied in sorted({c.code: c for c in coupons}.values(), key=lambda c: c.code):
        coupon = applied.coupon
        reason = coupon_refusal(applied, context)
        if not reason and len(entries) >= limit:
            reason = "max_codes_exceeded"
        if reason or coupon is None:
            rejected.append(
                Rejection(
                    "coupon",
                    coupon.id if coupon else applied.code,
                    reason,
                    coupon.name if coupon else "",
                    applied.code,
                )
            )
            continue
        rule = compile(applied, coupon, registry)
        scope = rule.scope
        if scope.everything and not scope.has_exclusions:
            entries.append(Entry(rule, range(len(lines))))
        else:
            entries.append(Entry(rule, [ln.index for ln in lines if scope.matches(ln.facts)]))
    return entries, rejected
