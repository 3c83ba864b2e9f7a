"""What refunding order lines gives back: each unit's exact share of its line, and the shipping.

A line is worth its ``total`` (after its own discounts and its share of order-level discounts,
frozen at placement) plus the tax added on it when prices exclude tax. That worth is split over
the line's units by largest remainder, as :func:`~ecommerce_core.domain.money.allocate` splits it
with equal weights: the first units take the leftover minor units. Refunding units ``k`` to
``k + n - 1`` gives the sum of those units' parts, so refunding a line's units one by one, or in
any grouping, gives back exactly the line's worth; every line and the shipping together give back
exactly the order's total. A unit already refunded (by a refund that did not fail) is never
refunded again, nor is the shipping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import CorruptData, InvalidInput, RefundExceedsSold
from ecommerce_core.domain.money import Money, allocate
from ecommerce_core.domain.orders import Order
from ecommerce_core.domain.payments import Refund, RefundLine, RefundStatus

__all__ = [
    "RefundPlan",
    "line_taxes",
    "line_values",
    "plan_refund",
    "refunded_units",
    "remaining_units",
    "requested_units",
    "shipping_refunded",
    "shipping_value",
    "units_value",
]


@attrs.frozen
class RefundPlan:
    """The units and shipping a refund would cover, each with its exact amount."""

    currency: str
    lines: tuple[RefundLine, ...]
    shipping: Money | None = None

    @property
    def total(self) -> Money:
        start = self.shipping if self.shipping is not None else Money.zero(self.currency)
        return sum((line.amount for line in self.lines), start)


def line_taxes(order: Order) -> tuple[Money, ...]:
    """The tax added on each line (zero when prices include tax).

    Orders that recorded no line tax have the order's added tax spread over the lines and the
    shipping by what each costs (largest remainder), so the parts still sum to the order's tax.
    """
    taxes = [line.tax for line in order.lines]
    if all(tax is not None for tax in taxes):
        return tuple(tax for tax in taxes if tax is not None)
    weights = [line.total.amount for line in order.lines] + [order.shipping.amount]
    return tuple(allocate(order.tax, weights)[:-1])


def line_values(order: Order) -> tuple[Money, ...]:
    """What refunding each whole line gives back: its total plus the tax added on it."""
    return tuple(line.total + tax for line, tax in zip(order.lines, line_taxes(order), strict=True))


def shipping_value(order: Order) -> Money:
    """What refunding the shipping gives back: the fee charged and the tax on it."""
    goods = sum(line_values(order), Money.zero(order.currency))
    value = order.total - goods
    if value.amount < 0:
        raise CorruptData("the order's lines are worth more than its total", order_id=order.id)
    return value


def units_value(value: Money, quantity: int, start: int, count: int) -> Money:
    """The worth of units ``start`` .. ``start + count - 1`` of a line of ``quantity`` units
    worth ``value`` in all: the sum of those units' parts of ``allocate(value, [1] * quantity)``."""
    if not 0 <= start <= start + count <= quantity:
        raise InvalidInput("those units are not on the line", start=start, count=count)
    base, extra = divmod(value.amount, quantity)
    # equal weights, ties by position: the first ``extra`` units take one more minor unit
    bonus = min(start + count, extra) - min(start, extra)
    return Money(base * count + bonus, value.currency)


def _counted(refunds: Iterable[Refund]) -> list[Refund]:
    # a refund whose outcome is unknown still holds its units, as it holds its money (PAY-5)
    return [r for r in refunds if r.status is not RefundStatus.FAILED]


def refunded_units(refunds: Iterable[Refund]) -> dict[int, int]:
    """Units refunded (or being refunded) per line position."""
    done: dict[int, int] = {}
    for refund in _counted(refunds):
        for line in refund.lines:
            done[line.line] = done.get(line.line, 0) + line.quantity
    return done


def shipping_refunded(refunds: Iterable[Refund]) -> bool:
    return any(r.shipping is not None for r in _counted(refunds))


def remaining_units(order: Order, refunds: Iterable[Refund]) -> dict[int, int]:
    """Units of each line (by position) that can still be refunded."""
    done = refunded_units(refunds)
    return {i: line.quantity - done.get(i, 0) for i, line in enumerate(order.lines)}


def _position(order: Order, key: object) -> int:
    if isinstance(key, int) and not isinstance(key, bool):
        if not 0 <= key < len(order.lines):
            raise InvalidInput("the order has no such line", line=key)
        return key
    if isinstance(key, str):
        sku = v.sku(key)
        found = [i for i, line in enumerate(order.lines) if line.sku == sku]
        if not found:
            raise InvalidInput(f"the order has no line of {sku}", sku=sku)
        if len(found) > 1:
            raise InvalidInput(
                f"{sku} is on several lines of the order; name the line by its position",
                sku=sku,
                lines=found,
            )
        return found[0]
    raise InvalidInput("a line is named by its position or its SKU", line=repr(key)[:40])


def requested_units(order: Order, request: Mapping[int, int] | Mapping[str, int]) -> dict[int, int]:
    """``{position or SKU: quantity}`` as ``{position: quantity}``, validated."""
    if not isinstance(request, Mapping):
        raise InvalidInput("lines are a mapping of line (position or SKU) to quantity")
    wanted: dict[int, int] = {}
    for key, quantity in request.items():
        position = _position(order, key)
        wanted[position] = wanted.get(position, 0) + v.quantity(quantity)
    return wanted


def plan_refund(
    order: Order,
    request: Mapping[int, int] | Mapping[str, int],
    refunds: Iterable[Refund] = (),
    *,
    include_shipping: bool = False,
) -> RefundPlan:
    """The exact amounts of refunding ``request`` (``{line position or SKU: units}``) of
    ``order``, after the earlier ``refunds`` of its payments.

    :raises InvalidInput: an unknown line, a bad quantity, or nothing asked for.
    :raises RefundExceedsSold: more units of a line than were sold and not yet refunded, or the
        shipping a second time.
    """
    earlier = _counted(refunds)
    wanted = requested_units(order, request)
    if not wanted and not include_shipping:
        raise InvalidInput("name the lines (or the shipping) to refund")
    done = refunded_units(earlier)
    values = line_values(order)
    lines = []
    for position in sorted(wanted):
        line, count = order.lines[position], wanted[position]
        already = done.get(position, 0)
        if already + count > line.quantity:
            raise RefundExceedsSold(
                f"only {line.quantity - already} of {line.sku} on line {position} can still be "
                "refunded",
                line=position,
                sku=line.sku,
                remaining=line.quantity - already,
            )
        amount = units_value(values[position], line.quantity, already, count)
        lines.append(RefundLine(position, line.sku, count, amount))
    shipping = None
    if include_shipping:
        if shipping_refunded(earlier):
            raise RefundExceedsSold("the shipping was refunded already")
        shipping = shipping_value(order)
    return RefundPlan(order.currency, tuple(lines), shipping)
