"""Payments: declines are values, keys replay, notifications are verified, deduplicated and
commute with the synchronous answer, and refunds never exceed the capture."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecommerce_core.domain import events as ev
from ecommerce_core.domain.errors import (
    EcommerceError,
    IdempotencyConflict,
    IdempotencyInProgress,
    InvalidSignature,
    InvalidTransition,
    RefundExceedsCaptured,
)
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.orders import Order, OrderStatus
from ecommerce_core.domain.payments import Payment, PaymentStatus, RefundStatus
from ecommerce_core.ports.gateways import GatewayOutcome, GatewayResult, PaymentRequest
from ecommerce_sandboxpay import SandboxGateway
from tests.services.harness import GATEWAY, fresh_world, recorded_gateway, refused, snapshot
from tests.support import World

PRICE = Money(399900, "CNY")


def _pay(world: World, order: Order, method: str = "tok_visa", key: str = "pay-1") -> Payment:
    return world.shop.payments.pay(
        world.customer, order.id, payment_method=method, idempotency_key=key
    )


def _stock(world: World, sku: str = "PX-128-BLK") -> tuple[int, int]:
    (level,) = world.shop.inventory.levels(world.admin, sku)
    return level.on_hand, level.reserved


def _notify(
    world: World,
    payment: Payment,
    kind: str = "payment.captured",
    event_id: str = "evt_1",
    **kwargs: Any,
) -> tuple[dict[str, str], bytes]:
    return recorded_gateway(world).build_notification(
        kind,
        payment.provider_ref,
        payment.amount,
        event_id=event_id,
        at=world.clock.now(),
        **kwargs,
    )


# -- paying ----------------------------------------------------------------------------------
def test_a_declined_card_is_a_payment_with_status_declined_not_an_exception(world: World) -> None:
    order = world.buy()
    payment = _pay(world, order, "tok_declined")
    assert payment.status is PaymentStatus.DECLINED
    assert payment.failure
    assert world.shop.orders.get(world.customer, order.id).status is OrderStatus.PENDING_PAYMENT
    assert _stock(world) == (10, 1)  # still held for another attempt
    retry = _pay(world, order, "tok_visa", key="pay-2")
    assert retry.status is PaymentStatus.CAPTURED
    assert _stock(world) == (10, 1)  # sold: on hand and promised until it ships


def test_the_same_key_replays_the_payment_without_calling_the_gateway_again(
    world: World, gateway: SandboxGateway
) -> None:
    order = world.buy()
    first = _pay(world, order)
    before = snapshot(world)
    assert _pay(world, order) == first
    assert snapshot(world) == before
    assert gateway.calls == [("authorize", f"{first.id}:authorize")]
    assert len(world.shop.payments.list_for_order(world.customer, order.id)) == 1


def test_the_same_key_for_another_gateway_is_an_idempotency_conflict(world: World) -> None:
    order = world.buy()
    _pay(world, order, "tok_declined")
    refused(
        world,
        IdempotencyConflict,
        "idempotency_conflict",
        lambda: world.shop.payments.pay(
            world.customer,
            order.id,
            payment_method="tok_visa",
            idempotency_key="pay-1",
            gateway="sandbox",
        ),
    )


class ReentrantGateway(SandboxGateway):
    """A second request with the same key arrives while the provider is still answering the first."""

    world: World
    second: EcommerceError | None = None

    def authorize(self, request: PaymentRequest) -> GatewayResult:
        try:
            self.world.shop.payments.pay(
                self.world.customer,
                self.world.shop.orders.list(self.world.customer)[0].id,
                payment_method="tok_visa",
                idempotency_key="pay-1",
            )
        except EcommerceError as exc:
            self.second = exc
        return super().authorize(request)


def test_a_key_whose_first_request_is_still_running_is_refused() -> None:
    gateway = ReentrantGateway()
    with fresh_world(gateway) as world:
        gateway.world = world
        payment = _pay(world, world.buy())
    assert isinstance(gateway.second, IdempotencyInProgress)
    assert gateway.second.code == "idempotency_in_progress"
    assert payment.status is PaymentStatus.CAPTURED
    assert [op for op, _ in gateway.calls] == ["authorize"]


# -- notifications ---------------------------------------------------------------------------
def test_a_signed_notification_settles_a_pending_payment(world: World) -> None:
    order = world.buy()
    payment = _pay(world, order, "tok_pending")
    assert payment.status is PaymentStatus.PENDING
    assert _stock(world) == (10, 1)
    result = world.shop.payments.handle_notification(GATEWAY, *_notify(world, payment))
    assert (result.status, result.payment_id) == ("processed", payment.id)
    assert world.shop.orders.get(world.customer, order.id).status is OrderStatus.PAID
    (settled,) = world.shop.payments.list_for_order(world.customer, order.id)
    assert settled.status is PaymentStatus.CAPTURED
    assert settled.captured == PRICE
    assert _stock(world) == (10, 1)


def test_a_duplicate_notification_changes_nothing_and_is_reported(world: World) -> None:
    payment = _pay(world, world.buy(), "tok_pending")
    headers, body = _notify(world, payment)
    world.shop.payments.handle_notification(GATEWAY, headers, body)
    before = snapshot(world)
    result = world.shop.payments.handle_notification(GATEWAY, headers, body)
    assert result.status == "duplicate"
    assert snapshot(world) == before


def test_a_badly_signed_notification_is_refused_and_does_not_burn_its_event_id(
    world: World,
) -> None:
    payment = _pay(world, world.buy(), "tok_pending")
    headers, body = _notify(world, payment)
    tampered = body.replace(b"399900", b"000001")
    assert tampered != body
    for bad_headers, bad_body in [
        (headers, tampered),
        (_notify(world, payment, secret="whsec_attacker")[0], body),
        ({}, body),
    ]:
        refused(
            world,
            InvalidSignature,
            "invalid_signature",
            lambda h=bad_headers, b=bad_body: world.shop.payments.handle_notification(
                GATEWAY, h, b
            ),
        )
    assert world.shop.payments.handle_notification(GATEWAY, headers, body).status == "processed"


def test_a_notification_outside_the_time_tolerance_is_refused(world: World) -> None:
    payment = _pay(world, world.buy(), "tok_pending")
    headers, body = _notify(world, payment)
    world.clock.advance(timedelta(seconds=301))
    refused(
        world,
        InvalidSignature,
        "invalid_signature",
        lambda: world.shop.payments.handle_notification(GATEWAY, headers, body),
    )


def test_a_failure_notification_declines_a_pending_payment(world: World) -> None:
    order = world.buy()
    payment = _pay(world, order, "tok_pending")
    world.shop.payments.handle_notification(
        GATEWAY, *_notify(world, payment, kind="payment.failed")
    )
    (declined,) = world.shop.payments.list_for_order(world.customer, order.id)
    assert declined.status is PaymentStatus.DECLINED
    assert world.shop.orders.get(world.customer, order.id).status is OrderStatus.PENDING_PAYMENT


def test_a_notification_for_no_known_payment_is_ignored_and_changes_nothing(world: World) -> None:
    headers, body = recorded_gateway(world).build_notification(
        "payment.captured", "sbxpay_unknown", PRICE, event_id="evt_x", at=world.clock.now()
    )
    before = snapshot(world)
    assert world.shop.payments.handle_notification(GATEWAY, headers, body).status == "ignored"
    assert snapshot(world) == before


class EarlyNotifyingGateway(SandboxGateway):
    """The provider's notification reaches the shop before its synchronous answer does."""

    world: World

    def authorize(self, request: PaymentRequest) -> GatewayResult:
        result = super().authorize(request)
        if result.outcome in (GatewayOutcome.PENDING, GatewayOutcome.SUCCEEDED):
            headers, body = self.build_notification(
                "payment.captured",
                result.provider_ref,
                request.amount,
                event_id="evt_1",
                at=self.world.clock.now(),
            )
            outcome = self.world.shop.payments.handle_notification(GATEWAY, headers, body)
            assert outcome.status == "processed"
        return result


