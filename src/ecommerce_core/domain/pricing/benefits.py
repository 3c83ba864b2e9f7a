"""The built-in benefit kinds: what a promotion or coupon gives once its condition holds.

Each compiles its parameters once and returns a function from a :class:`RuleView` to an
:class:`Effect` in integer minor units. Nothing here goes below zero: the engine caps every line
at what it costs, and order-level amounts at what the rule's lines cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.domain.money import Money, allocate_units
from ecommerce_core.domain.pricing import params as p
from ecommerce_core.domain.pricing.registry import RuleRegistry
from ecommerce_core.domain.pricing.rules import BenefitFn, Effect, RuleView

__all__ = ["register_benefits"]


def _cap(params: Mapping[str, Any], key: str) -> Money | None:
    return p.money(params, key, required=False)


def percent_off(params: Mapping[str, Any]) -> BenefitFn:
    ratio = p.percent_ratio(p.percent(params))
    num, den = ratio
    twice, half = 2 * num, 2 * den  # share: (2 * amount * num + den) // (2 * den)
    cap = _cap(params, "max_discount")
    per = params.get("per", "line")
    if per not in ("line", "order"):
        raise InvalidInput("per is 'line' (rounded per line) or 'order'", field="per")

    def give(view: RuleView) -> Effect:
        if cap is not None and cap.currency != view.currency:
            return Effect(reason="currency_mismatch")
        if per == "order":
            total = p.share(view.amount, ratio)
            return Effect(order=total if cap is None else min(total, cap.amount))
        # p.share(line.amount, ratio) per line, inlined
        parts = {line.index: (line.amount * twice + den) // half for line in view.lines}
        if cap is not None and sum(parts.values()) > cap.amount:
            return Effect(order=cap.amount)  # spread by amount: the same proportions, capped
        return Effect(lines=parts, per_line=True)

    return give


def _money_benefit(params: Mapping[str, Any], key: str = "amount") -> Money:
    value = p.money(params, key)
    assert value is not None
    return value


def amount_off_unit(params: Mapping[str, Any]) -> BenefitFn:
    off = _money_benefit(params)

    def give(view: RuleView) -> Effect:
        if off.currency != view.currency:
            return Effect(reason="currency_mismatch")
        parts = {ln.index: min(off.amount * ln.quantity, ln.amount) for ln in view.lines}
        return Effect(lines=parts, per_line=True)

    return give


def amount_off_line(params: Mapping[str, Any]) -> BenefitFn:
    off = _money_benefit(params)

    def give(view: RuleView) -> Effect:
        if off.currency != view.currency:
            return Effect(reason="currency_mismatch")
        return Effect(
            lines={ln.index: min(off.amount, ln.amount) for ln in view.lines}, per_line=True
        )

    return give


def fixed_unit_price(params: Mapping[str, Any]) -> BenefitFn:
    price = _money_benefit(params)

    def give(view: RuleView) -> Effect:
        if price.currency != view.currency:
            return Effect(reason="currency_mismatch")
        parts = {
            ln.index: min(max(0, ln.unit - price.amount) * ln.quantity, ln.amount)
            for ln in view.lines
        }
        return Effect(lines=parts, per_line=True)

    return give


def amount_off_order(params: Mapping[str, Any]) -> BenefitFn:
    """满减: ``amount`` off once, or for ``every`` so much spent (repeating), up to ``cap``."""
    off = _money_benefit(params)
    every = _cap(params, "every")
    cap = _cap(params, "cap")
    if every is not None and every.amount == 0:
        raise InvalidInput("every is more than zero", field="every")

    def give(view: RuleView) -> Effect:
        if any(m is not None and m.currency != view.currency for m in (off, every, cap)):
            return Effect(reason="currency_mismatch")
        if every is None:
            return Effect(order=min(off.amount, view.amount))
        times = view.amount // every.amount
        if times == 0:
            return Effect(reason="min_spend_not_met", next_shortfall=every.amount - view.amount)
        total = times * off.amount
        nxt: int | None = (times + 1) * every.amount - view.amount
        if cap is not None and total >= cap.amount:
            total, nxt = cap.amount, None
        return Effect(order=min(total, view.amount), next_shortfall=nxt)

    return give


def buy_x_get_y(params: Mapping[str, Any]) -> BenefitFn:
    """Buy ``buy`` get ``get`` at ``percent`` off (free by default): the cheapest units, per set."""
    buy, get = p.count(params, "buy"), p.count(params, "get")
    ratio = p.percent_ratio(p.percent({"percent": params.get("percent", "100")}))

    def give(view: RuleView) -> Effect:
        sets = view.quantity // (buy + get)
        if sets == 0:
            return Effect(reason="min_quantity_not_met")
        left = sets * get
        parts: dict[int, int] = {}
        for line in sorted(view.lines, key=lambda ln: (ln.amount // ln.quantity, ln.sku)):
            if left == 0:
                break
            taken = min(left, line.quantity)
            left -= taken
            parts[line.index] = p.share(line.amount // line.quantity * taken, ratio)
        return Effect(lines=parts)

    return give


def bundle_price(params: Mapping[str, Any]) -> BenefitFn:
    """A fixed price for a set such as ``{"PHONE": 1, "CASE": 1}``, as many sets as the cart holds."""
    items = params.get("items")
    if not isinstance(items, Mapping) or not items:
        raise InvalidInput("items maps each SKU of the bundle to its quantity", field="items")
    need = {str(sku).upper(): p.count(items, sku) for sku in items}
    price = _money_benefit(params, "price")

    def give(view: RuleView) -> Effect:
        if price.currency != view.currency:
            return Effect(reason="currency_mismatch")
        by_sku = {line.sku: line for line in view.lines}
        if not set(need) <= set(by_sku):
            return Effect(reason="bundle_incomplete")
        sets = min(by_sku[sku].quantity // n for sku, n in need.items())
        if sets == 0:
            return Effect(reason="bundle_incomplete")
        values = [
            by_sku[sku].amount // by_sku[sku].quantity * n * sets for sku, n in sorted(need.items())
        ]
        saving = max(0, sum(values) - price.amount * sets)
        parts = allocate_units(saving, values, sorted(need))
        return Effect(
            lines={by_sku[sku].index: m for sku, m in zip(sorted(need), parts, strict=True)}
        )

    return give


def gift(params: Mapping[str, Any]) -> BenefitFn:
    """赠品: ``quantity`` of ``sku`` free, once or per ``every`` spent, as far as stock allows."""
    from ecommerce_core.domain import validation as v

    sku = v.sku(params.get("sku"))
    quantity = p.count(params, "quantity", default=1)
    every = _cap(params, "every")

    def give(view: RuleView) -> Effect:
        wanted = quantity
        if every is not None:
            if every.currency != view.currency:
                return Effect(reason="currency_mismatch")
            times = view.amount // every.amount if every.amount else 1
            if times == 0:
                return Effect(reason="min_spend_not_met", next_shortfall=every.amount - view.amount)
            wanted = quantity * times
        available = wanted if view.stock is None else min(wanted, view.stock.get(sku, 0))
        if available <= 0:
            return Effect(reason="gift_out_of_stock")
        return Effect(gifts=((sku, available),))

    return give


def free_shipping(params: Mapping[str, Any]) -> BenefitFn:
    def give(view: RuleView) -> Effect:
        return Effect(shipping_percent=Decimal(100))

    return give


def shipping_off(params: Mapping[str, Any]) -> BenefitFn:
    off = _cap(params, "amount")
    rate = p.percent(params) if "percent" in params else None
    if (off is None) == (rate is None):
        raise InvalidInput("shipping_off takes an amount or a percent", field="params")

    def give(view: RuleView) -> Effect:
        if off is not None:
            if off.currency != view.currency:
                return Effect(reason="currency_mismatch")
            return Effect(shipping_amount=off.amount)
        return Effect(shipping_percent=rate)

    return give


def points_multiplier(params: Mapping[str, Any]) -> BenefitFn:
    raw = params.get("multiplier")
    if isinstance(raw, bool | float) or not isinstance(raw, str | int):
        raise InvalidInput("multiplier is text such as '2' or '1.5'", field="multiplier")
    factor = Decimal(raw)
    if not factor.is_finite() or not Decimal(1) <= factor <= Decimal(100):
        raise InvalidInput("multiplier is between 1 and 100", field="multiplier")

    def give(view: RuleView) -> Effect:
        return Effect(points_multiplier=factor)

    return give


def register_benefits(registry: RuleRegistry) -> None:
    add = registry.add_benefit
    add("percent_off", percent_off, "item", "percent off each line (per='order': once, capped)")
    add("amount_off_unit", amount_off_unit, "item", "amount off each unit")
    add("amount_off_line", amount_off_line, "item", "amount off each line")
    add("fixed_unit_price", fixed_unit_price, "item", "each unit at a fixed price (一口价)")
    add("buy_x_get_y", buy_x_get_y, "item", "buy X get Y free or discounted, cheapest first")
    add("bundle_price", bundle_price, "item", "a fixed price for a set of SKUs")
    add(
        "amount_off_order", amount_off_order, "order", "满减: amount off, once or per every, capped"
    )
    add("gift", gift, "gift", "赠品: free units of a SKU, subject to stock")
    add("free_shipping", free_shipping, "shipping", "no shipping fee")
    add("shipping_off", shipping_off, "shipping", "an amount or percent off the shipping fee")
    add("points_multiplier", points_multiplier, "points", "multiplies the points earned")
