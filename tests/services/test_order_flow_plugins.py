"""Plugins extend the order machine through ``ecommerce_core_register_order_flow``: states,
transitions and guards, checked as a whole when the shop opens."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ecommerce_core import Shop, ShopSettings, hookimpl
from ecommerce_core.defaults import FixedClock
from ecommerce_core.domain.errors import (
    InvalidInput,
    InvalidTransition,
    OrderFlowInvalid,
    PermissionDenied,
    TransitionRefused,
)
from ecommerce_core.domain.order_flow import Transition
from ecommerce_core.domain.orders import Order, OrderStatus, PaymentState
from ecommerce_core.plugins import Registry
from ecommerce_sandboxpay import SandboxGateway
from tests.services.harness import fresh_world
from tests.support import World, plugin_manager


class RiskReviewPlugin:
    """Paid orders wait in ``risk_review`` until staff approve them; only then can they ship."""

    @hookimpl
    def ecommerce_core_register_order_flow(self, registry: Registry) -> None:
        registry.add_order_state("risk_review")
        registry.add_order_transition(
            "pending_payment", "pay", "risk_review", payment="paid", replace=True
        )
        registry.add_order_transition("risk_review", "approve_risk", "paid")
        registry.add_order_transition("risk_review", "refund", "closed", payment="refunded")


B2B_CUSTOMERS: set[str] = set()


def needs_approval(order: Order, transition: Transition) -> str | None:
    if order.customer_id in B2B_CUSTOMERS and not any(h.action == "approve" for h in order.history):
        return "a business order is paid only after its buyer's manager approved it"
    return None


class B2BApprovalPlugin:
    @hookimpl
    def ecommerce_core_register_order_flow(self, registry: Registry) -> None:
        registry.add_order_state("b2b_approval")
        registry.add_order_transition("pending_payment", "request_approval", "b2b_approval")
        registry.add_order_transition("b2b_approval", "approve", "pending_payment")
        registry.add_order_transition("b2b_approval", "cancel", "cancelled")
        registry.add_order_guard("pay", needs_approval, source="pending_payment")


@pytest.fixture
def risky(gateway: SandboxGateway) -> Iterator[World]:
    with fresh_world(gateway, RiskReviewPlugin()) as w:
        yield w


@pytest.fixture
def b2b(gateway: SandboxGateway) -> Iterator[World]:
    with fresh_world(gateway, B2BApprovalPlugin()) as w:
        B2B_CUSTOMERS.add(str(w.customer.id))
        yield w
    B2B_CUSTOMERS.clear()


def _pay(w: World, order_id: str, key: str = "pay-1") -> None:
    w.shop.payments.pay(w.customer, order_id, payment_method="tok_visa", idempotency_key=key)


def test_a_plugin_state_sits_between_payment_and_shipping(risky: World) -> None:
    order = risky.buy()
    _pay(risky, order.id)
    held = risky.shop.orders.get(risky.admin, order.id)
    assert (held.status, held.payment_status) == ("risk_review", PaymentState.PAID)
    with pytest.raises(InvalidTransition):
        risky.shop.shipping.ship(risky.admin, order.id)
    approved = risky.shop.orders.advance(risky.admin, order.id, "approve_risk", note="looks fine")
    assert approved.status is OrderStatus.PAID
    assert approved.history[-1].action == "approve_risk"
    assert approved.history[-1].actor == risky.admin.id
    risky.shop.shipping.ship(risky.admin, order.id)
    assert risky.shop.orders.get(risky.admin, order.id).status is OrderStatus.SHIPPED


def test_a_full_refund_closes_an_order_in_a_plugin_state(risky: World) -> None:
    order = risky.buy()
    _pay(risky, order.id)
    (payment,) = risky.shop.payments.list_for_order(risky.admin, order.id)
    risky.shop.payments.refund(
        risky.admin, payment.id, amount=payment.amount, idempotency_key="r", reason="fraud"
    )
    closed = risky.shop.orders.get(risky.admin, order.id)
    assert (closed.status, closed.payment_status) == (OrderStatus.CLOSED, PaymentState.REFUNDED)


def test_only_staff_fire_a_plugin_action_and_built_in_ones_keep_their_use_case(
    risky: World,
) -> None:
    order = risky.buy()
    _pay(risky, order.id)
    with pytest.raises(PermissionDenied):
        risky.shop.orders.advance(risky.customer, order.id, "approve_risk")
    with pytest.raises(InvalidInput):
        risky.shop.orders.advance(risky.admin, order.id, "ship")
    with pytest.raises(InvalidTransition) as caught:
        risky.shop.orders.advance(risky.admin, order.id, "teleport")
    assert caught.value.code == "illegal_transition"
    assert risky.shop.orders.get(risky.admin, order.id).status == "risk_review"


def test_a_guard_refuses_payment_before_any_money_moves_then_allows_it_after_approval(
    b2b: World, gateway: SandboxGateway
) -> None:
    order = b2b.buy()
    calls_before = len(gateway.calls)
    with pytest.raises(TransitionRefused) as caught:
        _pay(b2b, order.id)
    assert caught.value.code == "transition_refused"
    assert "approved" in caught.value.message
    assert len(gateway.calls) == calls_before, "the provider was never asked"
    assert b2b.shop.payments.list_for_order(b2b.admin, order.id) == []
    b2b.shop.orders.advance(b2b.admin, order.id, "request_approval")
    assert b2b.shop.orders.flow.refusal(b2b.shop.orders.get(b2b.admin, order.id), "pay") is not None
    b2b.shop.orders.advance(b2b.admin, order.id, "approve", note="approved by the manager")
    _pay(b2b, order.id, key="pay-2")
    paid = b2b.shop.orders.get(b2b.customer, order.id)
    assert (paid.status, paid.payment_status) == (OrderStatus.PAID, PaymentState.PAID)
    assert [h.action for h in paid.history] == ["place", "request_approval", "approve", "pay"]


def _registering(fill: Callable[[Registry], None]) -> object:
    class Plugin:
        @hookimpl
        def ecommerce_core_register_order_flow(self, registry: Registry) -> None:
            fill(registry)

    return Plugin()


def _open(plugin: object) -> Shop:
    return Shop.open(
        "memory://",
        settings=ShopSettings(password_hasher="argon2-floor"),
        plugin_manager=plugin_manager(plugin),
        clock=FixedClock(),
    )


def _orphan(r: Registry) -> None:
    r.add_order_state("limbo")


def _dead_end(r: Registry) -> None:
    r.add_order_state("on_hold")
    r.add_order_transition("paid", "hold", "on_hold")


def _out_of_terminal(r: Registry) -> None:
    r.add_order_transition("closed", "reopen", "paid")


def _unknown_state(r: Registry) -> None:
    r.add_order_transition("paid", "hold", "nowhere")


def _clash(r: Registry) -> None:
    r.add_order_transition("pending_payment", "pay", "paid")


def _guard_for_nothing(r: Registry) -> None:
    r.add_order_guard("levitate", lambda order, t: None)


def _bad_sub_status(r: Registry) -> None:
    r.add_order_transition("paid", "ship", "shipped", fulfilment="teleported", replace=True)


@pytest.mark.parametrize(
    ("fill", "named"),
    [
        (_orphan, "'limbo' cannot be reached"),
        (_dead_end, "'on_hold' can never reach a terminal state"),
        (_out_of_terminal, "terminal state 'closed'"),
        (_unknown_state, "unknown state 'nowhere'"),
        (_clash, "replace=True"),
        (_guard_for_nothing, "levitate"),
        (_bad_sub_status, "teleported"),
    ],
    ids=lambda x: getattr(x, "__name__", "")[:20],
)
def test_an_inconsistent_machine_is_refused_when_the_shop_opens_naming_the_problem(
    fill: Callable[[Registry], None], named: str
) -> None:
    with pytest.raises(OrderFlowInvalid) as caught:
        _open(_registering(fill))
    assert caught.value.code == "order_flow_invalid"
    assert named in caught.value.message


def test_the_composed_machine_is_what_the_shop_runs(gateway: SandboxGateway) -> None:
    shop = _open(RiskReviewPlugin())
    try:
        flow = shop.orders.flow
        assert "risk_review" in flow.states
        assert flow.find("pending_payment", "pay") == Transition(
            "pending_payment", "pay", "risk_review", PaymentState.PAID, None
        )
        assert flow.actions("risk_review") == ["approve_risk", "refund"]
    finally:
        shop.close()
