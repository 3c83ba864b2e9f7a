"""Random sequences of real use cases on one shop: whatever is tried, every order stays in a
declared state, its three statuses agree, parcels never carry more than was sold, and every
unit sold is either held, shipped or back in stock."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from ecommerce_core import Money, Principal
from ecommerce_core.domain.errors import EcommerceError
from ecommerce_core.domain.orders import FulfilmentStatus, OrderStatus, PaymentState
from ecommerce_sandboxpay import SandboxGateway
from tests.services.harness import fresh_world
from tests.support import World
from tests.unit.test_orders import consistent

SKUS = ("PX-128-BLK", "CABLE-1M")
STOCK = 10  # per SKU, in one warehouse (tests/support.py seed)


class ShopLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._stack = ExitStack()
        # holds last 20 days: unpaid orders do expire, but not before most get a chance to pay
        self.w: World = self._stack.enter_context(
            fresh_world(SandboxGateway(), reservation_ttl=timedelta(days=20))
        )
        self.orders: list[str] = []
        self.keys = iter(range(10_000))

    def teardown(self) -> None:
        import collections
        import os

        if os.environ.get("LC_DEBUG"):
            seen = collections.Counter(str(o.status) for o in self._all())
            print("STATUSES", dict(seen))
        self._stack.close()

    def _try(self, call: Any) -> None:
        """Refusals are allowed; any other exception is a bug."""
        with contextlib.suppress(EcommerceError):
            call()

    def _order(self, pick: int) -> str:
        # mostly the newest orders, so that one order lives through many steps
        return self.orders[-1 - (pick % min(3, len(self.orders)))]

    @initialize(px=st.integers(1, 3), cables=st.integers(0, 3))
    def first_order(self, px: int, cables: int) -> None:
        self.place(px, cables)

    @rule(px=st.integers(0, 3), cables=st.integers(0, 3))
    def place(self, px: int, cables: int) -> None:
        lines = {k: n for k, n in (("PX_128_BLK", px), ("CABLE_1M", cables)) if n}
        if not lines:
            return
        try:
            order = self.w.buy(key=f"o{next(self.keys)}", **lines)
        except EcommerceError:
            return
        self.orders.append(order.id)

    @precondition(lambda self: self.orders)
    @rule(pick=st.integers(0, 50), method=st.sampled_from(["tok_visa"] * 3 + ["tok_declined"]))
    def pay(self, pick: int, method: str) -> None:
        oid = self._order(pick)
        self._try(
            lambda: self.w.shop.payments.pay(
                self.w.customer, oid, payment_method=method, idempotency_key=f"p{next(self.keys)}"
            )
        )

    @precondition(lambda self: self.orders)
    @rule(pick=st.integers(0, 50), sku=st.sampled_from(SKUS), n=st.integers(0, 3))
    def ship(self, pick: int, sku: str, n: int) -> None:
        oid = self._order(pick)
        lines = None if n == 0 else {sku: n}
        self._try(lambda: self.w.shop.shipping.ship(self.w.admin, oid, lines))

    @precondition(lambda self: self.orders)
    @rule(pick=st.integers(0, 50), hours=st.integers(1, 40))
    def track(self, pick: int, hours: int) -> None:
        self.w.clock.advance(timedelta(hours=hours))
        oid = self._order(pick)  # the hold of an unpaid order may run out meanwhile
        self._try(lambda: self.w.shop.shipping.track(self.w.admin, oid))

    @precondition(lambda self: self.orders)
    @rule(pick=st.integers(0, 50), share=st.integers(1, 100))
    def refund(self, pick: int, share: int) -> None:
        oid = self._order(pick)
        payments = self.w.shop.payments.list_for_order(self.w.admin, oid)
        for p in payments:
            left = p.refundable.amount
            if left > 0:
                amount = Money(max(1, left * share // 100), p.amount.currency)
                self._try(
                    lambda p=p, amount=amount: self.w.shop.payments.refund(
                        self.w.admin, p.id, amount=amount, idempotency_key=f"r{next(self.keys)}"
                    )
                )
                return

    @precondition(lambda self: self.orders)
    @rule(pick=st.integers(0, 50), n=st.integers(1, 4), sku=st.sampled_from(SKUS))
    def edit(self, pick: int, n: int, sku: str) -> None:
        oid = self._order(pick)
        self._try(lambda: self.w.shop.orders.change_quantity(self.w.customer, oid, sku, n))

    @precondition(lambda self: self.orders)
    @rule(pick=st.integers(0, 50), really=st.integers(0, 3))
    def cancel(self, pick: int, really: int) -> None:
        if really:  # seldom: a cancelled order has nothing more to show
            return
        oid = self._order(pick)
        self._try(lambda: self.w.shop.orders.cancel(self.w.customer, oid))

    @precondition(lambda self: self.orders)
    @rule(pick=st.integers(0, 50))
    def whole_journey(self, pick: int) -> None:
        """Pay, ship everything left and let it arrive: reaches the later states often."""
        oid = self._order(pick)
        self.pay(pick, "tok_visa")
        self._try(lambda: self.w.shop.shipping.ship(self.w.admin, oid))
        self.track(pick, 31)

    @rule(days=st.integers(0, 10))
    def sweep(self, days: int) -> None:
        self.w.clock.advance(timedelta(days=days))
        self.w.shop.orders.expire_unpaid(Principal.system())
        self.w.shop.orders.complete_delivered(Principal.system())

    # -- invariants --------------------------------------------------------------------------
    def _all(self) -> Iterator[Any]:
        for oid in self.orders:
            yield self.w.shop.orders.get(self.w.admin, oid)

    @invariant()
    def every_order_is_in_a_declared_state_and_its_statuses_agree(self) -> None:
        flow = self.w.shop.orders.flow
        for order in self._all():
            assert order.status in flow.states
            assert consistent(order) == [], (order.status, order.history)

    @invariant()
    def parcels_carry_what_was_sold_and_no_more(self) -> None:
        for order in self._all():
            sold: dict[str, int] = {}
            for ln in order.lines:
                sold[ln.sku] = sold.get(ln.sku, 0) + ln.quantity
            with self.w.shop.storage.unit_of_work() as uow:
                parcels = uow.shipments.list_for_order(order.id)
            sent: dict[str, int] = {}
            for parcel in parcels:
                for ln in parcel.lines:
                    sent[ln.sku] = sent.get(ln.sku, 0) + ln.quantity
            assert all(n <= sold.get(sku, 0) for sku, n in sent.items())
            everything = sent == sold
            if order.fulfilment_status in (FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED):
                assert everything
            if order.fulfilment_status is FulfilmentStatus.PARTIALLY_SHIPPED:
                assert sent and not everything
            if order.fulfilment_status is FulfilmentStatus.UNFULFILLED:
                assert not sent

    @invariant()
    def closed_orders_gave_all_their_money_back(self) -> None:
        for order in self._all():
            payments = self.w.shop.payments.list_for_order(self.w.admin, order.id)
            captured = sum(p.captured_amount.amount for p in payments)
            if order.status is OrderStatus.CLOSED:
                assert order.payment_status is PaymentState.REFUNDED
                assert all(p.refundable.amount == 0 for p in payments) and captured > 0

    @invariant()
    def stock_is_held_shipped_or_on_hand(self) -> None:
        for sku in SKUS:
            levels = self.w.shop.inventory.levels(self.w.admin, sku)
            on_hand = sum(lv.on_hand for lv in levels)
            reserved = sum(lv.reserved for lv in levels)
            assert 0 <= reserved <= on_hand
            with self.w.shop.storage.unit_of_work() as uow:
                shipped = sum(
                    ln.quantity
                    for oid in self.orders
                    for parcel in uow.shipments.list_for_order(oid)
                    for ln in parcel.lines
                    if ln.sku == sku
                )
            assert on_hand + shipped == STOCK


ShopLifecycle.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestShopLifecycle = ShopLifecycle.TestCase
