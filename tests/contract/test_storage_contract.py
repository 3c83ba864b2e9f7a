"""The storage port's contract: every adapter stores and returns exactly what it was given,
keeps nothing that was not committed, and refuses duplicates where the domain needs uniqueness."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs
import pytest

from ecommerce_core import Money
from ecommerce_core.domain import events as ev
from ecommerce_core.domain.errors import AlreadyExists
from ecommerce_core.domain.orders import OrderAction
from ecommerce_core.domain.payments import Refund, RefundStatus
from ecommerce_core.domain.pricing import Promotion
from ecommerce_core.domain.shipping import Shipment, ShipmentLine, TrackingEvent, TrackingStatus
from ecommerce_core.ports.storage import Storage
from tests.contract import builders as b


def _catalog(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.categories.add(b.category())
        uow.products.add(b.product())
        uow.warehouses.add(b.warehouse())
        uow.commit()


def test_categories_and_products_come_back_exactly_as_stored(storage: Storage) -> None:
    _catalog(storage)
    with storage.unit_of_work() as uow:
        uow.categories.add(b.category("cat_2", "android", parent="cat_1"))
        uow.products.add(b.product("prd_2", "tablet", ("TAB-1",), category_id="cat_2"))
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.categories.get("cat_1") == b.category()
        assert uow.categories.get("cat_2") == b.category("cat_2", "android", parent="cat_1")
        assert uow.categories.get("nope") is None
        assert uow.products.get("prd_1") == b.product()
        assert uow.products.get_by_sku("PX-2") == b.product()
        assert uow.products.get_by_sku("NOPE") is None
        assert set(uow.products.get_by_skus(["PX-1", "TAB-1", "NOPE"])) == {"PX-1", "TAB-1"}
        assert [p.id for p in uow.products.list()] == ["prd_1", "prd_2"]
        assert [p.id for p in uow.products.list(["cat_2"])] == ["prd_2"]
        assert uow.products.list([]) == []


def test_a_lineage_is_the_categories_named_and_all_their_ancestors(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.categories.add(b.category("cat_1", "all"))
        uow.categories.add(b.category("cat_2", "phones", parent="cat_1"))
        uow.categories.add(b.category("cat_3", "android", parent="cat_2"))
        uow.categories.add(b.category("cat_4", "ios", parent="cat_2"))
        uow.categories.add(b.category("cat_5", "garden"))
        uow.categories.add(b.category("cat_6", "tools", parent="cat_5"))
        uow.commit()
    with storage.unit_of_work() as uow:
        every = {c.id: c for c in uow.categories.list()}

        def lineage(*ids: str) -> dict[str, object]:
            found = uow.categories.lineage(ids)
            assert len(found) == len({c.id for c in found})  # each once
            return {c.id: c for c in found}

        assert lineage("cat_3") == {k: every[k] for k in ("cat_1", "cat_2", "cat_3")}
        assert set(lineage("cat_3", "cat_4", "cat_6", "nope")) == {
            "cat_1", "cat_2", "cat_3", "cat_4", "cat_5", "cat_6"
        }  # fmt: skip
        assert set(lineage("cat_1", "cat_1")) == {"cat_1"}
        assert lineage("nope") == {}
        assert lineage() == {}


def test_a_sku_can_belong_to_one_product_only(storage: Storage) -> None:
    _catalog(storage)
    with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
        uow.products.add(b.product("prd_9", "other", ("PX-2",)))
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.products.get("prd_9") is None


def test_nothing_is_kept_without_commit(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.categories.add(b.category())
        uow.outbox.add([ev.OrderPaid(occurred_at=b.T0, order_id="ord_1")])
    with storage.unit_of_work() as uow:
        assert uow.categories.list() == []
        assert uow.outbox.list() == []


def test_an_error_inside_the_unit_of_work_rolls_everything_back(storage: Storage) -> None:
    with pytest.raises(RuntimeError), storage.unit_of_work() as uow:
        uow.categories.add(b.category())
        raise RuntimeError("boom")
    with storage.unit_of_work() as uow:
        assert uow.categories.get("cat_1") is None


def test_customers_are_found_by_email_whatever_its_case(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.customers.add(b.customer())
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.customers.get_by_email("li.lei@example.com") == b.customer()
        assert uow.customers.get("cus_1") == b.customer()
        uow.customers.update(attrs.evolve(b.customer(), password_hash="new"))
        uow.commit()
    with storage.unit_of_work() as uow:
        stored = uow.customers.get("cus_1")
        assert stored is not None and stored.password_hash == "new"
    with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
        uow.customers.add(b.customer("cus_2", "LI.LEI@example.com"))
        uow.commit()


def test_a_cart_is_saved_replaced_and_emptied(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.carts.save(b.cart())
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.carts.get("cart_1") == b.cart()
        assert uow.carts.get_for_customer("cus_1") == b.cart()
        uow.carts.save(b.cart().emptied(b.T0 + timedelta(seconds=1)))
        uow.commit()
    with storage.unit_of_work() as uow:
        stored = uow.carts.get_for_customer("cus_1")
        assert stored is not None and stored.lines == ()
        assert uow.carts.get_for_customer("cus_2") is None


def test_stock_levels_round_trip_in_lock_order(storage: Storage) -> None:
    _catalog(storage)
    with storage.unit_of_work() as uow:
        uow.warehouses.add(b.warehouse("bj", 2))
        uow.stock.save([b.stock("PX-2", "sz"), b.stock("PX-1", "sz"), b.stock("PX-1", "bj", 5, 0)])
        uow.commit()
    with storage.unit_of_work() as uow:
        levels = uow.stock.for_skus(["PX-2", "PX-1"], for_update=True)
        assert [lv.key for lv in levels] == [("PX-1", "bj"), ("PX-1", "sz"), ("PX-2", "sz")]
        uow.stock.save([levels[1].reserve(8)])
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.stock.get("PX-1", "sz") == b.stock("PX-1", "sz", 10, 10)
        assert uow.stock.get("PX-9", "sz") is None
        assert len(uow.stock.list()) == 3
        assert {w.id for w in uow.warehouses.list()} == {"sz", "bj"}


def test_a_reservation_keeps_its_lines_and_changes_status(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.reservations.add(b.reservation())
        uow.commit()
    with storage.unit_of_work() as uow:
        stored = uow.reservations.get("res_1", for_update=True)
        assert stored == b.reservation()
        assert stored is not None
        uow.reservations.update(stored.committed())
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.reservations.get("res_1") == b.reservation().committed()


def test_an_order_round_trips_with_its_lines_address_and_timeline(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.orders.add(b.order())
        uow.commit()
    later = b.T0 + timedelta(minutes=5)
    with storage.unit_of_work() as uow:
        stored = uow.orders.get("ord_1", for_update=True)
        assert stored == b.order()
        assert stored is not None
        paid, _ = stored.transition(OrderAction.PAY, later, "paid")
        uow.orders.update(paid)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.orders.get("ord_1") == paid
        assert uow.orders.get_by_number("20260301-AAAA0001") == paid
        assert uow.orders.get_by_idempotency_key("cus_1", "key-1") == paid
        assert uow.orders.get_by_idempotency_key("cus_2", "key-1") is None


def test_order_numbers_and_idempotency_keys_are_unique(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.orders.add(b.order())
        uow.commit()
    for twin in (b.order("ord_2", key="key-2"), b.order("ord_3", number="20260301-AAAA0003")):
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.orders.add(twin)
            uow.commit()
    with storage.unit_of_work() as uow:
        uow.orders.add(b.order("ord_4", number="N-4", key="key-1", customer_id="cus_2"))
        uow.commit()


def test_orders_are_listed_newest_first_and_per_customer(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        for i in range(3):
            uow.orders.add(
                b.order(
                    f"ord_{i}",
                    f"N-{i}",
                    f"k{i}",
                    "cus_1" if i < 2 else "cus_2",
                    b.T0 + timedelta(minutes=i),
                )
            )
        uow.commit()
    with storage.unit_of_work() as uow:
        assert [o.id for o in uow.orders.list()] == ["ord_2", "ord_1", "ord_0"]
        assert [o.id for o in uow.orders.list(customer_id="cus_1")] == ["ord_1", "ord_0"]
        assert [o.id for o in uow.orders.list(limit=1)] == ["ord_2"]


def test_an_edit_rewrites_the_lines_totals_and_coupons_of_an_order(storage: Storage) -> None:
    placed = b.order()
    with storage.unit_of_work() as uow:
        uow.orders.add(attrs.evolve(placed, coupon_codes=("SAVE50",)))
        uow.commit()
    with storage.unit_of_work() as uow:
        stored = uow.orders.get("ord_1", for_update=True)
        assert stored is not None and stored.coupon_codes == ("SAVE50",)
        first = stored.lines[0]
        gift = attrs.evolve(first, sku="GIFT-1", quantity=1, gift=True)
        edited, _ = attrs.evolve(
            stored,
            lines=(attrs.evolve(first, quantity=first.quantity + 1), gift),
            total=stored.total + stored.total,
            coupon_codes=(),
        ).transition(OrderAction.EDIT, b.T0, "quantity changed")
        uow.orders.update(edited)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.orders.get("ord_1") == edited
    with storage.unit_of_work() as uow:  # an update without reading first rewrites them too
        shorter = attrs.evolve(edited, lines=edited.lines[:1])
        uow.orders.update(shorter)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.orders.get("ord_1") == shorter


def test_orders_in_a_status_come_oldest_change_first_up_to_a_time(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        for i in range(4):
            placed = b.order(f"ord_{i}", f"N-{i}", f"k{i}", at=b.T0)
            # changed in reverse order of their ids, so the id is not what orders them
            at = b.T0 + timedelta(hours=4 - i)
            status = "delivered" if i < 3 else "shipped"
            uow.orders.add(attrs.evolve(placed, status=status, updated_at=at))
        uow.commit()
    with storage.unit_of_work() as uow:
        found = uow.orders.in_status("delivered", updated_before=b.T0 + timedelta(hours=3))
        assert [o.id for o in found] == ["ord_2", "ord_1"]  # ord_0 changed too late
        assert found[1] == attrs.evolve(
            b.order("ord_1", "N-1", "k1"),
            status="delivered",
            updated_at=b.T0 + timedelta(hours=3),
        )
        later = b.T0 + timedelta(days=1)
        assert [o.id for o in uow.orders.in_status("delivered", updated_before=later, limit=2)] == [
            "ord_2",
            "ord_1",
        ]
        assert [o.id for o in uow.orders.in_status("shipped", updated_before=later)] == ["ord_3"]
        assert uow.orders.in_status("completed", updated_before=later) == []


def test_whether_a_customer_has_orders_is_answered_whatever_their_state(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        assert not uow.orders.has_orders("cus_1")
        uow.orders.add(b.order())
        assert uow.orders.has_orders("cus_1")  # its own writes, before the commit
        uow.commit()
    with storage.unit_of_work() as uow:
        stored = uow.orders.get("ord_1", for_update=True)
        assert stored is not None
        cancelled, _ = stored.transition(OrderAction.CANCEL, b.T0, "changed my mind")
        uow.orders.update(cancelled)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.orders.has_orders("cus_1")  # a cancelled order was still placed
        assert not uow.orders.has_orders("cus_2")
        assert not uow.orders.has_orders("")


def test_a_payment_keeps_its_refunds_and_their_outcomes(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.payments.add(b.payment())
        uow.commit()
    refund = Refund("ref_1", Money(100, "CNY"), RefundStatus.PENDING, b.T0, "refund-key", "damaged")
    with storage.unit_of_work() as uow:
        stored = uow.payments.get("pay_1", for_update=True)
        assert stored == b.payment()
        assert stored is not None
        captured = stored.captured_in_full(b.T0, "sbx_ref").with_refund(refund)
        uow.payments.update(captured)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.payments.get("pay_1") == captured
        done = captured.with_refund_outcome("ref_1", RefundStatus.SUCCEEDED, "sbxref_1", b.T0)
        uow.payments.update(done)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.payments.get_by_provider_ref("sandbox", "sbx_ref") == done
        assert uow.payments.get_by_provider_ref("sandbox", "") is None
        assert uow.payments.get_by_idempotency_key("ord_1", "pay-key") == done
        assert uow.payments.list_for_order("ord_1") == [done]
    with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
        uow.payments.add(b.payment("pay_2"))
        uow.commit()


def test_a_shipment_accumulates_tracking_events(storage: Storage) -> None:
    shipment = Shipment("shp_1", "ord_1", "sandbox", "SBX1", b.T0)
    with storage.unit_of_work() as uow:
        uow.shipments.add(shipment)
        uow.commit()
    events = (
        TrackingEvent(b.T0, TrackingStatus.LABEL_CREATED, "Label created", "Shenzhen"),
        TrackingEvent(b.T0 + timedelta(hours=30), TrackingStatus.DELIVERED, "Delivered", ""),
    )
    with storage.unit_of_work() as uow:
        uow.shipments.update(shipment.with_events(events))
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.shipments.get("shp_1") == shipment.with_events(events)
        assert uow.shipments.list_for_order("ord_1") == [shipment.with_events(events)]
        assert uow.shipments.list_for_order("ord_2") == []


def test_a_parcel_keeps_its_lines_per_warehouse(storage: Storage) -> None:
    lines = (ShipmentLine("PX-1", "sz", 2), ShipmentLine("CABLE-1M", "sh", 1))
    parcel = Shipment("shp_2", "ord_1", "sandbox", "SBX2", b.T0, lines=lines)
    with storage.unit_of_work() as uow:
        uow.shipments.add(parcel)
        uow.shipments.add(Shipment("shp_3", "ord_1", "sandbox", "SBX3", b.T0))
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.shipments.get("shp_2") == parcel
        assert parcel.warehouses == ("sh", "sz")
        stored = uow.shipments.get("shp_3")
        assert stored is not None and stored.lines == ()


def test_promotions_keep_their_exact_percentage_and_scope(storage: Storage) -> None:
    promo = Promotion(
        "promo_1",
        "Phones 12.5% off",
        Decimal("12.5"),
        frozenset({"cat_1"}),
        frozenset({"PX-1"}),
        b.T0,
        b.T0 + timedelta(days=1),
    )
    with storage.unit_of_work() as uow:
        uow.promotions.add(promo)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.promotions.list() == [promo]


def test_a_provider_event_is_recorded_once(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        assert uow.notifications.record("sandbox", "evt_1") is True
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.notifications.record("sandbox", "evt_1") is False
        assert uow.notifications.record("other", "evt_1") is True


def test_the_outbox_returns_committed_events_in_order(storage: Storage) -> None:
    first = ev.OrderPlaced(
        occurred_at=b.T0,
        order_id="ord_1",
        number="N-1",
        customer_id="cus_1",
        total=100,
        currency="CNY",
    )
    second = ev.StockReserved(
        occurred_at=b.T0, reservation_id="res_1", order_id="ord_1", lines=(("PX-1", "sz", 2),)
    )
    with storage.unit_of_work() as uow:
        uow.outbox.add([first, second])
        uow.commit()
    with storage.unit_of_work() as uow:
        stored = uow.outbox.list()
        assert [e for _, e in stored] == [first, second]
        assert uow.outbox.list(after_id=stored[0][0]) == stored[1:]
