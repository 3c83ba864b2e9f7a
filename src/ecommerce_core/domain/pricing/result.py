"""The last steps of a pricing (points, tax, totals) and the explained breakdown built from it."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from ecommerce_core.domain.errors import TaxUnavailable
from ecommerce_core.domain.money import Money, allocate_units
from ecommerce_core.domain.pricing.breakdown import (
    Adjustment,
    Gift,
    Hint,
    LinePrice,
    OrderAdjustment,
    PriceBreakdown,
    Rejection,
)
from ecommerce_core.domain.pricing.state import CartState
from ecommerce_core.domain.pricing.tax import TaxAnswer, TaxLine, TaxPolicy, TaxQuery, tax_of

if TYPE_CHECKING:
    from ecommerce_core.domain.pricing.policy import PricingPolicy

__all__ = ["build_breakdown", "finish"]

_POINTS = "points"


def finish(state: CartState, policy: PricingPolicy, redeem_points: int) -> None:
    """Redeem points, compute tax and the totals, in place."""
    context, currency = state.context, state.currency
    points = policy.points
    if redeem_points and points is not None and points.value_per_point.currency == currency:
        used = points.redeemable(redeem_points, context.buyer.points_balance, state.goods)
        value = used * points.value_per_point.amount
        payable = [line for line in state.lines if line.amount > 0]
        if value and payable:
            shares = allocate_units(
                value, [ln.amount for ln in payable], [ln.sku for ln in payable]
            )
            for line, share in zip(payable, shares, strict=True):
                line.points = share
                line.amount -= share
            state.points_used = used
    tax = policy.tax
    shipping = state.shipping_left
    if tax.calculator is None or not _calculated(state, tax):
        if tax.rates:
            rates: dict[str, Decimal] = {}
            for line in state.lines:
                tax_class = line.item.tax_class
                rate = rates.get(tax_class)
                if rate is None:
                    rate = rates[tax_class] = tax.rate_for(tax_class, context.region)
                line.tax = tax_of(line.amount, rate, tax.inclusive)
        state.shipping_tax = tax_of(
            shipping, tax.rate_for(tax.shipping_class, context.region), tax.inclusive
        )
    total_tax = sum(line.tax for line in state.lines) + state.shipping_tax
    state.inclusive = tax.inclusive
    state.tax_added = 0 if tax.inclusive else total_tax
    state.tax_included = total_tax if tax.inclusive else 0
    state.subtotal = sum(line.unit * line.quantity for line in state.lines)
    state.discount = state.subtotal - state.goods
    state.total = state.subtotal - state.discount + shipping + state.tax_added
    if points is not None:
        state.points_earned = points.earned(
            state.goods, currency, context.buyer.tier, state.multiplier
        )


def _calculated(state: CartState, tax: TaxPolicy) -> bool:
    """Tax from the external calculator, in place; False (nothing set) when it failed and the
    fallback is the built-in table. :raises TaxUnavailable: it failed and the fallback is
    ``refuse``."""
    calculator = tax.calculator
    assert calculator is not None
    lines = sorted(state.lines, key=lambda ln: ln.facts.sku)
    query = TaxQuery(
        state.currency,
        state.context.region,
        tax.inclusive,
        tuple(TaxLine(ln.facts.sku, ln.item.tax_class, ln.quantity, ln.amount) for ln in lines),
        state.shipping_left,
        tax.shipping_class,
        state.context.buyer.customer_id,
    )
    name = str(getattr(calculator, "name", type(calculator).__name__))
    try:
        answer = calculator.calculate(query)
        _check_answer(query, answer)
    except Exception as exc:  # a plugin's failure of any kind: the fallback policy decides
        if tax.fallback == "refuse":
            raise TaxUnavailable(
                f"the tax service {name!r} could not price this cart; try again later",
                calculator=name,
                reason=type(exc).__name__,
            ) from exc
        state.tax_source = "table_fallback"
        return False
    for line, amount in zip(lines, answer.lines, strict=True):
        line.tax = amount
    state.shipping_tax = answer.shipping
    state.tax_source = name
    return True


def _check_answer(query: TaxQuery, answer: object) -> None:
    """An answer that could break the totals is a failure, never used."""
    if not isinstance(answer, TaxAnswer) or len(answer.lines) != len(query.lines):
        raise ValueError("the tax service answered for other lines")
    taxed = [*zip(answer.lines, (ln.amount for ln in query.lines), strict=True)]
    taxed.append((answer.shipping, query.shipping))
    for amount, base in taxed:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise ValueError("a tax is a whole number of minor units, at least zero")
        if query.inclusive and amount > base:
            raise ValueError("an included tax is more than the price that contains it")


class _Cash(dict[int, Money]):
    """The breakdown's Money by amount, each made once, on first use (``cash[amount]`` is a
    plain dict look-up after that). They are the engine's own whole minor units in the cart's
    checked currency, so they are made without re-checking (Money is immutable)."""

    __slots__ = ("currency",)

    def __init__(self, currency: str) -> None:
        super().__init__()
        self.currency = currency

    def __missing__(self, amount: int) -> Money:
        cash = _new(Money)
        _set_amount(cash, amount)
        _set_currency(cash, self.currency)
        self[amount] = cash
        return cash


_new = object.__new__
# the slots' own setters: what Money's frozen __init__ ends with, without its conversions
_set_amount = Money.__dict__["amount"].__set__
_set_currency = Money.__dict__["currency"].__set__


def build_breakdown(state: CartState, extra: Iterable[Rejection]) -> PriceBreakdown:
    currency = state.currency
    money = _Cash(currency)

    lines = []
    for line in state.lines:
        adjustments = [
            Adjustment(rule.source, rule.id, rule.label, money[amount], rule.kind, rule.code)
            for rule, amount in line.adjustments
        ]
        if line.points:
            adjustments.append(Adjustment(_POINTS, _POINTS, "points", money[line.points], _POINTS))
        quantity, unit, amount = line.quantity, line.unit, line.amount
        subtotal = unit * quantity
        reduced = (line.list_unit - unit) * quantity
        source = line.price_source
        lines.append(
            LinePrice(
                line.sku,
                quantity,
                money[unit],
                money[subtotal],
                tuple(adjustments),
                money[subtotal - amount],
                money[amount],
                money[line.list_unit],
                Adjustment(source, line.price_list_id, source, money[reduced], "price")
                if reduced > 0
                else None,
                money[line.tax],
            )
        )
    order = [
        OrderAdjustment(
            rule.source,
            rule.id,
            rule.label,
            money[sum(parts.values())],
            tuple((state.lines[i].sku, money[a]) for i, a in sorted(parts.items())),
            rule.kind,
            rule.code,
        )
        for rule, parts in state.order_parts.items()
    ]
    points = {ln.sku: ln.points for ln in state.lines if ln.points}
    if points:
        order.append(
            OrderAdjustment(
                _POINTS,
                _POINTS,
                f"{state.points_used} points",
                money[sum(points.values())],
                tuple((sku, money[a]) for sku, a in sorted(points.items())),
                _POINTS,
            )
        )
    rejected = [
        Rejection(rule.source, rule.id, reason, rule.label, rule.code, details)
        for rule, (reason, details) in state.rejected.items()
    ]
    rejected += extra
    applied = {(r.source, r.id, r.code) for r in state.applied}
    hints = [
        Hint(rule.source, rule.id, rule.label, money[short], rule.code)
        for rule, short in state.shortfalls.items()
        if (rule.source, rule.id, rule.code) in applied
        or state.rejected.get(rule, ("",))[0] in _UNLOCKABLE
    ]
    return PriceBreakdown(
        currency,
        tuple(lines),
        money[state.subtotal],
        money[state.discount],
        money[state.shipping_left],
        money[state.tax_added],
        money[state.total],
        tuple(sorted(rejected, key=_rejection_order)),
        tuple(sorted(order, key=_adjustment_order)),
        money[state.shipping_fee],
        tuple(
            Adjustment(rule.source, rule.id, rule.label, money[amount], rule.kind, rule.code)
            for rule, amount in state.shipping
        ),
        state.inclusive,
        money[state.tax_included],
        tuple(
            Gift(sku, quantity, rule.source, rule.id, rule.label)
            for rule, sku, quantity in state.gifts
        ),
        state.points_used,
        state.points_earned,
        tuple(sorted(hints, key=_hint_order)),
        tuple(sorted(r.code for r in state.applied if r.source == "coupon")),
        state.tax_source,
        state.shipping_source,
    )


def _rejection_order(r: Rejection) -> tuple[str, str, str, str]:
    return (r.source, r.source_id, r.code, r.reason)


def _adjustment_order(a: OrderAdjustment) -> tuple[str, str, str]:
    return (a.source, a.source_id, a.code)


def _hint_order(h: Hint) -> tuple[int, str, str]:
    return (h.shortfall.amount, h.source_id, h.code)


_UNLOCKABLE = {"min_spend_not_met"}
