"""The whole life of orders through the shop's own use cases, in any order (hypothesis state
machine), on memory and SQLite: place, pay (or be declined), ship all or part, deliver, complete,
cancel, let holds expire (the clock moves), refund amounts and lines, and after-sales returns,
exchanges and refunds without return.

After every step:
- each stock level is the sum of its ledger; nothing is negative; reserved <= on hand;
- on hand is what was received, less every parcel's units, plus every unit restocked;
- per payment, refunds (pending or done) <= captured; per order, money kept <= its total;
- each order's statuses agree with its money and its parcels: unpaid orders hold no money and
  ship nothing; ``closed`` exactly when everything captured went back; the payment status says
  whether some went back; the fulfilment status says whether none, some or all units left;
- no unit is in two live after-sales requests, nor refunded twice.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ecommerce_core import Principal
from ecommerce_core.defaults import FixedClock
from ecommerce_core.domain.aftersales import AfterSalesRequest, RequestStatus, units_in_requests
from ecommerce_core.domain.errors import (
    InvalidInput,
    InvalidTransition,
    OutOfStock,
    RefundExceedsCaptured,
    RefundExceedsSold,
    ReservationExpired,
)
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.orders import FulfilmentStatus, Order, OrderStatus, PaymentState
from ecommerce_core.domain.payments import PaymentStatus, RefundStatus
from ecommerce_core.domain.pricing import Benefit
from ecommerce_core.domain.refunds import (
    line_values,
    refunded_units,
    remaining_units,
    shipping_refunded,
    units_value,
)
from ecommerce_core.domain.shipping import unshipped
from ecommerce_sandboxpay import SandboxGateway
from tests.services.harness import fresh_world
from tests.support import ADDRESS, open_shop, seed

SKUS = ("PX-128-BLK", "CABLE-1M")
STOCK = 10
HELD = (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED)
WITH_GOODS = (
    FulfilmentStatus.PARTIALLY_SHIPPED,
    FulfilmentStatus.SHIPPED,
    FulfilmentStatus.DELIVERED,
)


class LifecycleMachine(RuleBasedStateMachine):
    url_of: Any = None  # (tmp dir) -> storage URL, or None for the seeded memory shop

    def __init__(self) -> None:
        super().__init__()
        self.stack = ExitStack()
        self.tmp = Path(tempfile.mkdtemp(prefix="lifecycle-"))
        url = type(self).url_of(self.tmp)
        if url is None:
            self.w = self.stack.enter_context(fresh_world(SandboxGateway()))
            self.clock = self.w.clock
        else:
            self.clock = FixedClock()
            shop = open_shop(url, self.clock)
            self.stack.callback(shop.close)
            self.w = seed(shop, self.clock, stock=STOCK)
        self.shop = self.w.shop
        self.admin = self.w.admin
        self.orders: list[str] = []
        self.requests: list[str] = []
        self.n = 0
        # an order-level discount (满减) spread over the lines: refunds give back shares of it
        self.shop.promotions.create(
            self.admin,
            name="7.77 off every order",
            benefit=Benefit("amount_off_order", {"amount": Money.of("7.77", "CNY")}),
        )
        # what each order and request is now, read again after every step (for preconditions)
        self.statuses: dict[str, str] = {}
        self.live: set[str] = set()
        self.with_money: set[str] = set()
        self.with_goods: set[str] = set()

    def teardown(self) -> None:
        self.stack.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- helpers --------------------------------------------------------------------------
    def _refresh(self) -> None:
        orders = self._all_orders()
        self.statuses = {o.id: str(o.status) for o in orders}
        self.with_goods = {o.id for o in orders if o.fulfilment_status in WITH_GOODS}
        self.with_money = {
            o.id
            for o in orders
            if o.payment_status in (PaymentState.PAID, PaymentState.PARTIALLY_REFUNDED)
        }
        self.live = {
            r.id
            for r in (self.shop.aftersales.get(self.admin, i) for i in self.requests)
            if r.is_open
        }

    def _any(self, *statuses: str) -> bool:
        return any(s in statuses for s in self.statuses.values())

    def _key(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def _order(self, data: st.DataObject, *statuses: str, money: bool = False) -> Order | None:
        found = [
            o
            for o in self._all_orders()
            if (not statuses or o.status in statuses) and (not money or o.id in self.with_money)
        ]
        if not found:
            return None
        # in placement order: ids are random, and draws must not depend on them
        return data.draw(st.sampled_from(found), label="order")

    def _all_orders(self) -> list[Order]:
        return [self.shop.orders.get(self.admin, i) for i in self.orders]

    def _paid_money(self, order: Order) -> tuple[int, int]:
        """(captured, refunded and succeeded) of the order's payments, in minor units."""
        payments = self.shop.payments.list_for_order(self.admin, order.id)
        captured = sum(p.captured_amount.amount for p in payments)
        back = sum(
            r.amount.amount
            for p in payments
            for r in p.refunds
            if r.status is RefundStatus.SUCCEEDED
        )
        return captured, back

    # -- the customer -----------------------------------------------------------------------
    @rule(phones=st.integers(0, 3), cables=st.integers(0, 4))
    def place(self, phones: int, cables: int) -> None:
        lines = {sku: n for sku, n in zip(SKUS, (phones, cables), strict=True) if n} or {
            "CABLE-1M": 1
        }
        for sku, n in lines.items():
            self.shop.carts.add_item(self.w.customer, sku, n)
        try:
            order = self.shop.checkout.place_order(
                self.w.customer, idempotency_key=self._key("o"), shipping_address=ADDRESS
            )
        except OutOfStock:
            for sku in lines:
                self.shop.carts.remove_item(self.w.customer, sku)
            return
        assert order.status is OrderStatus.PENDING_PAYMENT
        assert order.discount == Money.of("7.77", "CNY")
        self.orders.append(order.id)

    @precondition(lambda self: self._any(OrderStatus.PENDING_PAYMENT))
    @rule(data=st.data(), method=st.sampled_from(["tok_visa", "tok_visa", "tok_declined"]))
    def pay(self, data: st.DataObject, method: str) -> None:
        order = self._order(data, OrderStatus.PENDING_PAYMENT)
        if order is None:
            return
        try:
            payment = self.shop.payments.pay(
                self.w.customer, order.id, payment_method=method, idempotency_key=self._key("p")
            )
        except ReservationExpired:
            return  # the hold ran out: the sweep will cancel it
        after = self.shop.orders.get(self.admin, order.id)
        if method == "tok_declined":
            assert payment.status is PaymentStatus.DECLINED
            assert after.status is OrderStatus.PENDING_PAYMENT
        else:
            assert payment.status in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED)
            assert after.status in (OrderStatus.PAID, OrderStatus.CANCELLED)

    @precondition(lambda self: self._any(OrderStatus.PENDING_PAYMENT))
    @rule(data=st.data())
    def cancel_unpaid(self, data: st.DataObject) -> None:
        order = self._order(data, OrderStatus.PENDING_PAYMENT)
        if order is not None:
            assert (
                self.shop.orders.cancel(self.w.customer, order.id).status is OrderStatus.CANCELLED
            )

    @rule(minutes=st.integers(1, 45))
    def time_passes_and_unpaid_holds_expire(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))
        pending = {o.id for o in self._all_orders() if o.status is OrderStatus.PENDING_PAYMENT}
        swept = self.shop.orders.expire_unpaid(Principal.system(), limit=1000)
        assert {o.id for o in swept} <= pending
        for order in swept:
            assert order.status is OrderStatus.CANCELLED

    # -- the warehouse and the carrier -----------------------------------------------------
    @precondition(lambda self: self._any(OrderStatus.PAID, OrderStatus.PARTIALLY_SHIPPED))
    @rule(data=st.data(), whole=st.booleans())
    def ship(self, data: st.DataObject, whole: bool) -> None:
        order = self._order(data, OrderStatus.PAID, OrderStatus.PARTIALLY_SHIPPED)
        if order is None:
            return
        parcels = (
            self.shop.shipping.shipments(self.admin, order.id)
            if order.status != OrderStatus.PAID
            else []
        )
        left = unshipped({ln.sku: ln.quantity for ln in order.lines}, parcels)
        lines = None
        if not whole and left:
            sku = data.draw(st.sampled_from(sorted(left)))
            lines = {sku: data.draw(st.integers(1, left[sku]))}
        shipped = self.shop.shipping.ship(self.admin, order.id, lines)
        event(f"shipped {'part' if lines else 'rest'}")
        assert shipped.lines

    @precondition(lambda self: self._any(OrderStatus.SHIPPED))
    @rule(data=st.data())
    def deliver(self, data: st.DataObject) -> None:
        order = self._order(data, OrderStatus.SHIPPED)
        if order is None:
            return
        self.clock.advance(timedelta(hours=31))
        self.shop.shipping.track(self.w.customer, order.id)
        assert self.shop.orders.get(self.admin, order.id).status is OrderStatus.DELIVERED
        event("delivered")

    @precondition(lambda self: self._any(OrderStatus.DELIVERED))
    @rule(data=st.data())
    def complete(self, data: st.DataObject) -> None:
        order = self._order(data, OrderStatus.DELIVERED)
        if order is not None:
            assert self.shop.orders.complete(self.admin, order.id).status is OrderStatus.COMPLETED

    # -- money back -----------------------------------------------------------------------
    @precondition(lambda self: self.with_money)
    @rule(data=st.data(), shipping=st.booleans())
    def refund_lines(self, data: st.DataObject, shipping: bool) -> None:
        order = self._order(data, money=True)
        if order is None:
            return
        payments = self.shop.payments.list_for_order(self.admin, order.id)
        refunds = [r for p in payments for r in p.refunds]
        left = {i: n for i, n in remaining_units(order, refunds).items() if n}
        if not left:
            return
        line = data.draw(st.sampled_from(sorted(left)))
        units = {line: data.draw(st.integers(1, left[line]))}
        if shipping and shipping_refunded(refunds):
            with pytest.raises(RefundExceedsSold):
                self.shop.payments.refund_lines(
                    self.admin, order.id, units, include_shipping=True, idempotency_key="again"
                )
            return
        plan = self.shop.payments.quote_refund(
            self.admin, order.id, units, include_shipping=shipping
        )
        refundable = max(p.refundable.amount for p in payments)
        key = self._key("r")
        try:
            after = self.shop.payments.refund_lines(
                self.admin, order.id, units, include_shipping=shipping, idempotency_key=key
            )
        except RefundExceedsCaptured:
            assert plan.total.amount > refundable
            return
        # (refunds are not listed in the order they were made when made in the same instant)
        made = after.refund_by_key(key)
        assert made is not None and made.amount == plan.total
        assert {ln.line: ln.quantity for ln in made.lines} == units
        event("refunded lines")

    @precondition(lambda self: self.with_money)
    @rule(data=st.data())
    def refund_an_amount(self, data: st.DataObject) -> None:
        order = self._order(data, money=True)
        if order is None or data.draw(st.integers(0, 3), label="rarely"):
            return  # rarely: an amount refund leaves less than the lines are worth
        open_ = [
            p
            for p in self.shop.payments.list_for_order(self.admin, order.id)
            if p.status in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED)
            and p.refundable.amount > 0
        ]
        if not open_:
            return
        payment = open_[0]
        # small amounts: a goodwill gesture, which leaves money for the lines' refunds
        amount = data.draw(st.integers(1, max(1, payment.refundable.amount // 10)))
        after = self.shop.payments.refund(
            self.admin,
            payment.id,
            amount=Money(amount, order.currency),
            idempotency_key=self._key("a"),
        )
        assert after.refunded_amount == payment.refunded_amount + Money(amount, order.currency)
        event("refunded an amount")

    # -- after-sales ---------------------------------------------------------------------
    @precondition(lambda self: self.with_money)
    @rule(data=st.data(), kind=st.sampled_from(["return", "exchange", "refund_only"]))
    def open_request(self, data: st.DataObject, kind: str) -> None:
        # goods come back from orders whose goods left, when there are some (else: refused)
        gone = [i for i in self.orders if i in self.with_money and i in self.with_goods]
        if kind != "refund_only" and gone:
            order = self.shop.orders.get(self.admin, data.draw(st.sampled_from(gone)))
        else:
            order = self._order(data, money=True)
        if order is None:
            return
        line = data.draw(st.integers(0, len(order.lines) - 1))
        most = order.lines[line].quantity
        units = data.draw(st.sampled_from(sorted({1, most})) | st.integers(1, most))
        try:
            request = self.shop.aftersales.open(
                self.w.customer, order.id, kind=kind, lines={line: units}, reason="other"
            )
        except InvalidInput as refused:
            _about_units(refused)
            return
        except InvalidTransition:
            goods = kind != "refund_only"
            assert (
                order.status in (OrderStatus.CANCELLED, OrderStatus.CLOSED)
                or order.payment_status not in (PaymentState.PAID, PaymentState.PARTIALLY_REFUNDED)
                or (goods and order.fulfilment_status not in WITH_GOODS)
            )
            return
        event(f"opened {kind}")
        assert request.status is RequestStatus.REQUESTED
        self.requests.append(request.id)

    @precondition(lambda self: self.live)
    @rule(
        data=st.data(),
        reject=st.sampled_from([False, False, False, True]),
        shipping=st.booleans(),
        through=st.booleans(),
    )
    def advance_request(
        self, data: st.DataObject, reject: bool, shipping: bool, through: bool
    ) -> None:
        """One step of an open request, or (``through``) every step to its end."""
        live = [i for i in self.requests if i in self.live]
        request = self.shop.aftersales.get(self.admin, data.draw(st.sampled_from(live)))
        while request.is_open:
            changed = self._next_step(request, reject, shipping)
            if changed is None:
                return
            assert len(changed.steps) == len(request.steps) + 1
            event(f"request {request.kind.value} {changed.status.value}")
            if not through:
                return
            request = changed

    def _next_step(
        self, request: AfterSalesRequest, reject: bool, shipping: bool
    ) -> AfterSalesRequest | None:
        s, a = RequestStatus, self.shop.aftersales
        try:
            if request.status is s.REQUESTED:
                if reject:
                    return a.reject(self.admin, request.id)
                return a.approve(self.admin, request.id)
            if request.status is s.APPROVED and request.kind.value != "refund_only":
                return a.receive(self.admin, request.id, warehouse_id="sz")
            if request.kind.value == "exchange":
                return a.exchange(self.admin, request.id)
            refunds = [
                r
                for p in self.shop.payments.list_for_order(self.admin, request.order_id)
                for r in p.refunds
            ]
            # staff refund the shipping with the first request that asks, never twice
            again = shipping and not shipping_refunded(refunds)
            return a.refund(self.admin, request.id, include_shipping=again)
        except (OutOfStock, RefundExceedsCaptured, RefundExceedsSold, InvalidInput) as refused:
            # no replacement in stock; money or units (or the shipping) refunded meanwhile by
            # staff, so the request cannot be carried out as asked: it is left as it was
            assert self.shop.aftersales.get(self.admin, request.id) == request
            event(f"request refused: {refused.code}")
            return None

    # -- what must hold after every step ------------------------------------------------
    @invariant()
    def remember_where_things_are(self) -> None:
        self._refresh()  # (not a check: what the next step's preconditions read)

    @invariant()
    def stock_is_its_ledger_and_never_over_promised(self) -> None:
        assert self.shop.inventory.audit(self.admin) == []
        levels = self.shop.inventory.levels(self.admin)
        with self.shop.storage.unit_of_work() as uow:
            assert uow.stock_ledger.balances() == {
                lv.key: (lv.on_hand, lv.reserved) for lv in levels
            }
        for level in levels:
            assert 0 <= level.reserved <= level.on_hand

    @invariant()
    def on_hand_is_received_less_shipped_plus_restocked(self) -> None:
        with self.shop.storage.unit_of_work() as uow:
            parcels = [
                s
                for owner in [*self.orders, *self.requests]
                for s in uow.shipments.list_for_order(owner)
            ]
            requests = [uow.aftersales.get(i) for i in self.requests]
        on_hand = {sku: 0 for sku in SKUS}
        for level in self.shop.inventory.levels(self.admin):
            on_hand[level.sku] = on_hand.get(level.sku, 0) + level.on_hand
        for sku in SKUS:
            gone = sum(ln.quantity for p in parcels for ln in p.lines if ln.sku == sku)
            back = sum(
                ln.quantity
                for r in requests
                if r is not None and r.warehouse_id is not None
                for ln in r.lines
                if ln.sku == sku
            )
            assert on_hand[sku] == STOCK - gone + back, sku

    @invariant()
    def money_and_statuses_agree(self) -> None:
        for order in self._all_orders():
            payments = self.shop.payments.list_for_order(self.admin, order.id)
            for p in payments:
                assert p.refunded_amount <= p.captured_amount  # PAY-5
                assert p.refundable.amount >= 0
            captured, back = self._paid_money(order)
            kept = captured - back
            assert 0 <= kept <= order.total.amount
            parcels = (
                []
                if order.fulfilment_status is FulfilmentStatus.UNFULFILLED
                else self.shop.shipping.shipments(self.admin, order.id)
            )
            left = unshipped({ln.sku: ln.quantity for ln in order.lines}, parcels)
            if order.status in HELD:
                assert order.payment_status is PaymentState.UNPAID
                assert order.fulfilment_status is FulfilmentStatus.UNFULFILLED
                assert kept == 0  # PAY-6: a capture for a cancelled order went back
                continue
            assert captured == order.total.amount
            if order.status is OrderStatus.CLOSED:
                assert order.payment_status is PaymentState.REFUNDED and back == captured
            elif back == 0:
                assert order.payment_status is PaymentState.PAID
            else:
                assert order.payment_status is PaymentState.PARTIALLY_REFUNDED
                assert 0 < back < captured
            if order.fulfilment_status is FulfilmentStatus.UNFULFILLED:
                assert not parcels
            elif order.fulfilment_status is FulfilmentStatus.PARTIALLY_SHIPPED:
                assert parcels and left
            else:
                assert parcels and not left

    @invariant()
    def no_unit_is_asked_for_or_refunded_twice(self) -> None:
        for order in self._all_orders():
            requests = self.shop.aftersales.list_for_order(self.admin, order.id)
            refunds = [
                r
                for p in self.shop.payments.list_for_order(self.admin, order.id)
                for r in p.refunds
            ]
            held = units_in_requests(requests)
            done = refunded_units(refunds)
            values = line_values(order)
            for i, line in enumerate(order.lines):
                assert held.get(i, 0) <= line.quantity
                assert done.get(i, 0) <= line.quantity
                # the units refunded so far gave back exactly the first units' shares: all of
                # them, exactly the line's worth (its discount share and tax included)
                given = sum(
                    ln.amount.amount
                    for r in refunds
                    if r.status is not RefundStatus.FAILED
                    for ln in r.lines
                    if ln.line == i
                )
                exact = units_value(values[i], line.quantity, 0, done.get(i, 0))
                assert given == exact.amount
            shipping = [
                r for r in refunds if r.shipping is not None and r.status is not RefundStatus.FAILED
            ]
            assert len(shipping) <= 1


def _about_units(refused: InvalidInput) -> None:
    """A request refused for its units: asked for already, refunded, or not shipped."""
    assert {"remaining", "shipped"} & set(refused.details), refused


class MemoryLifecycle(LifecycleMachine):
    url_of = staticmethod(lambda tmp: None)


class SqliteLifecycle(LifecycleMachine):
    url_of = staticmethod(lambda tmp: f"sqlite:///{tmp / 'shop.db'}")


_QUIET = [HealthCheck.too_slow, HealthCheck.filter_too_much]
TestLifecycleOnMemory = MemoryLifecycle.TestCase
TestLifecycleOnMemory.settings = settings(
    max_examples=25, stateful_step_count=50, deadline=None, suppress_health_check=_QUIET
)
TestLifecycleOnSqlite = SqliteLifecycle.TestCase
TestLifecycleOnSqlite.settings = settings(
    max_examples=4, stateful_step_count=20, deadline=None, suppress_health_check=_QUIET
)
