"""The order state machine: the transition table is the whole truth, and a refusal changes nothing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from ecommerce_core.domain import events as ev
from ecommerce_core.domain.errors import InvalidTransition
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.orders import (
    TRANSITIONS,
    Order,
    OrderAction,
    OrderLine,
    OrderStatus,
    StatusChange,
)

PLACED = datetime(2026, 1, 1, tzinfo=UTC)
TERMINAL = {OrderStatus.COMPLETED, OrderStatus.CANCELLED}
EVENT_FOR = {
    OrderStatus.PAID: ev.OrderPaid,
    OrderStatus.SHIPPED: ev.OrderShipped,
    OrderStatus.DELIVERED: ev.OrderDelivered,
    OrderStatus.COMPLETED: ev.OrderCompleted,
    OrderStatus.CANCELLED: ev.OrderCancelled,
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
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in TRANSITIONS]


def test_the_table_names_only_real_statuses_and_actions_and_terminal_states_are_final() -> None:
    assert ILLEGAL, "some pairs must be illegal"
    for (status, action), target in TRANSITIONS.items():
        assert status not in TERMINAL
        assert isinstance(action, OrderAction)
        assert isinstance(target, OrderStatus)
    reachable = {OrderStatus.PENDING_PAYMENT} | set(TRANSITIONS.values())
    assert reachable == set(OrderStatus)


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


@pytest.mark.parametrize(("pair", "target"), list(TRANSITIONS.items()), ids=str)
def test_every_pair_in_the_table_moves_to_its_target_with_one_event(
    pair: tuple[OrderStatus, OrderAction], target: OrderStatus
) -> None:
    status, action = pair
    order = an_order(status)
    at = PLACED + timedelta(hours=1)
    moved, events = order.transition(action, at, "why", tracking_number="SBX1")
    assert moved.status is target
    assert moved.updated_at == at
    assert moved.history == (*order.history, StatusChange(target, at, "why"))
    assert [type(e) for e in events] == [EVENT_FOR[target]]
    assert events[0].order_id == order.id  # type: ignore[attr-defined]
    assert events[0].occurred_at == at
    # everything but status, time and history is as it was
    assert (moved.lines, moved.total, moved.customer_id) == (
        order.lines,
        order.total,
        order.customer_id,
    )
    assert order.status is status  # the original is untouched (frozen)


class OrderLifecycle(RuleBasedStateMachine):
    """Random actions on one order: legal ones follow the table, illegal ones change nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.order = an_order()
        self.expected = OrderStatus.PENDING_PAYMENT
        self.clock = PLACED
        self.events: list[ev.DomainEvent] = []

    @rule(action=st.sampled_from(OrderAction), minutes=st.integers(0, 600))
    def act(self, action: OrderAction, minutes: int) -> None:
        self.clock += timedelta(minutes=minutes)
        before = self.order
        target = TRANSITIONS.get((self.expected, action))
        if target is None:
            with pytest.raises(InvalidTransition):
                self.order.transition(action, self.clock)
            assert self.order == before
            return
        self.order, events = self.order.transition(action, self.clock)
        self.events.extend(events)
        self.expected = target

    @invariant()
    def status_follows_the_table(self) -> None:
        assert self.order.status is self.expected

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