def _final_state(world: World, order: Order) -> dict[str, Any]:
    (payment,) = world.shop.payments.list_for_order(world.customer, order.id)
    with world.shop.storage.unit_of_work() as uow:
        names = [
            e.name for _, e in uow.outbox.list(limit=10_000) if e.occurred_at >= order.placed_at
        ]
    return {
        "order": world.shop.orders.get(world.customer, order.id).status,
        "payment": (payment.status, payment.captured, payment.amount),
        "stock": _stock(world),
        "captured_events": names.count(ev.PaymentCaptured.name),
        "paid_events": names.count(ev.OrderPaid.name),
    }


@pytest.mark.parametrize("method", ["tok_pending", "tok_visa"])
def test_notification_and_synchronous_answer_give_the_same_state_in_either_order(
    method: str,
) -> None:
    states = []
    # the synchronous answer first, then the notification
    sync_first = SandboxGateway()
    with fresh_world(sync_first) as world:
        order = world.buy()
        payment = _pay(world, order, method)
        world.shop.payments.handle_notification(GATEWAY, *_notify(world, payment))
        states.append(_final_state(world, order))
    # the notification first, while the provider's answer is still on its way
    early = EarlyNotifyingGateway()
    with fresh_world(early) as world:
        early.world = world
        order = world.buy()
        returned = _pay(world, order, method)
        assert returned.status is PaymentStatus.CAPTURED
        states.append(_final_state(world, order))
    assert states[0] == states[1]
    assert states[0]["order"] is OrderStatus.PAID
    assert states[0]["captured_events"] == states[0]["paid_events"] == 1
    assert states[0]["stock"] == (10, 1)


