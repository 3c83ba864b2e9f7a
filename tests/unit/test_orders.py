"""The order state machine: the transition table is the whole truth, and a refusal changes nothing.

The overall status and the payment and fulfilment statuses move together, only by declared
transitions, and stay consistent with each other whatever sequence of actions is tried.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from ecommerce_core.domain import events as ev
from ecommerce_core.domain.errors import InvalidTransition
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.order_flow import DEFAULT_FLOW, DEFAULT_TRANSITIONS
from ecommerce_core.domain.orders import (
    FulfilmentStatus,
    Order,
    OrderAction,
    OrderLine,
    OrderStatus,
    PaymentState,
    StatusChange,
)

PLACED = datetime(2026, 1, 1, tzinfo=UTC)
TERMINAL = {OrderStatus.CLOSED, OrderStatus.CANCELLED}
TABLE = {(t.source, t.action): t for t in DEFAULT_TRANSITIONS}
EVENT_FOR: dict[str, type[ev.DomainEvent]] = {
    OrderAction.PAY: ev.OrderPaid,
    OrderAction.SHIP: ev.OrderShipped,
    OrderAction.DELIVER: ev.OrderDelivered,
    OrderAction.COMPLETE: ev.OrderCompleted,
    OrderAction.CANCEL: ev.OrderCancelled,
}


def an_order(status: OrderStatus = OrderStatus.PENDING_PAYMENT) -> Order:
    price = Money(399900, "CNY")
    return Order(
        id="ord_1",
        number="20260101-ABCDEFGH",
        customer_id="cus_1",
        currency="CNY",
        lines=(OrderLine("PX-1", "prd_1", "Phone X", 1, price, Money(0, "CNY"), price),),
        subtotal=price,
        discount=Money(0, "CNY"),
        shipping=Money(0, "CNY"),
        tax=Money(0, "CNY"),
        total=price,
        status=status,
        placed_at=PLACED,
        updated_at=PLACED,
        history=(StatusChange(status, PLACED, "placed"),),
    )


ALL_PAIRS = list(itertools.product(OrderStatus, OrderAction))
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in TABLE]


def test_the_table_names_only_real_statuses_and_actions_and_terminal_states_are_final() -> None:
    assert ILLEGAL, "some pairs must be illegal"
    assert len(TABLE) == len(DEFAULT_TRANSITIONS), "one target per (status, action)"
    for (status, action), t in TABLE.items():
        assert status not in TERMINAL
        assert isinstance(action, OrderAction)
        assert isinstance(t.target, OrderStatus)
    reachable = {OrderStatus.PENDING_PAYMENT} | {t.target for t in DEFAULT_TRANSITIONS}
    assert reachable == set(OrderStatus)
    assert DEFAULT_FLOW.terminal == TERMINAL


@pytest.mark.parametrize(("status", "action"), ILLEGAL, ids=lambda x: str(x))
def test_every_pair_not_in_the_table_raises_and_changes_nothing(
    status: OrderStatus, action: OrderAction
) -> None:
    order = an_order(status)
    assert not order.can(action)
    with pytest.raises(InvalidTransition) as caught:
        order.transition(action, PLACED + timedelta(hours=1))
    assert caught.value.code == "illegal_transition"
    assert caught.value.details == {
        "order_id": "ord_1",
        "status": status.value,
        "action": action.value,
    }
    assert order == an_order(status)


@pytest.mark.parametrize("pair", list(TABLE), ids=str)
def test_every_pair_in_the_table_moves_to_its_target_with_one_event(
    pair: tuple[OrderStatus, OrderAction],
) -> None:
    status, action = pair
    t = TABLE[pair]
    order = an_order(status)
    at = PLACED + timedelta(hours=1)
    moved, events = order.transition(action, at, "why", tracking_number="SBX1")
    assert moved.status is t.target
    assert moved.payment_status is (t.payment or order.payment_status)
    assert moved.fulfilment_status is (t.fulfilment or order.fulfilment_status)
    assert moved.updated_at == at
    assert moved.history == (*order.history, StatusChange(t.target, at, "why", action))
    assert [type(e) for e in events] == [EVENT_FOR.get(action, ev.OrderStatusChanged)]
    assert events[0].order_id == order.id  # type: ignore[attr-defined]
    assert events[0].occurred_at == at
    # everything but the statuses, time and history is as it was
    assert (moved.lines, moved.total, moved.customer_id) == (
        order.lines,
        order.total,
        order.customer_id,
    )
    assert order.status is status  # the original is untouched (frozen)


def test_a_paid_order_is_closed_only_by_giving_all_its_money_back() -> None:
    at = PLACED + timedelta(hours=1)
    paid, _ = an_order().transition(OrderAction.PAY, at)
    assert (paid.status, paid.payment_status) == (OrderStatus.PAID, PaymentState.PAID)
    assert not paid.can(OrderAction.CANCEL)
    part, _ = paid.transition(OrderAction.REFUND_PARTIALLY, at)
    assert (part.status, part.payment_status) == (
        OrderStatus.PAID,
        PaymentState.PARTIALLY_REFUNDED,
    )
    closed, events = part.transition(OrderAction.REFUND, at, "customer changed their mind")
    assert (closed.status, closed.payment_status) == (OrderStatus.CLOSED, PaymentState.REFUNDED)
    assert closed.fulfilment_status is FulfilmentStatus.UNFULFILLED
    assert isinstance(events[0], ev.OrderStatusChanged)
    assert (events[0].source, events[0].target) == ("paid", "closed")
    assert DEFAULT_FLOW.actions(closed.status) == []


def test_a_plugin_state_is_kept_as_a_plain_string_and_built_in_ones_as_members() -> None:
    assert an_order().status is OrderStatus.PENDING_PAYMENT
    odd = attrs.evolve(an_order(), status="risk_review")
    assert odd.status == "risk_review" and not isinstance(odd.status, OrderStatus)
    assert attrs.evolve(odd, status="paid").status is OrderStatus.PAID


def consistent(order: Order) -> list[str]:
    """The rules tying the three statuses together; the broken ones, by name."""
    s, p, f = order.status, order.payment_status, order.fulfilment_status
    broken = []
    if f is not FulfilmentStatus.UNFULFILLED and p is PaymentState.UNPAID:
        broken.append("goods left without money")
    if s in (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED) and p is not PaymentState.UNPAID:
        broken.append("unpaid status with money")
    if (s is OrderStatus.CLOSED) != (p is PaymentState.REFUNDED):
        broken.append("closed exactly when refunded in full")
    expected_f = {
        OrderStatus.PENDING_PAYMENT: {FulfilmentStatus.UNFULFILLED},
        OrderStatus.PAID: {FulfilmentStatus.UNFULFILLED},
        OrderStatus.PARTIALLY_SHIPPED: {FulfilmentStatus.PARTIALLY_SHIPPED},
        OrderStatus.SHIPPED: {FulfilmentStatus.SHIPPED},
        OrderStatus.DELIVERED: {FulfilmentStatus.DELIVERED},
        OrderStatus.COMPLETED: {FulfilmentStatus.DELIVERED},
        OrderStatus.CANCELLED: {FulfilmentStatus.UNFULFILLED},
    }.get(s)
    if expected_f is not None and f not in expected_f:
        broken.append(f"{s} with fulfilment {f}")
    return broken


class OrderLifecycle(RuleBasedStateMachine):
    """Random actions on one order: legal ones follow the table, illegal ones change nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.order = an_order()
        self.expected: str = OrderStatus.PENDING_PAYMENT
        self.clock = PLACED
        self.events: list[ev.DomainEvent] = []

    @rule(action=st.sampled_from(OrderAction), minutes=st.integers(0, 600))
    def act(self, action: OrderAction, minutes: int) -> None:
        self.clock += timedelta(minutes=minutes)
        before = self.order
        t = TABLE.get((self.expected, action))
        if t is None:
            with pytest.raises(InvalidTransition):
                self.order.transition(action, self.clock)
            assert self.order == before
            return
        self.order, events = self.order.transition(action, self.clock)
        self.events.extend(events)
        self.expected = t.target

    @invariant()
    def status_follows_the_table_and_is_declared(self) -> None:
        assert self.order.status is self.expected
        assert self.order.status in DEFAULT_FLOW.states

    @invariant()
    def the_three_statuses_stay_consistent(self) -> None:
        assert consistent(self.order) == []

    @invariant()
    def history_records_every_move_and_only_moves(self) -> None:
        assert len(self.order.history) == len(self.events) + 1
        assert self.order.history[-1].status is self.order.status
        times = [change.at for change in self.order.history]
        assert times == sorted(times)

    @invariant()
    def a_terminal_order_can_do_nothing(self) -> None:
        if self.order.status in TERMINAL:
            assert not any(self.order.can(a) for a in OrderAction)


TestOrderLifecycle = OrderLifecycle.TestCase
