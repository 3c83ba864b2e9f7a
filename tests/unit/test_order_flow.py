"""The composed order machine: whatever plugins declare, the shop either refuses it naming the
problem or runs a machine where every state is reachable and can finish, and random actions never
leave the declared states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecommerce_core.domain.errors import InvalidTransition, OrderFlowInvalid
from ecommerce_core.domain.order_flow import FlowBuilder, OrderFlow, Transition
from ecommerce_core.domain.orders import OrderStatus
from tests.unit.test_orders import an_order

BUILT_IN = [s.value for s in OrderStatus]
NEW = ["risk_review", "b2b_approval", "on_hold", "limbo"]
ACTIONS = ["approve", "hold", "release", "reject", "review", "pay", "cancel"]

extra_states = st.lists(st.sampled_from(NEW), unique=True, max_size=4)


@st.composite
def plugin_declarations(draw: st.DrawFn) -> tuple[list[tuple[str, bool]], list[Transition]]:
    states = [(s, draw(st.booleans())) for s in draw(extra_states)]
    names = BUILT_IN + [s for s, _ in states]
    transitions = draw(
        st.lists(
            st.builds(
                Transition,
                st.sampled_from([*names, "nowhere"]),
                st.sampled_from(ACTIONS),
                st.sampled_from(names),
            ),
            max_size=8,
        )
    )
    return states, transitions


def _closure(start: set[str], edges: set[tuple[str, str]]) -> set[str]:
    seen = set(start)
    changed = True
    while changed:
        changed = False
        for a, b in edges:
            if a in seen and b not in seen:
                seen.add(b)
                changed = True
    return seen


def _sound(flow: OrderFlow) -> None:
    edges = {(t.source, t.target) for t in flow.transitions}
    assert _closure({flow.initial}, edges) == set(flow.states)
    finishing = _closure(set(flow.terminal), {(b, a) for a, b in edges})
    assert finishing == set(flow.states)
    assert not [t for t in flow.transitions if t.source in flow.terminal]
    assert all(t.source in flow.states and t.target in flow.states for t in flow.transitions)


def _compose(
    declared: tuple[list[tuple[str, bool]], list[Transition]],
) -> OrderFlow | OrderFlowInvalid:
    states, transitions = declared
    builder = FlowBuilder()
    try:
        for name, terminal in states:
            builder.add_state(name, terminal=terminal)
        for t in transitions:
            builder.add_transition(t, replace=True)
        return builder.build()
    except OrderFlowInvalid as refused:
        return refused


@given(plugin_declarations())
def test_a_composed_machine_is_sound_or_refused_by_name(
    declared: tuple[list[tuple[str, bool]], list[Transition]],
) -> None:
    flow = _compose(declared)
    if isinstance(flow, OrderFlowInvalid):
        assert flow.code == "order_flow_invalid" and flow.message
        return
    _sound(flow)


@given(plugin_declarations(), st.lists(st.sampled_from([*ACTIONS, "ship", "refund"]), max_size=30))
def test_random_actions_never_leave_the_declared_states(
    declared: tuple[list[tuple[str, bool]], list[Transition]], actions: list[str]
) -> None:
    flow = _compose(declared)
    if isinstance(flow, OrderFlowInvalid):
        return
    order = an_order()
    at = datetime(2026, 1, 2, tzinfo=UTC)
    for action in actions:
        before = order
        try:
            order, events = flow.apply(order, action, at)
        except InvalidTransition:
            assert order == before and flow.find(order.status, action) is None
            continue
        assert order.status in flow.states and len(events) == 1
        at += timedelta(minutes=1)


def test_the_built_in_machine_is_sound() -> None:
    _sound(FlowBuilder().build())


@pytest.mark.parametrize("name", ["Risk Review", "", "1st", "risk-review"])
def test_a_state_name_is_a_lower_case_identifier(name: str) -> None:
    with pytest.raises(OrderFlowInvalid):
        FlowBuilder().add_state(name)
