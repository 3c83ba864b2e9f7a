"""The after-sales state machine and its inputs: only the table's steps, for the right kinds;
every step recorded with its actor; units never asked for twice; photos are references."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecommerce_core.domain.aftersales import (
    TRANSITIONS,
    AfterSalesRequest,
    Reason,
    RequestAction,
    RequestKind,
    RequestStatus,
    open_request,
    photo_reference,
    units_in_requests,
)
from ecommerce_core.domain.complaints import Complaint, ComplaintStatus
from ecommerce_core.domain.errors import InvalidInput, InvalidTransition
from ecommerce_core.domain.orders import FulfilmentStatus, Order, OrderStatus, PaymentState
from tests.unit.test_refunds import make_order

AT = datetime(2026, 5, 1, tzinfo=UTC)
FINAL = {RequestStatus.REJECTED, RequestStatus.WITHDRAWN, RequestStatus.REFUNDED}


_STATES = {
    OrderStatus.PENDING_PAYMENT: (PaymentState.UNPAID, FulfilmentStatus.UNFULFILLED),
    OrderStatus.CANCELLED: (PaymentState.UNPAID, FulfilmentStatus.UNFULFILLED),
    OrderStatus.PAID: (PaymentState.PAID, FulfilmentStatus.UNFULFILLED),
    OrderStatus.PARTIALLY_SHIPPED: (PaymentState.PAID, FulfilmentStatus.PARTIALLY_SHIPPED),
    OrderStatus.SHIPPED: (PaymentState.PARTIALLY_REFUNDED, FulfilmentStatus.SHIPPED),
    OrderStatus.DELIVERED: (PaymentState.PAID, FulfilmentStatus.DELIVERED),
    OrderStatus.COMPLETED: (PaymentState.PAID, FulfilmentStatus.DELIVERED),
    OrderStatus.CLOSED: (PaymentState.REFUNDED, FulfilmentStatus.DELIVERED),
}


def _order(status: OrderStatus = OrderStatus.DELIVERED) -> Order:
    paid, goods = _STATES[status]
    order = make_order("CNY", [(3, 3000, 0), (1, 500, 0)], 0, 0)
    return attrs.evolve(order, status=status, payment_status=paid, fulfilment_status=goods)


def _open(kind: str = "return", earlier: tuple[AfterSalesRequest, ...] = (), **kw: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "id": f"rma_{len(earlier)}",
        "kind": kind,
        "lines": {0: 1},
        "reason": "damaged",
        "description": "",
        "photos": (),
        "earlier": earlier,
        "refunded": {},
        "shipped": {"SKU-0": 3, "SKU-1": 1},
        "at": AT,
        "actor_id": "cus_1",
        "actor_role": "customer",
        **kw,
    }
    order = args.pop("order", _order())
    return open_request(order, **args)  # type: ignore[arg-type]


@given(st.sampled_from(RequestKind), st.lists(st.sampled_from(RequestAction), max_size=8))
def test_only_the_tables_steps_happen_and_each_is_recorded(
    kind: RequestKind, actions: list[RequestAction]
) -> None:
    request, _ = _open(kind.value)
    for n, action in enumerate(actions):
        at = AT + timedelta(minutes=n + 1)
        step = TRANSITIONS.get((request.status, action))
        allowed = step is not None and kind in step[1]
        assert request.can(action) is allowed
        if not allowed:
            with pytest.raises(InvalidTransition):
                request.advance(action, at, "adm_1", "admin")
            continue
        assert step is not None
        before = request
        request, events = request.advance(action, at, "adm_1", "admin", f"step {n}")
        assert request.status is step[0]
        assert request.steps == (*before.steps, request.steps[-1])
        assert (request.steps[-1].at, request.steps[-1].actor_id) == (at, "adm_1")
        assert events[0].status == request.status.value  # type: ignore[attr-defined]
    if request.status in FINAL or request.status is RequestStatus.EXCHANGED:
        assert not any(request.can(a) for a in RequestAction)


def test_each_kind_ends_where_it_should() -> None:
    A = RequestAction
    paths = {
        RequestKind.RETURN: ([A.APPROVE, A.RECEIVE, A.REFUND], RequestStatus.REFUNDED),
        RequestKind.EXCHANGE: ([A.APPROVE, A.RECEIVE, A.EXCHANGE], RequestStatus.EXCHANGED),
        RequestKind.REFUND_ONLY: ([A.APPROVE, A.REFUND], RequestStatus.REFUNDED),
    }
    for kind, (actions, end) in paths.items():
        request, _ = _open(kind.value)
        for action in actions:
            request, _ = request.advance(action, AT, "adm_1", "admin")
        assert request.status is end


def test_units_held_by_open_or_done_requests_cannot_be_asked_for_again() -> None:
    first, _ = _open(lines={0: 2})
    with pytest.raises(InvalidInput) as caught:
        _open(earlier=(first,), lines={0: 2})
    assert caught.value.details["remaining"] == 1
    second, _ = _open(earlier=(first,), lines={0: 1})
    assert units_in_requests([first, second]) == {0: 3}
    withdrawn, _ = first.advance(RequestAction.WITHDRAW, AT, "cus_1", "customer")
    assert units_in_requests([withdrawn, second]) == {0: 1}
    assert _open(earlier=(withdrawn, second), lines={0: 2})[0].lines[0].quantity == 2
    with pytest.raises(InvalidInput):
        _open(lines={0: 3}, refunded={0: 1})


def test_the_order_must_have_shipped_except_for_a_refund_only_of_a_paid_order() -> None:
    shipped = (
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
    )
    for status in shipped:
        for kind in RequestKind:
            assert _open(kind.value, order=_order(status))[0].kind is kind
    assert _open("refund_only", order=_order(OrderStatus.PAID))[0].status is RequestStatus.REQUESTED
    for status in (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED, OrderStatus.CLOSED):
        for kind in RequestKind:
            with pytest.raises(InvalidTransition):
                _open(kind.value, order=_order(status))
    for kind in ("return", "exchange"):
        with pytest.raises(InvalidTransition):
            _open(kind, order=_order(OrderStatus.PAID))


@pytest.mark.parametrize(
    "ref",
    ["abc123", "rma/2026/05/a_b-c.jpg", "https://cdn.example.com/x/y.png?size=2", "https://a.b"],
)
def test_a_photo_is_a_file_id_or_an_https_url(ref: str) -> None:
    assert photo_reference(f"  {ref} ") == ref


@pytest.mark.parametrize(
    "ref",
    [
        "",
        "http://example.com/a.jpg",
        "data:image/png;base64,iVBOR",
        "javascript:alert(1)",
        "a/../b",
        "/etc/passwd",
        "https://example.com/a b.jpg",
        "https://example.com/<script>",
        "x" * 501,
        "4111111111111111",
        12,
    ],
)
def test_anything_else_is_not_a_photo(ref: object) -> None:
    with pytest.raises(InvalidInput):
        photo_reference(ref)


def test_no_more_of_a_sku_comes_back_than_shipped() -> None:
    partly = _order(OrderStatus.PARTIALLY_SHIPPED)
    first, _ = _open(order=partly, lines={0: 1}, shipped={"SKU-0": 2})
    with pytest.raises(InvalidInput) as caught:
        _open("exchange", order=partly, earlier=(first,), lines={0: 2}, shipped={"SKU-0": 2})
    assert caught.value.details["shipped"] == 2
    assert _open(order=partly, earlier=(first,), lines={0: 1}, shipped={"SKU-0": 2})[0]
    # a refund without return is not about shipped goods
    assert _open("refund_only", order=partly, earlier=(first,), lines={0: 2}, shipped={})[0]


def test_reasons_and_kinds_are_closed_lists() -> None:
    assert {r.value for r in Reason} >= {"damaged", "defective", "wrong_item", "other"}
    with pytest.raises(InvalidInput):
        _open(reason="DAMAGED")
    with pytest.raises(InvalidInput):
        _open(kind=RequestKind)


def test_a_complaint_is_answered_reopened_and_closed_once() -> None:
    complaint, _ = Complaint.open(
        id="c1", customer_id="cus_1", subject="Late", body="Two weeks", at=AT,
        author_id="cus_1", author_role="customer",
    )  # fmt: skip
    answered, _ = complaint.reply("Sorry", AT, "adm_1", "admin", staff=True)
    assert answered.status is ComplaintStatus.ANSWERED
    reopened, _ = answered.reply("Still late", AT, "cus_1", "customer", staff=False)
    assert reopened.status is ComplaintStatus.OPENED
    closed, events = reopened.close(AT, "adm_1")
    assert closed.status is ComplaintStatus.CLOSED and len(closed.messages) == 3
    assert events[0].status == "closed"  # type: ignore[attr-defined]
    with pytest.raises(InvalidTransition):
        closed.reply("Hello?", AT, "cus_1", "customer", staff=False)
    with pytest.raises(InvalidTransition):
        closed.close(AT, "cus_1")
    with pytest.raises(InvalidInput):
        complaint.reply("my card is 4111 1111 1111 1111", AT, "cus_1", "customer", staff=False)
