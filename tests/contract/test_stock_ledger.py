"""The stock ledger on every backend: appended in the level's transaction, never changed, and
every level is the sum of its entries through a whole order's life."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from ecommerce_core import Principal
from ecommerce_core.domain.errors import (
    InvalidInput,
    InvalidTransition,
    OutOfStock,
    PermissionDenied,
)
from ecommerce_core.domain.inventory import StockLevel, Warehouse
from ecommerce_core.domain.stock_ledger import LedgerEntry, MovementKind
from ecommerce_core.ports.storage import Storage
from ecommerce_core.services.stock_moves import post_return, post_shipment
from tests.contract.backends import backend_url, server_marks
from tests.support import World

AT = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _entry(sku: str, wh: str, kind: MovementKind, on_hand: int, reserved: int = 0) -> LedgerEntry:
    return LedgerEntry(sku, wh, kind, on_hand, reserved, "adm_1", "why", "ref_1", "ord_1", AT)


def _levels_balance(w: World) -> None:
    assert w.shop.inventory.audit(w.admin) == []
    with w.shop.storage.unit_of_work() as uow:
        sums = uow.stock_ledger.balances()
        levels = {lv.key: (lv.on_hand, lv.reserved) for lv in uow.stock.list()}
    assert sums == levels


def test_entries_get_growing_ids_and_come_back_exactly_newest_first(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.warehouses.add(Warehouse("sz", "Shenzhen"))
        uow.warehouses.add(Warehouse("bj", "Beijing"))
        uow.stock_ledger.add(
            [
                _entry("A-1", "sz", MovementKind.RECEIPT, 5),
                _entry("A-1", "bj", MovementKind.RECEIPT, 2),
            ]
        )
        uow.stock_ledger.add([_entry("A-1", "sz", MovementKind.RESERVATION, 0, 3)])
        uow.commit()
    with storage.unit_of_work() as uow:
        newest = uow.stock_ledger.list()
        assert [e.kind for e in newest] == ["reservation", "receipt", "receipt"]
        assert newest[0].id > newest[1].id > newest[2].id > 0
        assert newest[2] == LedgerEntry(
            "A-1", "sz", MovementKind.RECEIPT, 5, 0, "adm_1", "why", "ref_1", "ord_1", AT,
            newest[2].id,
        )  # fmt: skip
        assert uow.stock_ledger.list(warehouse_id="bj") == [newest[1]]
        assert uow.stock_ledger.list(kinds=[MovementKind.RESERVATION]) == [newest[0]]
        assert uow.stock_ledger.list(before_id=newest[0].id, limit=1) == [newest[1]]
        assert uow.stock_ledger.list(order_id="other") == []
        assert uow.stock_ledger.list(reference="ref_1", sku="A-1", limit=2) == newest[:2]
        assert uow.stock_ledger.balances() == {("A-1", "sz"): (5, 3), ("A-1", "bj"): (2, 0)}
        assert uow.stock_ledger.balances(["B-2"]) == {}


def test_entries_of_a_unit_of_work_left_without_commit_are_gone(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.warehouses.add(Warehouse("sz", "Shenzhen"))
        uow.commit()
    with storage.unit_of_work() as uow:
        uow.stock.save([StockLevel("A-1", "sz", 4, 0)])
        uow.stock_ledger.add([_entry("A-1", "sz", MovementKind.RECEIPT, 4)])
    with storage.unit_of_work() as uow:
        assert uow.stock_ledger.list() == []
        assert uow.stock.list() == []


def test_every_level_is_its_ledger_through_an_order_s_life(shop_world: World) -> None:
    w = shop_world
    _levels_balance(w)
    order = w.buy(PX_128_BLK=3, CABLE_1M=1)
    w.shop.payments.pay(w.customer, order.id, payment_method="tok_visa", idempotency_key="p")
    _levels_balance(w)
    cancelled = w.buy(principal=w.other, PX_128_BLK=2, key="o2")
    w.shop.orders.cancel(w.other, cancelled.id)
    _levels_balance(w)
    with w.shop.storage.unit_of_work() as uow:
        paid = uow.orders.get(order.id)
        assert paid is not None
        with pytest.raises(InvalidInput):
            post_shipment(uow, paid, AT, actor="adm", reference="shp_x", items={"PX-128-BLK": 4})
        first = post_shipment(
            uow, paid, AT, actor="adm", reference="shp_1", items={"PX-128-BLK": 2}
        )
        rest = post_shipment(uow, paid, AT, actor="adm", reference="shp_2")
        with pytest.raises(InvalidInput):
            post_shipment(uow, paid, AT, actor="adm", reference="shp_3")
        uow.commit()
    assert [(e.sku, e.on_hand_delta, e.reserved_delta) for e in first] == [("PX-128-BLK", -2, -2)]
    assert sorted((e.sku, e.on_hand_delta) for e in rest) == [("CABLE-1M", -1), ("PX-128-BLK", -1)]
    levels = {lv.sku: (lv.on_hand, lv.reserved) for lv in w.shop.inventory.levels(w.admin)}
    assert levels["PX-128-BLK"] == (7, 0)
    with w.shop.storage.unit_of_work() as uow:
        back = post_return(
            uow, sku="PX-128-BLK", warehouse_id="sz", quantity=2, at=AT, actor="adm",
            reference="rma_1", order_id=order.id, reason="unopened",
        )  # fmt: skip
        with pytest.raises(InvalidInput):  # only 3 shipped, 2 came back
            post_return(
                uow, sku="PX-128-BLK", warehouse_id="sz", quantity=2, at=AT, actor="adm",
                reference="rma_2", order_id=order.id,
            )  # fmt: skip
        uow.commit()
    assert (back.kind, back.on_hand_delta, back.reference) == ("return", 2, "rma_1")
    _levels_balance(w)
    kinds = [e.kind for e in w.shop.inventory.ledger(w.admin, order_id=order.id)]
    assert kinds == ["return", "shipment", "shipment", "shipment", "commit", "commit",
                     "reservation", "reservation"]  # fmt: skip
    actors = {e.actor for e in w.shop.inventory.ledger(w.admin, order_id=cancelled.id)}
    assert actors == {w.other.id}


def test_an_unpaid_order_s_stock_cannot_ship(shop_world: World) -> None:
    w = shop_world
    order = w.buy()
    with w.shop.storage.unit_of_work() as uow, pytest.raises(InvalidTransition):
        post_shipment(uow, order, AT, actor="adm", reference="shp_1")


def test_a_paid_order_refunded_in_full_gives_back_what_did_not_ship(shop_world: World) -> None:
    w = shop_world
    order = w.buy(PX_128_BLK=3)
    payment = w.shop.payments.pay(
        w.customer, order.id, payment_method="tok_visa", idempotency_key="p"
    )
    with w.shop.storage.unit_of_work() as uow:
        paid = uow.orders.get(order.id)
        assert paid is not None
        post_shipment(uow, paid, AT, actor="adm", reference="shp_1", items={"PX-128-BLK": 1})
        uow.commit()
    w.shop.payments.refund(
        w.admin, payment.id, amount=payment.captured_amount, idempotency_key="r", reason="x"
    )
    assert w.shop.orders.get(w.admin, order.id).status == "closed"
    (level,) = w.shop.inventory.levels(w.admin, "PX-128-BLK")
    assert (level.on_hand, level.reserved) == (9, 0)
    _levels_balance(w)


def test_customers_cannot_read_the_ledger(shop_world: World) -> None:
    with pytest.raises(PermissionDenied):
        shop_world.shop.inventory.ledger(shop_world.customer)
    assert shop_world.shop.inventory.ledger(Principal.system(), "PX-128-BLK")[0].kind == "receipt"


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=server_marks(n), id=n) for n in ("sqlite", "postgres", "mysql")]
)
def test_the_migration_opens_the_ledger_with_each_level_s_balance(
    name: str, tmp_path: Path
) -> None:
    from ecommerce_sqlalchemy import SqlStorage
    from ecommerce_sqlalchemy.migrate import downgrade, upgrade

    store = SqlStorage(backend_url(name, tmp_path))
    try:
        downgrade(store.engine, "base")
        upgrade(store.engine, "0004")
        with store.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO ec_warehouses VALUES ('sz', 'Shenzhen', 1)"))
            conn.execute(sa.text("INSERT INTO ec_stock_levels VALUES ('A-1', 'sz', 7, 2)"))
        upgrade(store.engine)
        with store.unit_of_work() as uow:
            (opening,) = uow.stock_ledger.list()
            assert (opening.kind, opening.on_hand_delta, opening.reserved_delta) == (
                "opening", 7, 2,
            )  # fmt: skip
            assert uow.stock_ledger.balances() == {("A-1", "sz"): (7, 2)}
        downgrade(store.engine, "0004")
        assert "ec_stock_ledger" not in sa.inspect(store.engine).get_table_names()
        with store.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT sku, on_hand, reserved FROM ec_stock_levels"))
            assert [tuple(r) for r in rows] == [("A-1", 7, 2)]
        upgrade(store.engine)
        with store.unit_of_work() as uow:
            assert uow.stock.list() == [StockLevel("A-1", "sz", 7, 2)]
    finally:
        store.close()


def test_an_adjustment_keeps_its_reason_code_and_never_takes_promised_units(
    shop_world: World,
) -> None:
    w = shop_world
    w.buy(PX_128_BLK=8)
    level = w.shop.inventory.adjust(
        w.admin, sku="PX-128-BLK", warehouse_id="sz", delta=-2, reason="damaged", note="dropped"
    )
    assert (level.on_hand, level.reserved) == (8, 8)
    with pytest.raises(OutOfStock):
        w.shop.inventory.adjust(
            w.admin, sku="PX-128-BLK", warehouse_id="sz", delta=-1, reason="lost"
        )
    with pytest.raises(InvalidInput):
        w.shop.inventory.adjust(
            w.admin, sku="PX-128-BLK", warehouse_id="sz", delta=1, reason="because"
        )
    entry = w.shop.inventory.ledger(w.admin, "PX-128-BLK")[0]
    assert (entry.kind, entry.on_hand_delta, entry.reason, entry.actor) == (
        "adjustment", -2, "damaged: dropped", w.admin.id,
    )  # fmt: skip
    _levels_balance(w)


def test_a_transfer_is_two_entries_in_one_transaction_or_nothing(shop_world: World) -> None:
    w = shop_world
    w.shop.inventory.add_warehouse(w.admin, id="bj", name="Beijing", priority=2)
    w.buy(CABLE_1M=7)
    out, into = w.shop.inventory.transfer(
        w.admin, sku="CABLE-1M", from_warehouse_id="sz", to_warehouse_id="bj", quantity=3
    )
    assert (out.kind, out.warehouse_id, out.on_hand_delta) == ("transfer_out", "sz", -3)
    assert (into.kind, into.warehouse_id, into.on_hand_delta) == ("transfer_in", "bj", 3)
    assert out.reference == into.reference != ""
    before = w.shop.inventory.levels(w.admin, "CABLE-1M")
    with pytest.raises(OutOfStock):  # sz holds 7 on hand, all 7 promised
        w.shop.inventory.transfer(
            w.admin, sku="CABLE-1M", from_warehouse_id="sz", to_warehouse_id="bj", quantity=1
        )
    assert w.shop.inventory.levels(w.admin, "CABLE-1M") == before
    assert [(lv.warehouse_id, lv.on_hand, lv.reserved) for lv in before] == [
        ("bj", 3, 0), ("sz", 7, 7),
    ]  # fmt: skip
    _levels_balance(w)
