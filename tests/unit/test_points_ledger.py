"""Points invariants under any sequence of credits, debits, checkouts, cancels and completions
(hypothesis, on the memory store through the public API): a balance never goes below zero, it
always equals the sum of its ledger, a refused debit writes nothing, and an order's points are
given back or awarded at most once."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ecommerce_core import Money, Principal
from ecommerce_core.domain.errors import Conflict, EcommerceError
from ecommerce_core.domain.loyalty import PointsReason
from ecommerce_core.domain.orders import OrderStatus
from ecommerce_core.domain.pricing import PointsPolicy, PricingPolicy
from tests.support import ADDRESS, open_shop, seed

POLICY = PricingPolicy(
    points=PointsPolicy(Money.of("0.01", "CNY"), max_percent=Decimal(50), max_points=3_000)
)


class PointsMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        shop = open_shop("memory://", pricing=POLICY)
        self.w = seed(shop, shop.clock, stock=1_000)  # type: ignore[arg-type]
        self.me = str(self.w.customer.id)
        self.orders: list[str] = []
        self.n = 0

    def teardown(self) -> None:
        self.w.shop.close()

    def _tick(self) -> None:
        self.w.clock.advance(timedelta(seconds=1))

    @rule(delta=st.integers(-5_000, 5_000).filter(bool))
    def adjust(self, delta: int) -> None:
        before = self.w.shop.loyalty.membership(self.w.admin, self.me).points
        self._tick()
        try:
            self.w.shop.loyalty.adjust_points(self.w.admin, self.me, delta)
        except Conflict:
            assert before + delta < 0  # refused only when it would overdraw
            assert self.w.shop.loyalty.membership(self.w.admin, self.me).points == before

    @rule(cables=st.integers(1, 5), redeem=st.integers(0, 10_000))
    def checkout(self, cables: int, redeem: int) -> None:
        self._tick()
        self.n += 1
        self.w.shop.carts.add_item(self.w.customer, "CABLE-1M", cables)
        order = self.w.shop.checkout.place_order(
            self.w.customer,
            idempotency_key=f"k{self.n}",
            shipping_address=ADDRESS,
            redeem_points=redeem,
        )
        # at most half the goods, at most 3,000 points, at most the balance
        goods = cables * 4990
        assert order.total.amount >= goods - min(goods // 2, 3_000 * 1)
        self.orders.append(order.id)

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        order_id = data.draw(st.sampled_from(self.orders))
        self._tick()
        with contextlib.suppress(EcommerceError):  # already cancelled or paid: nothing changes
            self.w.shop.orders.cancel(self.w.customer, order_id)

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def pay_and_complete(self, data: st.DataObject) -> None:
        order_id = data.draw(st.sampled_from(self.orders))
        order = self.w.shop.orders.get(self.w.admin, order_id)
        if order.status is not OrderStatus.PENDING_PAYMENT:
            return
        self._tick()
        try:
            self.w.shop.payments.pay(
                self.w.customer, order_id, payment_method="tok_visa", idempotency_key=order_id
            )
        except EcommerceError:
            return  # its hold ran out and the stock went meanwhile: it stays unpaid
        self.w.shop.shipping.ship(self.w.admin, order_id)
        self.w.clock.advance(timedelta(hours=31))
        self.w.shop.shipping.track(self.w.customer, order_id)
        self.w.shop.orders.complete(self.w.admin, order_id)

    @rule()
    def expire(self) -> None:
        self.w.clock.advance(timedelta(hours=1))
        self.w.shop.orders.expire_unpaid(Principal.system())

    @invariant()
    def balance_is_the_sum_of_the_ledger_and_never_negative(self) -> None:
        member = self.w.shop.loyalty.membership(self.w.admin, self.me)
        ledger = self.w.shop.loyalty.ledger(self.w.admin, self.me, limit=500)
        assert member.points >= 0
        assert member.points == sum(e.delta for e in ledger)

    @invariant()
    def each_order_redeems_returns_and_earns_at_most_once(self) -> None:
        ledger = self.w.shop.loyalty.ledger(self.w.admin, self.me, limit=500)
        seen: dict[tuple[str | None, PointsReason], int] = {}
        for entry in ledger:
            if entry.order_id is not None:
                key = (entry.order_id, entry.reason)
                seen[key] = seen.get(key, 0) + 1
        assert all(count == 1 for count in seen.values()), seen
        for order_id in self.orders:
            returned = (order_id, PointsReason.RETURNED) in seen
            earned = (order_id, PointsReason.EARNED) in seen
            assert not (returned and earned)
            if returned:
                assert (order_id, PointsReason.REDEEMED) in seen


PointsMachine.TestCase.settings = settings(
    max_examples=8,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestPointsLedger = PointsMachine.TestCase


def test_the_machine_starts_from_an_empty_balance() -> None:
    machine = PointsMachine()
    try:
        assert machine.w.shop.loyalty.membership(Principal.system(), machine.me).points == 0
    finally:
        machine.teardown()
