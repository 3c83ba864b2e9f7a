"""Safety stock, low-stock alerts delivered to a notifier once per crossing, warehouses serving
regions, and an allocation strategy a plugin offers: on every backend."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ecommerce_core import Principal, Shop, ShopSettings, hookimpl
from ecommerce_core.defaults import FixedClock
from ecommerce_core.domain.allocation import AllocationRequest
from ecommerce_core.domain.errors import InvalidInput, OutOfStock, PluginError
from ecommerce_core.domain.inventory import ReservationLine
from ecommerce_core.plugins import Registry
from ecommerce_core.ports.events import OutboxMessage
from tests.contract.backends import backend_url, params
from tests.support import ADDRESS, World, plugin_manager, seed

GD = {**ADDRESS, "region": "GD"}
BJ = {**ADDRESS, "city": "Beijing", "postal_code": "100000", "region": "BJ"}
US = {**ADDRESS, "city": "Seattle", "postal_code": "98101", "country": "US", "region": "WA"}


class RecordingNotifier:
    topics = frozenset({"stock.low"})

    def __init__(self, settings: Any) -> None:
        self.received: list[OutboxMessage] = []
        self.failing = bool(settings.get("failing"))

    def notify(self, message: OutboxMessage) -> None:
        if self.failing:
            raise ConnectionError("the SMS gateway is down")
        self.received.append(message)


class NotifierPlugin:
    def __init__(self) -> None:
        self.built: list[RecordingNotifier] = []

    @hookimpl
    def ecommerce_core_register_notifiers(self, registry: Registry) -> None:
        def build(settings: Any) -> RecordingNotifier:
            self.built.append(RecordingNotifier(settings))
            return self.built[-1]

        registry.add_notifier("recorder", build, description="records what it is told")


def _from_bj(request: AllocationRequest) -> Sequence[ReservationLine]:
    return [ReservationLine(sku, "bj", n) for sku, n in sorted(request.demand.items())]


def _oversell(request: AllocationRequest) -> Sequence[ReservationLine]:
    return [ReservationLine(sku, "sz", n + 100) for sku, n in request.demand.items()]


class AllocationPlugin:
    @hookimpl
    def ecommerce_core_register_allocation(self, registry: Registry) -> None:
        registry.add_allocation_strategy("from-bj", _from_bj, description="always Beijing")
        registry.add_allocation_strategy("oversell", _oversell, description="a broken one")


@pytest.fixture(params=params())
def backend(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return str(request.param)


def _world(url: str, *plugins: object, **settings: Any) -> World:
    clock = FixedClock()
    shop = Shop.open(
        url,
        settings=ShopSettings(password_hasher="argon2-floor", **settings),
        plugin_manager=plugin_manager(*plugins),
        clock=clock,
    )
    return seed(shop, clock)


@pytest.fixture
def url(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return backend_url(backend, tmp_path, monkeypatch)


@pytest.fixture
def notified(url: str) -> Iterator[tuple[World, NotifierPlugin]]:
    plugin = NotifierPlugin()
    w = _world(url, plugin, notifiers={"recorder": {}})
    try:
        yield w, plugin
    finally:
        w.shop.close()


def _level(w: World, sku: str = "PX-128-BLK", wh: str = "sz") -> tuple[int, int, int]:
    (lv,) = [x for x in w.shop.inventory.levels(w.admin, sku) if x.warehouse_id == wh]
    return lv.on_hand, lv.reserved, lv.available


def test_safety_stock_is_never_offered_to_orders(shop_world: World) -> None:
    w = shop_world
    (level,) = w.shop.inventory.configure_stock(w.admin, sku="PX-128-BLK", safety_stock=3)
    assert (level.on_hand, level.reserved, level.available) == (10, 0, 7)
    with pytest.raises(OutOfStock):
        w.buy(PX_128_BLK=8)
    w.shop.carts.remove_item(w.customer, "PX-128-BLK")
    w.buy(PX_128_BLK=7)
    assert _level(w) == (10, 7, 0)
    # the safety stock is still on hand: a write-off may use it, an order may not
    w.shop.inventory.adjust(w.admin, sku="PX-128-BLK", warehouse_id="sz", delta=-3, reason="lost")
    assert _level(w) == (7, 7, 0)
    assert w.shop.inventory.audit(w.admin) == []
    with pytest.raises(InvalidInput):
        w.shop.inventory.configure_stock(w.admin, sku="PX-128-BLK", safety_stock=-1)


def test_a_low_stock_alert_is_raised_once_per_crossing_and_delivered_once(
    notified: tuple[World, NotifierPlugin],
) -> None:
    w, plugin = notified
    w.shop.inventory.configure_stock(
        w.admin, sku="PX-128-BLK", warehouse_id="sz", low_stock_threshold=3
    )
    first = w.buy(PX_128_BLK=6, key="a")  # 4 left: above
    w.buy(principal=w.other, PX_128_BLK=1, key="b")  # 3 left: crossed
    third = w.buy(PX_128_BLK=1, key="c")  # 2 left: still low, no second alert
    assert w.shop.events.notify(Principal.system()) == {"recorder": 1}
    assert w.shop.events.notify(Principal.system()) == {"recorder": 0}
    w.shop.orders.cancel(w.customer, third.id)  # 3: not above
    w.shop.orders.cancel(w.customer, first.id)  # 9: above again
    w.buy(PX_128_BLK=7, key="d")  # 2: crossed again
    assert w.shop.events.notify(Principal.system()) == {"recorder": 1}
    (notifier,) = plugin.built
    alerts = [dict(m.payload) for m in notifier.received]
    assert [(a["sku"], a["warehouse_id"], a["available"], a["threshold"]) for a in alerts] == [
        ("PX-128-BLK", "sz", 3, 3),
        ("PX-128-BLK", "sz", 2, 3),
    ]
    assert {m.name for m in notifier.received} == {"stock.low"}


def test_a_notifier_that_fails_is_told_again_next_time(url: str) -> None:
    plugin = NotifierPlugin()
    w = _world(url, plugin, notifiers={"recorder": {"failing": True}})
    try:
        w.shop.inventory.configure_stock(w.admin, sku="CABLE-1M", low_stock_threshold=9)
        w.buy(CABLE_1M=1)
        with pytest.raises(ConnectionError):
            w.shop.events.notify(Principal.system())
        plugin.built[0].failing = False
        assert w.shop.events.notify(Principal.system()) == {"recorder": 1}
        assert w.shop.events.notify(Principal.system()) == {"recorder": 0}
    finally:
        w.shop.close()


def _regional(w: World) -> None:
    inv = w.shop.inventory
    inv.update_warehouse(w.admin, "sz", regions=["CN-GD"], priority=5)
    inv.add_warehouse(w.admin, id="bj", name="Beijing", priority=1, regions=["cn"])
    inv.add_warehouse(w.admin, id="us", name="Seattle", priority=1, regions=["US"])
    for wh in ("bj", "us"):
        inv.receive(w.admin, sku="PX-128-BLK", warehouse_id=wh, quantity=4)
    inv.receive(w.admin, sku="CABLE-1M", warehouse_id="bj", quantity=1)


def _order(w: World, address: dict[str, str], key: str, **lines: int) -> list[tuple[str, str, int]]:
    for sku, n in lines.items():
        w.shop.carts.add_item(w.customer, sku.replace("_", "-"), n)
    order = w.shop.checkout.place_order(w.customer, idempotency_key=key, shipping_address=address)
    entries = w.shop.inventory.ledger(w.admin, order_id=order.id)
    return sorted((e.sku, e.warehouse_id, e.reserved_delta) for e in entries)


def test_orders_are_served_by_the_closest_warehouse_in_one_parcel_when_one_can(
    shop_world: World,
) -> None:
    w = shop_world
    _regional(w)
    assert [w_.regions for w_ in w.shop.inventory.list_warehouses(w.admin)] == [
        ("CN",), ("US",), ("CN-GD",),
    ]  # fmt: skip
    # Guangdong: its own warehouse, though Beijing has the better priority
    assert _order(w, GD, "gd", PX_128_BLK=2, CABLE_1M=1) == [
        ("CABLE-1M", "sz", 1), ("PX-128-BLK", "sz", 2),
    ]  # fmt: skip
    # Beijing (in CN, not in CN-GD): the country's warehouse, whole
    assert _order(w, BJ, "bj", PX_128_BLK=3, CABLE_1M=1) == [
        ("CABLE-1M", "bj", 1), ("PX-128-BLK", "bj", 3),
    ]  # fmt: skip
    # more than Seattle has: not from China, which does not ship to the US
    with pytest.raises(OutOfStock):
        _order(w, US, "us", PX_128_BLK=5)
    w.shop.carts.remove_item(w.customer, "PX-128-BLK")
    assert _order(w, US, "us", PX_128_BLK=4) == [("PX-128-BLK", "us", 4)]


def test_an_order_no_one_warehouse_can_serve_is_split(shop_world: World) -> None:
    w = shop_world
    _regional(w)
    # Guangdong reaches sz (10 phones) and, through CN, bj (4 phones): 12 need both
    assert _order(w, GD, "split", PX_128_BLK=12) == [
        ("PX-128-BLK", "bj", 2), ("PX-128-BLK", "sz", 10),
    ]  # fmt: skip
    assert w.shop.inventory.audit(w.admin) == []


def test_a_plugin_s_allocation_strategy_replaces_the_built_in_one(url: str) -> None:
    w = _world(url, AllocationPlugin(), allocation_strategy="from-bj")
    try:
        _regional(w)
        assert _order(w, GD, "p", PX_128_BLK=2) == [("PX-128-BLK", "bj", 2)]
    finally:
        w.shop.close()


def test_a_strategy_that_would_oversell_is_refused_and_holds_nothing(url: str) -> None:
    w = _world(url, AllocationPlugin(), allocation_strategy="oversell")
    try:
        with pytest.raises(PluginError):
            w.buy(PX_128_BLK=1)
        assert _level(w) == (10, 0, 10)
        assert w.shop.orders.list(w.customer) == []
    finally:
        w.shop.close()


def test_a_plugin_may_not_take_the_built_in_strategy_s_name() -> None:
    class Clash:
        @hookimpl
        def ecommerce_core_register_allocation(self, registry: Registry) -> None:
            registry.add_allocation_strategy("regional", _from_bj)

    with pytest.raises(PluginError):
        Shop.open("memory://", plugin_manager=plugin_manager(Clash()))


def test_a_setting_left_out_keeps_its_value(shop_world: World) -> None:
    w = shop_world
    release = datetime(2030, 1, 1, tzinfo=UTC)
    (level,) = w.shop.inventory.configure_stock(
        w.admin,
        sku="PX-128-BLK",
        safety_stock=2,
        low_stock_threshold=4,
        backorder_limit=3,
        available_from=release,
    )
    (level,) = w.shop.inventory.configure_stock(w.admin, sku="PX-128-BLK", safety_stock=1)
    assert (level.safety_stock, level.low_stock_threshold, level.backorder_limit) == (1, 4, 3)
    assert level.available_from == release
    (level,) = w.shop.inventory.configure_stock(
        w.admin, sku="PX-128-BLK", low_stock_threshold=None, available_from=None
    )
    assert (level.safety_stock, level.low_stock_threshold, level.backorder_limit) == (1, None, 3)
    assert level.available_from is None
    (stored,) = w.shop.inventory.levels(w.admin, "PX-128-BLK")
    assert stored == level
