"""Refunds of order lines through the shop: each line gives back exactly its share of what was
paid (its order-level discount and added tax included), no unit twice, every line and the
shipping exactly the capture, under the payment's lock (PAY-5) and with idempotency keys."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from ecommerce_core.domain import events as ev
from ecommerce_core.domain.errors import (
    IdempotencyConflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PaymentError,
    PermissionDenied,
    RefundExceedsSold,
)
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.orders import Order
from ecommerce_core.domain.payments import Payment, PaymentStatus, RefundStatus
from ecommerce_core.domain.pricing import Benefit, PricingPolicy, TaxPolicy, TaxRate
from ecommerce_core.domain.pricing.fees import ShippingRate, ShippingTable
from ecommerce_core.domain.refunds import line_values, shipping_value
from ecommerce_core.ports.gateways import GatewayOutcome, GatewayResult
from ecommerce_sandboxpay import SandboxGateway
from tests.services.harness import recorded_gateway, refused, world_with
from tests.support import World

CNY = "CNY"


@pytest.fixture(scope="module")
def taxed() -> Iterator[World]:
    """Prices exclude a 13 % tax (6 % on shipping), shipping costs 12.00, and 满减 100 off."""
    policy = PricingPolicy(
        tax=TaxPolicy(
            inclusive=False,
            rates=(
                TaxRate("standard", "*", Decimal(13)),
                TaxRate("shipping", "*", Decimal(6)),
            ),
        ),
        shipping=ShippingTable((ShippingRate(["*"], Money.of("12.00", CNY)),)),
    )
    with world_with(SandboxGateway(), stock=100, pricing=policy) as world:
        world.shop.promotions.create(
            world.admin,
            name="100 off",
            benefit=Benefit("amount_off_order", {"amount": Money.of("100.00", CNY)}),
        )
        yield world


_orders = iter(range(10_000))


def _paid(world: World, **lines: int) -> tuple[Order, Payment]:
    n = next(_orders)
    order = world.buy(key=f"order-{n}", **(lines or {"PX_128_BLK": 2, "CABLE_1M": 3}))
    payment = world.shop.payments.pay(
        world.customer, order.id, payment_method="tok_visa", idempotency_key=f"pay-{n}"
    )
    assert payment.status is PaymentStatus.CAPTURED
    return order, payment


def test_the_order_records_each_lines_added_tax_and_its_discount_share(taxed: World) -> None:
    order, _ = _paid(taxed)
    cable, phone = order.lines  # lines are in SKU order
    assert order.discount == Money.of("100.00", CNY)
    assert phone.tax is not None and cable.tax is not None
    assert phone.tax.amount > 0 and cable.tax.amount > 0
    assert phone.total + cable.total == order.subtotal - order.discount
    # the shipping keeps its own tax: 12.00 and 6 % of it
    assert shipping_value(order) == Money.of("12.72", CNY)
    assert sum(line_values(order), shipping_value(order)) == order.total


def test_refunding_every_unit_in_pieces_and_the_shipping_returns_exactly_the_capture(
    taxed: World,
) -> None:
    order, payment = _paid(taxed)
    shop, admin = taxed.shop, taxed.admin
    steps = [({"CABLE-1M": 1}, False), ({0: 1, 1: 1}, True), ({"PX-128-BLK": 1}, False)]
    # lines are in SKU order: 0 is the cables (3), 1 the phones (2)
    for i, (lines, shipping) in enumerate(steps):
        quote = shop.payments.quote_refund(admin, order.id, lines, include_shipping=shipping)
        after = shop.payments.refund_lines(
            admin, order.id, lines, include_shipping=shipping, idempotency_key=f"r{i}"
        )
        made = after.refund_by_key(f"r{i}")
        assert made is not None and made.amount == quote.total
        assert made.status is RefundStatus.SUCCEEDED
    # one cable is left: its worth is exactly what remains of the capture
    last = shop.payments.refund_lines(admin, order.id, {0: 1}, idempotency_key="r-last")
    assert last.refunded_amount == payment.captured_amount == order.total
    assert last.status is PaymentStatus.REFUNDED
    per_line = [Money.zero(CNY), Money.zero(CNY)]
    for refund in last.refunds:
        for line in refund.lines:
            per_line[line.line] += line.amount
    assert per_line == list(line_values(order))
    refused(
        taxed,
        RefundExceedsSold,
        "refund_exceeds_sold",
        lambda: shop.payments.refund_lines(admin, order.id, {1: 1}, idempotency_key="r-again"),
    )


def test_a_line_refund_never_takes_units_or_money_twice_whatever_the_mix(taxed: World) -> None:
    order, payment = _paid(taxed)
    shop, admin = taxed.shop, taxed.admin
    # an amount refund first: the lines can then only take what is left of the capture
    shop.payments.refund(
        admin, payment.id, amount=order.total - Money.of("60.00", CNY), idempotency_key="amt"
    )
    refused(
        taxed,
        PaymentError,
        "refund_exceeds_captured",
        lambda: shop.payments.refund_lines(admin, order.id, {1: 1}, idempotency_key="r1"),
    )
    small = shop.payments.quote_refund(admin, order.id, {0: 1})
    assert small.total < Money.of("60.00", CNY)
    shop.payments.refund_lines(admin, order.id, {0: 1}, idempotency_key="r2")
    refused(
        taxed,
        RefundExceedsSold,
        "refund_exceeds_sold",
        lambda: shop.payments.refund_lines(admin, order.id, {0: 3}, idempotency_key="r3"),
    )


def test_the_same_key_replays_and_another_request_with_it_is_refused(taxed: World) -> None:
    order, _ = _paid(taxed)
    shop, admin = taxed.shop, taxed.admin
    gateway = recorded_gateway(taxed)
    first = shop.payments.refund_lines(admin, order.id, {"CABLE-1M": 2}, idempotency_key="same")
    calls = len(gateway.calls)
    again = shop.payments.refund_lines(admin, order.id, {0: 2}, idempotency_key="same")
    assert again.refunds == first.refunds
    assert len(gateway.calls) == calls
    refused(
        taxed,
        IdempotencyConflict,
        "idempotency_conflict",
        lambda: shop.payments.refund_lines(admin, order.id, {0: 1}, idempotency_key="same"),
    )


def test_the_refund_event_names_the_lines_and_the_shipping(taxed: World) -> None:
    order, _ = _paid(taxed)
    after = taxed.shop.payments.refund_lines(
        taxed.admin, order.id, {1: 1}, include_shipping=True, idempotency_key="ev"
    )
    refund = after.refund_by_key("ev")
    assert refund is not None
    with taxed.shop.storage.unit_of_work() as uow:
        events = [e for _, e in uow.outbox.list(0, 100_000) if isinstance(e, ev.PaymentRefunded)]
    event = next(e for e in events if e.refund_id == refund.id)
    assert event.lines == ((1, "PX-128-BLK", 1, refund.lines[0].amount.amount),)
    assert event.shipping == shipping_value(order).amount
    assert event.amount == refund.amount.amount


def test_bad_line_refunds_are_refused_and_change_nothing(taxed: World) -> None:
    order, _ = _paid(taxed)
    shop, admin = taxed.shop, taxed.admin
    for lines in ({9: 1}, {"NOPE": 1}, {0: 0}, {}, {0: "1"}):
        refused(
            taxed,
            InvalidInput,
            "invalid_input",
            lambda lines=lines: shop.payments.refund_lines(  # type: ignore[misc]
                admin, order.id, lines, idempotency_key="bad"
            ),
        )
    refused(
        taxed,
        RefundExceedsSold,
        "refund_exceeds_sold",
        lambda: shop.payments.refund_lines(admin, order.id, {1: 3}, idempotency_key="bad"),
    )
    refused(
        taxed,
        PermissionDenied,
        "permission_denied",
        lambda: shop.payments.refund_lines(
            taxed.customer, order.id, {0: 1}, idempotency_key="mine"
        ),
    )
    refused(
        taxed,
        NotFound,
        "not_found",
        lambda: shop.payments.quote_refund(taxed.other, order.id, {0: 1}),
    )
    unpaid = taxed.buy(key="unpaid-order")
    refused(
        taxed,
        InvalidTransition,
        "illegal_transition",
        lambda: shop.payments.refund_lines(admin, unpaid.id, {0: 1}, idempotency_key="unpaid"),
    )


def test_a_refused_provider_refund_frees_its_units_again(
    taxed: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    order, _ = _paid(taxed)
    gateway = recorded_gateway(taxed)
    with monkeypatch.context() as patch:
        patch.setattr(
            gateway, "refund", lambda *args: GatewayResult(GatewayOutcome.FAILED, message="no")
        )
        with pytest.raises(PaymentError):
            taxed.shop.payments.refund_lines(taxed.admin, order.id, {0: 2}, idempotency_key="f")
    after = taxed.shop.payments.refund_lines(taxed.admin, order.id, {0: 2}, idempotency_key="g")
    assert [r.status for r in after.refunds] == [RefundStatus.FAILED, RefundStatus.SUCCEEDED]
