"""An order ships in parcels: each has its own tracking number and lines, stock leaves per
parcel through the ledger, and the order is delivered when every unit shipped and arrived."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ecommerce_core.domain import events as ev
from ecommerce_core.domain.errors import InvalidInput, InvalidTransition
from ecommerce_core.domain.orders import FulfilmentStatus, OrderStatus
from ecommerce_core.domain.shipping import ShipmentLine
from tests.services.harness import snapshot
from tests.support import World


def _paid(w: World, **lines: int) -> str:
    order = w.buy(**lines)
    w.shop.payments.pay(w.customer, order.id, payment_method="tok_visa", idempotency_key="p")
    return order.id


def _on_hand(w: World, sku: str, warehouse: str = "sz") -> int:
    (level,) = [lv for lv in w.shop.inventory.levels(w.admin, sku) if lv.warehouse_id == warehouse]
    return level.on_hand


def test_parcels_ship_part_by_part_each_with_its_tracking_number(world: World) -> None:
    w = world
    order_id = _paid(w, PX_128_BLK=3, CABLE_1M=2)
    first = w.shop.shipping.ship(w.admin, order_id, {"PX-128-BLK": 1})
    assert first.lines == (ShipmentLine("PX-128-BLK", "sz", 1),)
    order = w.shop.orders.get(w.customer, order_id)
    assert (order.status, order.fulfilment_status) == (
        OrderStatus.PARTIALLY_SHIPPED,
        FulfilmentStatus.PARTIALLY_SHIPPED,
    )
    assert _on_hand(w, "PX-128-BLK") == 9 and _on_hand(w, "CABLE-1M") == 10
    second = w.shop.shipping.ship(w.admin, order_id, {"PX-128-BLK": 1, "CABLE-1M": 2})
    assert w.shop.orders.get(w.admin, order_id).status is OrderStatus.PARTIALLY_SHIPPED
    last = w.shop.shipping.ship(w.admin, order_id)  # everything left
    assert last.lines == (ShipmentLine("PX-128-BLK", "sz", 1),)
    order = w.shop.orders.get(w.customer, order_id)
    assert (order.status, order.fulfilment_status) == (
        OrderStatus.SHIPPED,
        FulfilmentStatus.SHIPPED,
    )
    assert len({first.tracking_number, second.tracking_number, last.tracking_number}) == 3
    assert _on_hand(w, "PX-128-BLK") == 7 and _on_hand(w, "CABLE-1M") == 8
    assert [h.action for h in order.history][-3:] == ["ship_partially", "ship_partially", "ship"]
    with w.shop.storage.unit_of_work() as uow:
        created = [e for _, e in uow.outbox.list(limit=10_000) if isinstance(e, ev.ShipmentCreated)]
    assert [e.lines for e in created] == [
        (("PX-128-BLK", "sz", 1),),
        (("CABLE-1M", "sz", 2), ("PX-128-BLK", "sz", 1)),
        (("PX-128-BLK", "sz", 1),),
    ]
    with pytest.raises(InvalidTransition):
        w.shop.shipping.ship(w.admin, order_id)


@pytest.mark.parametrize(
    "lines",
    [{"PX-128-BLK": 3}, {"PX-256-WHT": 1}, {"PX-128-BLK": 0}, {}],
    ids=["more than left", "not in the order", "zero units", "empty parcel"],
)
def test_shipping_more_than_is_left_is_refused_and_changes_nothing(
    world: World, lines: dict[str, int]
) -> None:
    order_id = _paid(world, PX_128_BLK=3)
    world.shop.shipping.ship(world.admin, order_id, {"PX-128-BLK": 1})
    before = snapshot(world)
    with pytest.raises(InvalidInput):
        world.shop.shipping.ship(world.admin, order_id, lines)
    assert snapshot(world) == before


def test_an_unpaid_order_does_not_ship(world: World) -> None:
    order = world.buy()
    with pytest.raises(InvalidTransition):
        world.shop.shipping.ship(world.admin, order.id, {"PX-128-BLK": 1})


def test_a_parcel_leaves_from_the_warehouse_asked_for(world: World) -> None:
    w = world
    w.shop.inventory.add_warehouse(w.admin, id="sh", name="Shanghai", priority=2)
    w.shop.inventory.receive(w.admin, sku="PX-128-BLK", warehouse_id="sh", quantity=5)
    order_id = _paid(w, PX_128_BLK=12)  # 10 from Shenzhen (first by priority), 2 from Shanghai
    with pytest.raises(InvalidInput):
        w.shop.shipping.ship(w.admin, order_id, {"PX-128-BLK": 3}, warehouse_id="sh")
    parcel = w.shop.shipping.ship(w.admin, order_id, {"PX-128-BLK": 2}, warehouse_id="sh")
    assert parcel.lines == (ShipmentLine("PX-128-BLK", "sh", 2),)
    assert parcel.warehouses == ("sh",)
    assert _on_hand(w, "PX-128-BLK", "sh") == 3 and _on_hand(w, "PX-128-BLK", "sz") == 10
    rest = w.shop.shipping.ship(w.admin, order_id, warehouse_id="sz")
    assert rest.lines == (ShipmentLine("PX-128-BLK", "sz", 10),)
    assert w.shop.orders.get(w.admin, order_id).status is OrderStatus.SHIPPED


def test_the_order_is_delivered_when_its_last_parcel_is(world: World) -> None:
    w = world
    order_id = _paid(w, PX_128_BLK=2)
    start = w.clock.now()
    w.shop.shipping.ship(w.admin, order_id, {"PX-128-BLK": 1})
    w.clock.advance(timedelta(hours=10))
    w.shop.shipping.ship(w.admin, order_id, {"PX-128-BLK": 1})
    w.clock.advance(timedelta(hours=25))  # the first parcel arrived at +30 h, not the second
    parcels = w.shop.shipping.track(w.customer, order_id)
    assert [p.delivered for p in parcels] == [True, False]
    assert w.shop.orders.get(w.customer, order_id).status is OrderStatus.SHIPPED
    w.clock.advance(timedelta(hours=10))
    w.shop.shipping.track(w.customer, order_id)
    order = w.shop.orders.get(w.customer, order_id)
    assert (order.status, order.fulfilment_status) == (
        OrderStatus.DELIVERED,
        FulfilmentStatus.DELIVERED,
    )
    assert order.history[-1].at == start + timedelta(hours=40)


def test_a_partly_shipped_order_is_not_delivered_by_its_parcels_arriving(world: World) -> None:
    w = world
    order_id = _paid(w, PX_128_BLK=2)
    w.shop.shipping.ship(w.admin, order_id, {"PX-128-BLK": 1})
    w.clock.advance(timedelta(hours=31))
    assert all(p.delivered for p in w.shop.shipping.track(w.customer, order_id))
    assert w.shop.orders.get(w.customer, order_id).status is OrderStatus.PARTIALLY_SHIPPED


def test_a_label_booked_for_a_parcel_that_cannot_leave_is_voided(world: World) -> None:
    w = world
    w.shop.inventory.add_warehouse(w.admin, id="sh", name="Shanghai", priority=2)
    w.shop.inventory.receive(w.admin, sku="PX-128-BLK", warehouse_id="sh", quantity=5)
    order_id = _paid(w, PX_128_BLK=12)  # 10 from Shenzhen, 2 from Shanghai
    carrier = w.shop._ctx.carrier("sandbox")
    before = snapshot(w)
    with pytest.raises(InvalidInput) as refused:
        # the order may ship 3, but only 2 of them are held in Shanghai: refused under the
        # stock locks, after the label was booked
        w.shop.shipping.ship(w.admin, order_id, {"PX-128-BLK": 3}, warehouse_id="sh")
    (booked,) = carrier.bookings  # type: ignore[attr-defined]
    assert carrier.voided == [booked]  # type: ignore[attr-defined]
    assert not getattr(refused.value, "__notes__", [])
    assert snapshot(w) == before
    parcel = w.shop.shipping.ship(w.admin, order_id, {"PX-128-BLK": 2}, warehouse_id="sh")
    assert parcel.tracking_number not in carrier.voided  # type: ignore[attr-defined]