# -- refunds ---------------------------------------------------------------------------------
def test_refunds_add_up_to_the_capture_and_never_beyond(world: World) -> None:
    payment = _pay(world, world.buy())
    refunds = world.shop.payments
    partial = refunds.refund(
        world.admin, payment.id, amount=Money(100000, "CNY"), idempotency_key="r1"
    )
    assert partial.status is PaymentStatus.PARTIALLY_REFUNDED
    assert partial.refundable == Money(299900, "CNY")
    error = refused(
        world,
        RefundExceedsCaptured,
        "refund_exceeds_captured",
        lambda: refunds.refund(
            world.admin, payment.id, amount=Money(299901, "CNY"), idempotency_key="r2"
        ),
    )
    assert error.details["refundable"] == 299900
    full = refunds.refund(
        world.admin, payment.id, amount=Money(299900, "CNY"), idempotency_key="r3"
    )
    assert full.status is PaymentStatus.REFUNDED
    assert full.refunded_amount == full.captured_amount == PRICE
    refused(
        world,
        InvalidTransition,
        "illegal_transition",
        lambda: refunds.refund(
            world.admin, payment.id, amount=Money(1, "CNY"), idempotency_key="r4"
        ),
    )


def test_a_refund_replayed_by_key_reaches_the_gateway_once(
    world: World, gateway: SandboxGateway
) -> None:
    payment = _pay(world, world.buy())
    first = world.shop.payments.refund(
        world.admin, payment.id, amount=Money(500, "CNY"), idempotency_key="r1"
    )
    again = world.shop.payments.refund(
        world.admin, payment.id, amount=Money(500, "CNY"), idempotency_key="r1"
    )
    assert again == first
    assert [op for op, _ in gateway.calls].count("refund") == 1
    refused(
        world,
        IdempotencyConflict,
        "idempotency_conflict",
        lambda: world.shop.payments.refund(
            world.admin, payment.id, amount=Money(600, "CNY"), idempotency_key="r1"
        ),
    )


def test_a_declined_payment_cannot_be_refunded(world: World) -> None:
    payment = _pay(world, world.buy(), "tok_declined")
    refused(
        world,
        InvalidTransition,
        "illegal_transition",
        lambda: world.shop.payments.refund(
            world.admin, payment.id, amount=Money(1, "CNY"), idempotency_key="r"
        ),
    )


class SlowRefundGateway(SandboxGateway):
    """Refunds whose outcome the provider will only tell later."""

    def refund(self, provider_ref: str, amount: Money, idempotency_key: str) -> GatewayResult:
        super().refund(provider_ref, amount, idempotency_key)
        return GatewayResult(GatewayOutcome.PENDING, "sbxref_later")


def test_a_refund_whose_outcome_is_unknown_still_counts_against_the_capture() -> None:
    with fresh_world(SlowRefundGateway()) as world:
        payment = _pay(world, world.buy())
        pending = world.shop.payments.refund(
            world.admin, payment.id, amount=PRICE, idempotency_key="r1"
        )
        assert [r.status for r in pending.refunds] == [RefundStatus.PENDING]
        assert pending.refundable.is_zero
        refused(
            world,
            RefundExceedsCaptured,
            "refund_exceeds_captured",
            lambda: world.shop.payments.refund(
                world.admin, payment.id, amount=Money(1, "CNY"), idempotency_key="r2"
            ),
        )


def test_any_sequence_of_refunds_never_exceeds_the_capture() -> None:
    with fresh_world(SandboxGateway()) as world:
        world.shop.inventory.receive(
            world.admin, sku="PX-128-BLK", warehouse_id="sz", quantity=9_000
        )
        keys = itertools.count()

        @settings(max_examples=40, deadline=None)
        @given(st.lists(st.integers(min_value=1, max_value=500_000), max_size=6))
        def refund_in_turn(amounts: list[int]) -> None:
            n = next(keys)
            payment = _pay(world, world.buy(key=f"order-{n}"), key=f"pay-{n}")
            expected = 0
            for i, amount in enumerate(amounts):
                try:
                    payment = world.shop.payments.refund(
                        world.admin,
                        payment.id,
                        amount=Money(amount, "CNY"),
                        idempotency_key=f"refund-{n}-{i}",
                    )
                except (RefundExceedsCaptured, InvalidTransition):
                    assert expected + amount > PRICE.amount
                else:
                    expected += amount
                assert payment.refunded_amount.amount == expected <= PRICE.amount
            assert payment.refunded_amount + payment.refundable == payment.captured_amount
            want = (
                PaymentStatus.CAPTURED
                if expected == 0
                else PaymentStatus.REFUNDED
                if expected == PRICE.amount
                else PaymentStatus.PARTIALLY_REFUNDED
            )
            assert payment.status is want

        refund_in_turn()
