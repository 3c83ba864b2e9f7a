"""Promises only the SQL adapter can make: the database itself as a backstop, honest reporting of
rows edited by hand, and migrations that go up and down."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from ecommerce_core.domain.errors import CorruptData, StorageError
from ecommerce_core.domain.inventory import StockLevel
from ecommerce_core.ports.storage import Storage
from tests.contract import builders as b
from tests.contract.backends import backend_url, server_marks


@pytest.fixture(
    params=[pytest.param(n, marks=server_marks(n), id=n) for n in ("sqlite", "postgres", "mysql")]
)
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request.param, tmp_path)


@pytest.fixture
def sql_storage(sql_url: str) -> Iterator[Storage]:
    from ecommerce_sqlalchemy import SqlStorage

    store = SqlStorage(sql_url)
    store.migrate()
    yield store
    store.close()


def _raw(store: Storage, statement: str) -> None:
    with store.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(sa.text(statement))


def test_the_database_refuses_more_reserved_than_on_hand(sql_storage: Storage) -> None:
    with sql_storage.unit_of_work() as uow:
        uow.warehouses.add(b.warehouse())
        uow.stock.save([b.stock()])
        uow.commit()
    from ecommerce_sqlalchemy.errors import translate

    for statement in (
        "UPDATE ec_stock_levels SET reserved = on_hand + 1",
        "UPDATE ec_stock_levels SET on_hand = -1, reserved = 0",
        "UPDATE ec_stock_levels SET reserved = -1",
    ):
        with pytest.raises(sa.exc.DBAPIError) as caught:
            _raw(sql_storage, statement)
        assert type(translate(caught.value)) is StorageError
    with sql_storage.unit_of_work() as uow:
        assert uow.stock.get("PX-1", "sz") == b.stock()


def test_a_row_edited_into_an_illegal_state_is_reported_not_fixed(sql_storage: Storage) -> None:
    with sql_storage.unit_of_work() as uow:
        uow.orders.add(b.order())
        uow.commit()
    _raw(sql_storage, "UPDATE ec_orders SET status = 'tele ported!'")
    with pytest.raises(CorruptData) as caught, sql_storage.unit_of_work() as uow:
        uow.orders.get("ord_1")
    assert caught.value.code == "corrupt_data" and "ord_1" in caught.value.message
    _raw(sql_storage, "UPDATE ec_orders SET status = 'pending_payment', currency = 'XXX'")
    with pytest.raises(CorruptData), sql_storage.unit_of_work() as uow:
        uow.orders.get("ord_1")


def test_driver_errors_surface_as_library_errors(sql_storage: Storage) -> None:
    with sql_storage.unit_of_work() as uow:
        uow.warehouses.add(b.warehouse())
        uow.stock.save([b.stock()])
        uow.commit()
    _raw(sql_storage, "DROP TABLE ec_promotions")  # the next test's reset rebuilds the schema
    with pytest.raises(StorageError) as caught, sql_storage.unit_of_work() as uow:
        uow.promotions.list()
    assert caught.value.code == "storage_error"


def test_migrations_go_down_one_step_and_up_again_keeping_data(sql_url: str) -> None:
    from ecommerce_sqlalchemy import SqlStorage
    from ecommerce_sqlalchemy.migrate import downgrade, upgrade

    store = SqlStorage(sql_url)
    try:
        store.migrate()
        with store.unit_of_work() as uow:
            uow.categories.add(b.category())
            uow.commit()
        store.migrate()  # idempotent
        downgrade(store.engine, "base")
        assert "ec_orders" not in sa.inspect(store.engine).get_table_names()
        upgrade(store.engine)
        assert "ec_orders" in sa.inspect(store.engine).get_table_names()
        with store.unit_of_work() as uow:
            assert uow.categories.list() == []
            uow.categories.add(b.category())
            uow.commit()
    finally:
        store.close()


def test_upgrading_a_database_that_holds_data_keeps_it_and_one_step_down_too(sql_url: str) -> None:
    from ecommerce_sqlalchemy import SqlStorage
    from ecommerce_sqlalchemy.migrate import downgrade, upgrade

    store = SqlStorage(sql_url)
    try:
        downgrade(store.engine, "base")
        upgrade(store.engine, "0001")
        assert "ec_outbox_deliveries" not in sa.inspect(store.engine).get_table_names()
        order = b.order()
        shipped = attrs.evolve(
            b.order(), id="ord_2", number="N-2", status="shipped", idempotency_key="key-2"
        )
        with store.engine.begin() as conn:
            from ecommerce_sqlalchemy import mapping, tables

            # only the columns revision 0001 had
            old = {c["name"] for c in sa.inspect(conn).get_columns("ec_orders")}
            for o in (order, shipped):
                row = {k: v for k, v in mapping.order_to_row(o).items() if k in old}
                conn.execute(sa.insert(tables.orders).values(row))
        upgrade(store.engine)
        with store.unit_of_work() as uow:
            stored = uow.orders.get("ord_1")
            assert stored is not None
            assert stored.total == order.total
            assert (stored.payment_status, stored.fulfilment_status) == ("unpaid", "unfulfilled")
            # the statuses added later are what the stored overall status implies
            was_shipped = uow.orders.get("ord_2")
            assert was_shipped is not None
            assert (was_shipped.payment_status, was_shipped.fulfilment_status) == (
                "paid",
                "shipped",
            )
            assert uow.outbox.undelivered("crm") == []
        downgrade(store.engine, "0001")  # back below 0002, whatever migrations came after it
        names = sa.inspect(store.engine).get_table_names()
        assert "ec_outbox_deliveries" not in names
        with store.engine.connect() as conn:
            assert (
                conn.execute(
                    sa.text("SELECT number FROM ec_orders WHERE id = 'ord_1'")
                ).scalar_one()
                == order.number
            )
        upgrade(store.engine)
    finally:
        store.close()


def test_two_shops_on_two_databases_live_side_by_side_in_one_process(tmp_path: Path) -> None:
    from tests.support import seeded_shop

    with (
        seeded_shop(f"sqlite:///{tmp_path / 'a.db'}") as a,
        seeded_shop(f"sqlite:///{tmp_path / 'b.db'}", stock=3) as z,
    ):
        a.buy(PX_128_BLK=5)
        z.buy(PX_128_BLK=1)
        assert a.shop.inventory.levels(a.admin, "PX-128-BLK")[0].reserved == 5
        assert z.shop.inventory.levels(z.admin, "PX-128-BLK")[0].reserved == 1
        assert len(a.shop.orders.list(a.admin)) == len(z.shop.orders.list(z.admin)) == 1
        assert a.shop.storage.engine is not z.shop.storage.engine  # type: ignore[attr-defined]


def test_the_database_allows_reserving_up_to_the_backorder_limit_and_no_further(
    sql_storage: Storage,
) -> None:
    with sql_storage.unit_of_work() as uow:
        uow.warehouses.add(b.warehouse())
        uow.stock.configure([attrs.evolve(b.stock(), backorder_limit=3)])
        uow.commit()
    _raw(sql_storage, "UPDATE ec_stock_levels SET reserved = on_hand + 3")
    for statement in (
        "UPDATE ec_stock_levels SET reserved = on_hand + 4",
        "UPDATE ec_stock_levels SET on_hand = -1, reserved = 0",
        "UPDATE ec_stock_levels SET backorder_limit = -1, reserved = 0",
    ):
        with pytest.raises(sa.exc.DBAPIError):
            _raw(sql_storage, statement)
    with sql_storage.unit_of_work() as uow:
        level = uow.stock.get("PX-1", "sz")
    assert level is not None and (level.reserved, level.backordered) == (13, 3)


def test_the_backorder_and_preorder_migrations_keep_levels_and_go_down_one_by_one(
    sql_url: str,
) -> None:
    from ecommerce_sqlalchemy import SqlStorage
    from ecommerce_sqlalchemy.migrate import downgrade, upgrade

    store = SqlStorage(sql_url)
    try:
        downgrade(store.engine, "base")
        upgrade(store.engine, "0014")
        with store.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO ec_warehouses VALUES ('sz', 'Shenzhen', 1, '')"))
            conn.execute(
                sa.text(
                    "INSERT INTO ec_stock_levels (sku, warehouse_id, on_hand, reserved, "
                    "safety_stock) VALUES ('PX-1', 'sz', 10, 2, 1)"
                )
            )
        upgrade(store.engine)
        release = datetime(2026, 6, 18, 8, 30, tzinfo=UTC)
        with store.unit_of_work() as uow:
            assert uow.stock.get("PX-1", "sz") == StockLevel("PX-1", "sz", 10, 2, 1, None, 0)
            uow.stock.configure([StockLevel("PX-1", "sz", 10, 2, 1, None, 4, release)])
            uow.commit()
        with store.unit_of_work() as uow:
            level = uow.stock.get("PX-1", "sz")
        assert level == StockLevel("PX-1", "sz", 10, 2, 1, None, 4, release)
        _raw(store, "UPDATE ec_stock_levels SET reserved = 14")
        _raw(store, "UPDATE ec_stock_levels SET reserved = 2")
        downgrade(store.engine, "0016")  # the preorder release goes, the limit stays
        assert "available_from" not in {
            c["name"] for c in sa.inspect(store.engine).get_columns("ec_stock_levels")
        }
        _raw(store, "UPDATE ec_stock_levels SET reserved = 14")
        _raw(store, "UPDATE ec_stock_levels SET reserved = 2")
        downgrade(store.engine, "0014")
        with pytest.raises(sa.exc.DBAPIError):
            _raw(store, "UPDATE ec_stock_levels SET reserved = 11")
        with store.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT on_hand, reserved FROM ec_stock_levels")).one()
        assert tuple(row) == (10, 2)
        upgrade(store.engine)
    finally:
        store.close()
