"""Stock through the shop's own use cases, in any order, on memory and SQLite (hypothesis state
machine): receive, reserve (place an order), commit (pay), release (cancel, expiry sweep), ship,
return, adjust, transfer, stocktake and allowing backorders. After every step: each level is the
sum of its ledger, nothing is negative, reserved <= on hand + its backorder limit, and the totals
are those of an independent model."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from ecommerce_core import Principal
from ecommerce_core.defaults import FixedClock
from ecommerce_core.domain.errors import InvalidInput, OutOfStock
from ecommerce_core.services.stock_moves import post_return
from tests.support import ADDRESS, open_shop, seed

SKUS = ("PX-128-BLK", "CABLE-1M")
WAREHOUSES = ("sz", "bj")
AT = datetime(2026, 5, 1, tzinfo=UTC)


@attrs.define
class _Order:
    id: str
    lines: dict[str, int]
    status: str = "pending"
    returned: dict[str, int] = attrs.field(factory=dict)


class StockMachine(RuleBasedStateMachine):
    url_of: Any = None  # (tmp dir) -> storage URL, set per backend below

    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="stock-machine-"))
        self.clock = FixedClock()
        self.shop = open_shop(type(self).url_of(self.tmp), self.clock)
        self.w = seed(self.shop, self.clock, stock=3)
        self.shop.inventory.add_warehouse(self.w.admin, id="bj", name="Beijing", priority=2)
        self.received = dict.fromkeys(SKUS, 3)
        self.adjusted = dict.fromkeys(SKUS, 0)
        self.by_id: dict[str, _Order] = {}
        # backorders allowed from the start in one level, so orders beyond on hand are common
        self.shop.inventory.configure_stock(
            self.w.admin, sku="PX-128-BLK", warehouse_id="sz", backorder_limit=2
        )
        self.limits: dict[tuple[str, str], int] = {("PX-128-BLK", "sz"): 2}
        self.count = 0

    def teardown(self) -> None:
        self.shop.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _levels(self) -> dict[tuple[str, str], tuple[int, int]]:
        return {
            lv.key: (lv.on_hand, lv.reserved) for lv in self.shop.inventory.levels(self.w.admin)
        }

    # -- movements ------------------------------------------------------------------------
    @rule(sku=st.sampled_from(SKUS), wh=st.sampled_from(WAREHOUSES), limit=st.integers(0, 3))
    def allow_backorders(self, sku: str, wh: str, limit: int) -> None:
        on_hand, reserved = self._levels().get((sku, wh), (0, 0))
        try:
            self.shop.inventory.configure_stock(
                self.w.admin, sku=sku, warehouse_id=wh, backorder_limit=limit
            )
        except InvalidInput:
            assert reserved > on_hand + limit  # the backordered units keep their promise
            return
        assert reserved <= on_hand + limit
        self.limits[(sku, wh)] = limit

    @rule(sku=st.sampled_from(SKUS), wh=st.sampled_from(WAREHOUSES), n=st.integers(1, 4))
    def receive(self, sku: str, wh: str, n: int) -> None:
        self.shop.inventory.receive(self.w.admin, sku=sku, warehouse_id=wh, quantity=n)
        self.received[sku] += n

    @rule(target=orders, px=st.integers(0, 4), cable=st.integers(0, 3))
    def place(self, px: int, cable: int) -> str:
        lines = {sku: n for sku, n in zip(SKUS, (px, cable), strict=True) if n}
        if not lines:
            lines = {"CABLE-1M": 1}
        for sku, n in lines.items():
            self.shop.carts.add_item(self.w.customer, sku, n)
        self.count += 1
        try:
            order = self.shop.checkout.place_order(
                self.w.customer, idempotency_key=f"k{self.count}", shipping_address=ADDRESS
            )
        except OutOfStock:
            for sku in lines:
                self.shop.carts.remove_item(self.w.customer, sku)
            return ""
        self.by_id[order.id] = _Order(order.id, lines)
        return order.id

    @rule(target=orders, px=st.integers(1, 6))
    def place_and_pay(self, px: int) -> str:
        """A paid order, often beyond what is on hand: backordered, waiting for stock to ship."""
        order_id = self.place(px, 0)
        self.pay(order_id)
        return order_id

    @rule(order_id=orders)
    def pay(self, order_id: str) -> None:
        order = self.by_id.get(order_id)
        if order is None or order.status != "pending":
            return
        self.shop.payments.pay(
            self.w.customer, order_id, payment_method="tok_visa", idempotency_key=f"p{order_id}"
        )
        order.status = "paid"

    @rule(order_id=orders)
    def cancel(self, order_id: str) -> None:
        order = self.by_id.get(order_id)
        if order is None or order.status != "pending":
            return
        self.shop.orders.cancel(self.w.customer, order_id)
        order.status = "cancelled"

    @rule()
    def expire(self) -> None:
        self.clock.advance(self.shop.settings.reservation_ttl + timedelta(seconds=1))
        swept = {o.id for o in self.shop.orders.expire_unpaid(Principal.system(), limit=1000)}
        pending = {o.id for o in self.by_id.values() if o.status == "pending"}
        assert swept == pending
        for order_id in swept:
            self.by_id[order_id].status = "cancelled"

    @rule(order_id=orders)
    def ship(self, order_id: str) -> None:
        order = self.by_id.get(order_id)
        if order is None or order.status != "paid":
            return
        try:
            self.shop.shipping.ship(self.w.admin, order_id)
        except OutOfStock:
            # only backordered units keep a paid order from shipping: they have not arrived
            levels = self._levels()
            assert any(
                levels.get((sku, wh), (0, 0))[1] > levels.get((sku, wh), (0, 0))[0]
                for sku in order.lines
                for wh in WAREHOUSES
            )
            return
        order.status = "shipped"

    @rule()
    def ship_every_paid_order(self) -> None:
        """The warehouse ships what it can: backordered orders wait (see ship)."""
        for order_id in [o.id for o in self.by_id.values() if o.status == "paid"]:
            self.ship(order_id)

    @rule(order_id=orders, data=st.data())
    def restock_a_return(self, order_id: str, data: st.DataObject) -> None:
        order = self.by_id.get(order_id)
        if order is None or order.status != "shipped":
            return
        sku = data.draw(st.sampled_from(sorted(order.lines)))
        left = order.lines[sku] - order.returned.get(sku, 0)
        if left == 0:
            return
        n = data.draw(st.integers(1, left))
        wh = data.draw(st.sampled_from(WAREHOUSES))
        with self.shop.storage.unit_of_work() as uow:
            post_return(
                uow, sku=sku, warehouse_id=wh, quantity=n, at=AT, actor="adm",
                reference=f"rma{self.count}", order_id=order_id,
            )  # fmt: skip
            uow.commit()
        order.returned[sku] = order.returned.get(sku, 0) + n

    @rule(
        sku=st.sampled_from(SKUS),
        wh=st.sampled_from(WAREHOUSES),
        delta=st.integers(-4, 4).filter(bool),
    )
    def adjust(self, sku: str, wh: str, delta: int) -> None:
        on_hand, reserved = self._levels().get((sku, wh), (0, 0))
        try:
            self.shop.inventory.adjust(
                self.w.admin, sku=sku, warehouse_id=wh, delta=delta, reason="correction"
            )
        except OutOfStock:
            assert delta < 0 and on_hand + delta < reserved
            return
        assert delta > 0 or on_hand + delta >= reserved
        self.adjusted[sku] += delta

    @rule(sku=st.sampled_from(SKUS), source=st.sampled_from(WAREHOUSES), n=st.integers(1, 4))
    def transfer(self, sku: str, source: str, n: int) -> None:
        target = "bj" if source == "sz" else "sz"
        on_hand, reserved = self._levels().get((sku, source), (0, 0))
        try:
            self.shop.inventory.transfer(
                self.w.admin, sku=sku, from_warehouse_id=source, to_warehouse_id=target,
                quantity=n,
            )  # fmt: skip
        except OutOfStock:
            assert on_hand - reserved < n
            return
        assert on_hand - reserved >= n

    @rule(sku=st.sampled_from(SKUS), wh=st.sampled_from(WAREHOUSES), counted=st.integers(0, 8))
    def stocktake(self, sku: str, wh: str, counted: int) -> None:
        on_hand, reserved = self._levels().get((sku, wh), (0, 0))
        take = self.shop.stocktakes.open(self.w.admin, warehouse_id=wh)
        self.shop.stocktakes.count(self.w.admin, take.id, sku=sku, counted=counted)
        try:
            self.shop.stocktakes.apply(self.w.admin, take.id)
        except OutOfStock:
            assert counted < on_hand and counted < reserved
            self.shop.stocktakes.cancel(self.w.admin, take.id)
            return
        assert counted >= on_hand or counted >= reserved
        self.adjusted[sku] += counted - on_hand
        assert self._levels().get((sku, wh), (0, 0)) == (counted, reserved)

    # -- what must hold after every step --------------------------------------------------
    @invariant()
    def every_level_is_the_sum_of_its_ledger(self) -> None:
        assert self.shop.inventory.audit(self.w.admin) == []
        with self.shop.storage.unit_of_work() as uow:
            sums = uow.stock_ledger.balances()
        # configuring a SKU where it has no stock yet creates an empty level with no entries
        levels = {key: counts for key, counts in self._levels().items() if counts != (0, 0)}
        assert {key: counts for key, counts in sums.items() if counts != (0, 0)} == levels

    @invariant()
    def nothing_is_negative_nor_over_reserved(self) -> None:
        for key, (on_hand, reserved) in self._levels().items():
            assert on_hand >= 0
            assert 0 <= reserved <= on_hand + self.limits.get(key, 0)

    @invariant()
    def totals_are_those_of_the_model(self) -> None:
        levels = self._levels()
        for sku in SKUS:
            shipped = sum(o.lines.get(sku, 0) for o in self.by_id.values() if o.status == "shipped")
            returned = sum(o.returned.get(sku, 0) for o in self.by_id.values())
            promised = sum(
                o.lines.get(sku, 0) for o in self.by_id.values() if o.status in ("pending", "paid")
            )
            on_hand = sum(levels.get((sku, wh), (0, 0))[0] for wh in WAREHOUSES)
            reserved = sum(levels.get((sku, wh), (0, 0))[1] for wh in WAREHOUSES)
            expected = self.received[sku] + self.adjusted[sku] - shipped + returned
            assert (on_hand, reserved) == (expected, promised), sku


class MemoryStock(StockMachine):
    url_of = staticmethod(lambda tmp: "memory://")


class SqliteStock(StockMachine):
    url_of = staticmethod(lambda tmp: f"sqlite:///{tmp / 'shop.db'}")


_QUIET = [HealthCheck.too_slow, HealthCheck.filter_too_much]
TestStockOnMemory = MemoryStock.TestCase
TestStockOnMemory.settings = settings(
    max_examples=25, stateful_step_count=30, deadline=None, suppress_health_check=_QUIET
)
TestStockOnSqlite = SqliteStock.TestCase
TestStockOnSqlite.settings = settings(
    max_examples=6, stateful_step_count=25, deadline=None, suppress_health_check=_QUIET
)
