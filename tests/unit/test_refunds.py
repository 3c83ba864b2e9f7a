"""Line refunds: every unit's share is exact, no unit is refunded twice, all lines and the shipping
give back exactly the order's total, in currencies of 0, 2 and 3 decimals."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecommerce_core.domain.errors import InvalidInput, RefundExceedsSold
from ecommerce_core.domain.money import Money, allocate
from ecommerce_core.domain.orders import Order, OrderLine, OrderStatus
from ecommerce_core.domain.payments import Refund, RefundStatus
from ecommerce_core.domain.refunds import (
    RefundPlan,
    line_taxes,
    line_values,
    plan_refund,
    remaining_units,
    shipping_value,
    units_value,
)

AT = datetime(2026, 5, 1, tzinfo=UTC)
CURRENCIES = st.sampled_from(["JPY", "CNY", "KWD"])


def make_order(
    currency: str,
    lines: list[tuple[int, int, int]],
    shipping: int,
    shipping_tax: int,
    *,
    record_tax: bool = True,
) -> Order:
    """An order of ``(quantity, total, tax)`` lines, as checkout freezes it."""
    money = lambda amount: Money(amount, currency)  # noqa: E731
    order_lines = tuple(
        OrderLine(
            sku=f"SKU-{i}",
            product_id=f"prd_{i}",
            name=f"item {i}",
            quantity=quantity,
            unit_price=money(total // quantity + 1),
            discount=money(total // quantity + 1) * quantity - money(total),
            total=money(total),
            tax=money(tax) if record_tax else None,
        )
        for i, (quantity, total, tax) in enumerate(lines)
    )
    goods = sum(total for _, total, _ in lines)
    tax = sum(t for _, _, t in lines) + shipping_tax
    return Order(
        id="ord_1",
        number="N1",
        customer_id="cus_1",
        currency=currency,
        lines=order_lines,
        subtotal=money(goods),
        discount=money(0),
        shipping=money(shipping),
        tax=money(tax),
        total=money(goods + shipping + tax),
        status=OrderStatus.PAID,
        placed_at=AT,
        updated_at=AT,
    )


order_lines = st.lists(
    st.tuples(st.integers(1, 12), st.integers(0, 10**9), st.integers(0, 10**7)),
    min_size=1,
    max_size=6,
)


@st.composite
def orders(draw: st.DrawFn, *, record_tax: bool = True) -> Order:
    return make_order(
        draw(CURRENCIES),
        draw(order_lines),
        draw(st.integers(0, 10**6)),
        draw(st.integers(0, 10**5)),
        record_tax=record_tax,
    )


def refund_of(plan: RefundPlan, n: int) -> Refund:
    return Refund(
        id=f"ref_{n}",
        amount=plan.total,
        status=RefundStatus.SUCCEEDED,
        created_at=AT,
        idempotency_key=f"k{n}",
        lines=plan.lines,
        shipping=plan.shipping,
    )


@given(st.integers(0, 10**12), st.integers(1, 50), st.data())
def test_any_grouping_of_units_sums_to_the_line_and_matches_allocate(
    value: int, quantity: int, data: st.DataObject
) -> None:
    worth = Money(value, "KWD")
    parts = allocate(worth, [1] * quantity)
    start = 0
    total = Money(0, "KWD")
    while start < quantity:
        count = data.draw(st.integers(1, quantity - start))
        chunk = units_value(worth, quantity, start, count)
        assert chunk == sum(parts[start : start + count], Money(0, "KWD"))
        total += chunk
        start += count
    assert total == worth


@given(orders(), st.data())
def test_refunding_every_unit_in_random_groups_returns_exactly_the_order_total(
    order: Order, data: st.DataObject
) -> None:
    refunds: list[Refund] = []
    per_line = {i: Money(0, order.currency) for i in range(len(order.lines))}
    shipping_step = data.draw(st.integers(0, sum(ln.quantity for ln in order.lines)))
    step = 0
    while any(remaining_units(order, refunds).values()):
        left = {i: n for i, n in remaining_units(order, refunds).items() if n}
        chosen = data.draw(st.lists(st.sampled_from(sorted(left)), min_size=1, unique=True))
        request = {i: data.draw(st.integers(1, left[i])) for i in chosen}
        with_shipping = step >= shipping_step and all(r.shipping is None for r in refunds)
        plan = plan_refund(order, request, refunds, include_shipping=with_shipping)
        for ln in plan.lines:
            per_line[ln.line] += ln.amount
            # a unit is worth its line's worth divided by its quantity, within one minor unit
            exact = line_values(order)[ln.line].amount * ln.quantity
            assert abs(ln.amount.amount * order.lines[ln.line].quantity - exact) <= (
                ln.quantity * order.lines[ln.line].quantity
            )
        refunds.append(refund_of(plan, step))
        step += 1
    if not any(r.shipping is not None for r in refunds):
        plan = plan_refund(order, {}, refunds, include_shipping=True)
        refunds.append(refund_of(plan, step))
    assert per_line == dict(enumerate(line_values(order)))
    assert sum((r.amount for r in refunds), Money(0, order.currency)) == order.total
    goods = sum(line_values(order), Money(0, order.currency))
    assert goods == order.total - shipping_value(order)


@given(orders())
def test_a_line_refund_gives_back_its_total_and_its_added_tax(order: Order) -> None:
    for i, line in enumerate(order.lines):
        plan = plan_refund(order, {i: line.quantity})
        assert plan.total == line.total + (line.tax or Money(0, order.currency))


@given(orders(record_tax=False))
def test_orders_without_line_taxes_spread_the_order_tax_and_still_add_up(order: Order) -> None:
    taxes = line_taxes(order)
    shipping_tax = shipping_value(order) - order.shipping
    assert shipping_tax.amount >= 0
    assert sum(taxes, shipping_tax) == order.tax


@given(orders(), st.data())
def test_no_unit_is_refunded_twice(order: Order, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(order.lines) - 1))
    line = order.lines[i]
    first = plan_refund(order, {i: line.quantity})
    refunds = [refund_of(first, 1)]
    with pytest.raises(RefundExceedsSold) as caught:
        plan_refund(order, {i: 1}, refunds)
    assert caught.value.code == "refund_exceeds_sold"
    assert caught.value.details["remaining"] == 0
    # a failed refund holds nothing: the units can be refunded again
    failed = [attrs.evolve(refunds[0], status=RefundStatus.FAILED)]
    assert plan_refund(order, {i: line.quantity}, failed).total == first.total


def test_the_shipping_is_refunded_once() -> None:
    order = make_order("CNY", [(2, 1000, 130)], 800, 104)
    plan = plan_refund(order, {}, include_shipping=True)
    assert plan.shipping == Money(904, "CNY") and plan.lines == ()
    with pytest.raises(RefundExceedsSold):
        plan_refund(order, {}, [refund_of(plan, 1)], include_shipping=True)


def test_a_line_is_named_by_position_or_by_sku_and_bad_requests_are_refused() -> None:
    order = make_order("JPY", [(3, 1000, 0), (1, 500, 0)], 0, 0)
    assert plan_refund(order, {"sku-1": 1}).lines[0].line == 1
    assert plan_refund(order, {0: 1, "SKU-0": 1}).lines[0].quantity == 2
    # 1000 over 3 units: 334, 333, 333
    assert [plan_refund(order, {0: n}).total.amount for n in (1, 2, 3)] == [334, 667, 1000]
    for bad in ({5: 1}, {"NOPE": 1}, {0: 0}, {0: 1.5}, {True: 1}, {}):
        with pytest.raises(InvalidInput):
            plan_refund(order, bad)  # type: ignore[arg-type]
    with pytest.raises(RefundExceedsSold):
        plan_refund(order, {0: 4})


def test_a_sku_on_two_lines_must_be_named_by_position() -> None:
    order = make_order("CNY", [(1, 1000, 0), (1, 0, 0)], 0, 0)
    gift = attrs.evolve(order.lines[1], sku="SKU-0")
    order = attrs.evolve(order, lines=(order.lines[0], gift))
    with pytest.raises(InvalidInput) as caught:
        plan_refund(order, {"SKU-0": 1})
    assert caught.value.details["lines"] == [0, 1]
    assert plan_refund(order, {1: 1}).total == Money(0, "CNY")
