"""The order state machine as data: declared states, transitions and guards, validated as a whole.

An order has one overall ``status`` and two sub-statuses, ``payment_status`` and
``fulfilment_status``. Nothing moves any of them but a declared :class:`Transition`: the pair
(status, action) names the target status and, optionally, the sub-status it sets. Plugins add
states, transitions and guards (:class:`FlowBuilder`); the composed :class:`OrderFlow` is checked
when the shop opens (:meth:`FlowBuilder.build`): every state reachable from the initial one,
every non-terminal state able to reach a terminal one, nothing leaving a terminal state, and no
transition naming an undeclared state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

import attrs

from ecommerce_core.domain import events as ev
from ecommerce_core.domain.errors import InvalidTransition, OrderFlowInvalid, TransitionRefused
from ecommerce_core.domain.orders import (
    FulfilmentStatus,
    Order,
    OrderAction,
    OrderStatus,
    PaymentState,
    StatusChange,
)

__all__ = [
    "DEFAULT_FLOW",
    "DEFAULT_TRANSITIONS",
    "FlowBuilder",
    "Guard",
    "OrderFlow",
    "Transition",
]

#: ``guard(order, transition)`` returns a reason to refuse the transition, or None to allow it.
Guard = Callable[[Order, "Transition"], "str | None"]


@attrs.frozen
class Transition:
    """``action`` moves an order from ``source`` to ``target``, setting the sub-statuses given."""

    source: str
    action: str
    target: str
    payment: PaymentState | None = None
    fulfilment: FulfilmentStatus | None = None


S, A, P, F = OrderStatus, OrderAction, PaymentState, FulfilmentStatus
_REFUNDABLE = (S.PAID, S.PARTIALLY_SHIPPED, S.SHIPPED, S.DELIVERED, S.COMPLETED)

#: The built-in table, in reading order (docs/orders.md shows it; a test keeps the two equal).
DEFAULT_TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.PENDING_PAYMENT, A.PAY, S.PAID, payment=P.PAID),
    Transition(S.PENDING_PAYMENT, A.EDIT, S.PENDING_PAYMENT),
    Transition(S.PENDING_PAYMENT, A.CANCEL, S.CANCELLED),
    Transition(S.PAID, A.SHIP_PARTIALLY, S.PARTIALLY_SHIPPED, fulfilment=F.PARTIALLY_SHIPPED),
    Transition(S.PAID, A.SHIP, S.SHIPPED, fulfilment=F.SHIPPED),
    Transition(S.PARTIALLY_SHIPPED, A.SHIP_PARTIALLY, S.PARTIALLY_SHIPPED),
    Transition(S.PARTIALLY_SHIPPED, A.SHIP, S.SHIPPED, fulfilment=F.SHIPPED),
    Transition(S.SHIPPED, A.DELIVER, S.DELIVERED, fulfilment=F.DELIVERED),
    Transition(S.DELIVERED, A.COMPLETE, S.COMPLETED),
    *(Transition(s, A.REFUND_PARTIALLY, s, payment=P.PARTIALLY_REFUNDED) for s in _REFUNDABLE),
    *(Transition(s, A.REFUND, S.CLOSED, payment=P.REFUNDED) for s in _REFUNDABLE),
)
DEFAULT_TERMINAL = frozenset({S.CANCELLED.value, S.CLOSED.value})


@attrs.frozen
class OrderFlow:
    """A validated machine: look transitions up, check guards, and move orders."""

    initial: str
    states: frozenset[str]
    terminal: frozenset[str]
    transitions: tuple[Transition, ...]
    guards: tuple[tuple[str | None, str, Guard], ...] = ()
    _index: Mapping[tuple[str, str], Transition] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_index", {(t.source, t.action): t for t in self.transitions})

    def find(self, status: str, action: str) -> Transition | None:
        return self._index.get((str(status), str(action)))

    def actions(self, status: str) -> list[str]:
        """The actions declared from ``status``, in table order."""
        return [t.action for t in self.transitions if t.source == str(status)]

    def refusal(self, order: Order, action: str) -> str | None:
        """Why ``action`` cannot happen to ``order`` now, or None when it can."""
        transition = self.find(order.status, action)
        if transition is None:
            return f"an order that is {order.status} cannot {action}"
        for source, guarded, guard in self.guards:
            if guarded == transition.action and source in (None, transition.source):
                reason = guard(order, transition)
                if reason:
                    return str(reason)
        return None

    def can(self, order: Order, action: str) -> bool:
        return self.refusal(order, action) is None

    def apply(
        self,
        order: Order,
        action: str,
        at: datetime,
        note: str = "",
        *,
        actor: str | None = "",
        internal: bool = False,
        check_guards: bool = True,
        data: Mapping[str, str] | None = None,
    ) -> tuple[Order, list[ev.DomainEvent]]:
        """The order after ``action`` and the events it raises.

        ``check_guards=False`` records a fact that already happened outside the shop's control
        (a refund the provider made, a parcel the carrier delivered, a hold that ran out).

        :raises InvalidTransition: the table has no such move from the order's status.
        :raises TransitionRefused: a guard refused it (the reason is the message).
        """
        transition = self.find(order.status, action)
        if transition is None:
            raise InvalidTransition(
                f"an order that is {order.status} cannot {action}",
                order_id=order.id,
                status=str(order.status),
                action=str(action),
            )
        reason = self.refusal(order, action) if check_guards else None
        if reason is not None:
            raise TransitionRefused(
                reason, order_id=order.id, status=str(order.status), action=str(action)
            )
        moved = attrs.evolve(
            order,
            status=transition.target,
            payment_status=transition.payment or order.payment_status,
            fulfilment_status=transition.fulfilment or order.fulfilment_status,
            updated_at=at,
            history=(
                *order.history,
                StatusChange(transition.target, at, note, str(action), actor or "", internal),
            ),
        )
        return moved, [_event_for(transition, order.id, at, note, data or {})]


def _event_for(
    t: Transition, order_id: str, at: datetime, note: str, data: Mapping[str, str]
) -> ev.DomainEvent:
    action = t.action
    if action == A.PAY:
        return ev.OrderPaid(occurred_at=at, order_id=order_id)
    if action == A.SHIP:
        return ev.OrderShipped(
            occurred_at=at, order_id=order_id, tracking_number=data.get("tracking_number", "")
        )
    if action == A.DELIVER:
        return ev.OrderDelivered(occurred_at=at, order_id=order_id)
    if action == A.COMPLETE:
        return ev.OrderCompleted(occurred_at=at, order_id=order_id)
    if action == A.CANCEL:
        return ev.OrderCancelled(occurred_at=at, order_id=order_id, reason=note)
    return ev.OrderStatusChanged(
        occurred_at=at,
        order_id=order_id,
        action=str(action),
        source=str(t.source),
        target=str(t.target),
        note=note,
    )


@attrs.define
class FlowBuilder:
    """The built-in machine plus what plugins add; :meth:`build` validates the result."""

    initial: str = S.PENDING_PAYMENT.value
    states: dict[str, bool] = attrs.field(
        factory=lambda: {s.value: s.value in DEFAULT_TERMINAL for s in OrderStatus}
    )
    transitions: dict[tuple[str, str], Transition] = attrs.field(
        factory=lambda: {(t.source, t.action): t for t in DEFAULT_TRANSITIONS}
    )
    guards: list[tuple[str | None, str, Guard]] = attrs.field(factory=list)

    def add_state(self, name: str, *, terminal: bool = False) -> None:
        if not isinstance(name, str) or not name.isidentifier() or name != name.lower():
            raise OrderFlowInvalid(f"an order state is a lower-case identifier, not {name!r}")
        if name in self.states:
            raise OrderFlowInvalid(f"the order state {name!r} is declared twice", state=name)
        self.states[name] = bool(terminal)

    def add_transition(self, transition: Transition, *, replace: bool = False) -> None:
        key = (str(transition.source), str(transition.action))
        if not isinstance(transition.action, str) or not transition.action.isidentifier():
            raise OrderFlowInvalid(f"an order action is an identifier, not {transition.action!r}")
        if key in self.transitions and not replace:
            raise OrderFlowInvalid(
                f"{key[0]} already has a transition for {key[1]}; pass replace=True to redirect it",
                state=key[0],
                action=key[1],
            )
        self.transitions[key] = transition

    def add_guard(self, action: str, guard: Guard, *, source: str | None = None) -> None:
        if not callable(guard):
            raise OrderFlowInvalid(f"the guard for {action!r} is not callable", action=action)
        self.guards.append((source, str(action), guard))

    def build(self) -> OrderFlow:
        """The validated machine; :class:`OrderFlowInvalid` names the first problem found."""
        transitions = tuple(self.transitions.values())
        _validate(self.initial, self.states, transitions, self.guards)
        return OrderFlow(
            initial=self.initial,
            states=frozenset(self.states),
            terminal=frozenset(s for s, final in self.states.items() if final),
            transitions=transitions,
            guards=tuple(self.guards),
        )


def _validate(
    initial: str,
    states: Mapping[str, bool],
    transitions: Iterable[Transition],
    guards: Iterable[tuple[str | None, str, Guard]],
) -> None:
    table = list(transitions)
    for t in table:
        for end in (t.source, t.target):
            if end not in states:
                raise OrderFlowInvalid(
                    f"the transition {t.source} --{t.action}--> {t.target} names the "
                    f"unknown state {end!r}",
                    state=str(end),
                )
        if states[t.source]:
            raise OrderFlowInvalid(
                f"the terminal state {t.source!r} has a transition ({t.action})",
                state=str(t.source),
            )
    actions = {t.action for t in table}
    for source, action, _ in guards:
        if action not in actions or (source is not None and source not in states):
            raise OrderFlowInvalid(
                f"a guard is declared for {source or 'any state'} --{action}--> which no "
                "transition has",
                action=action,
            )
    if initial not in states:
        raise OrderFlowInvalid(f"the initial state {initial!r} is not declared", state=initial)
    reachable = _closure({initial}, {(t.source, t.target) for t in table})
    for state in sorted(set(states) - reachable):
        raise OrderFlowInvalid(
            f"the order state {state!r} cannot be reached from {initial!r}", state=state
        )
    backwards = {(t.target, t.source) for t in table}
    can_finish = _closure({s for s, final in states.items() if final}, backwards)
    for state in sorted(set(states) - can_finish):
        raise OrderFlowInvalid(
            f"an order in state {state!r} can never reach a terminal state", state=state
        )


def _closure(start: set[str], edges: set[tuple[str, str]]) -> set[str]:
    seen, todo = set(start), list(start)
    while todo:
        here = todo.pop()
        for a, b in edges:
            if a == here and b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


DEFAULT_FLOW = FlowBuilder().build()
