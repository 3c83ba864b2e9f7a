"""Promises only the SQL adapter can make: the database itself as a backstop, honest reporting of
rows edited by hand, and migrations that go up and down."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from ecommerce_core.domain.cart import Cart
from ecommerce_core.domain.errors import AlreadyExists, CorruptData, StorageError
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
            uow.carts.save(b.cart())
            uow.commit()
        store.migrate()  # idempotent
        downgrade(store.engine, "base")
        assert "ec_orders" not in sa.inspect(store.engine).get_table_names()
        upgrade(store.engine)
        assert "ec_orders" in sa.inspect(store.engine).get_table_names()
        with store.unit_of_work() as uow:
            assert uow.categories.list() == []
            assert uow.carts.get("cart_1") is None
            uow.categories.add(b.category())
            uow.carts.save(b.cart())
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.carts.get_for_customer("cus_1", for_update=True) == b.cart()
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
            _cart_at_0017(conn, b.cart())  # carts are as 0001 made them until 0018
        upgrade(store.engine)
        with store.unit_of_work() as uow:
            assert uow.carts.get_for_customer("cus_1") == b.cart()
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
            lines = conn.execute(
                sa.text("SELECT sku, quantity FROM ec_cart_lines ORDER BY position")
            ).all()
            assert [tuple(r) for r in lines] == [(ln.sku, ln.quantity) for ln in b.cart().lines]
        upgrade(store.engine)
        with store.unit_of_work() as uow:
            assert uow.carts.get("cart_1") == b.cart()
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


# -- a cart is one row: its lines are a JSON column of ec_carts (migration 0018) ----------------
def _cart_at_0017(conn: sa.Connection, cart: Cart, *, reverse: bool = False) -> None:
    """Write ``cart`` as revisions 0001 to 0017 stored it: a head row and one row per line."""
    from ecommerce_sqlalchemy.types import UTCDateTime

    head = sa.table(
        "ec_carts",
        sa.column("id"),
        sa.column("customer_id"),
        sa.column("currency"),
        sa.column("updated_at", UTCDateTime()),
    )
    lines = sa.table(
        "ec_cart_lines", sa.column("cart_id"), sa.column("position"), sa.column("sku"),
        sa.column("quantity"),
    )  # fmt: skip
    conn.execute(
        head.insert(),
        {
            "id": cart.id,
            "customer_id": cart.customer_id,
            "currency": cart.currency,
            "updated_at": cart.updated_at,
        },
    )
    rows = [
        {"cart_id": cart.id, "position": i, "sku": ln.sku, "quantity": ln.quantity}
        for i, ln in enumerate(cart.lines)
    ]
    for row in reversed(rows) if reverse else rows:  # one by one: inserted in that order
        conn.execute(lines.insert(), row)


def _statements(store: Storage) -> list[str]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "SET", "SELECT 1")):
            seen.append(" ".join(statement.split()))

    sa.event.listen(store.engine, "before_cursor_execute", record)  # type: ignore[attr-defined]
    return seen


def test_a_cart_is_locked_and_read_by_one_statement_and_saved_by_one(
    sql_storage: Storage,
) -> None:
    seen = _statements(sql_storage)
    with sql_storage.unit_of_work() as uow:
        assert uow.carts.get_for_customer("cus_1", for_update=True) is None
        uow.carts.save(b.cart())  # a customer it read has none: an INSERT
        uow.commit()
    assert len(seen) == 2 and seen[1].startswith("INSERT INTO ec_carts"), seen
    seen.clear()
    with sql_storage.unit_of_work() as uow:
        cart = uow.carts.get_for_customer("cus_1", for_update=True)
        assert cart == b.cart()
        uow.carts.save(cart.emptied(b.T0 + timedelta(seconds=1)))
        uow.commit()
    locked, saved = seen
    assert locked.startswith("SELECT") and " FROM ec_carts " in locked
    assert sql_storage.engine.dialect.name == "sqlite" or locked.endswith("FOR UPDATE")  # type: ignore[attr-defined]
    assert saved.startswith("UPDATE ec_carts")
    seen.clear()
    with sql_storage.unit_of_work() as uow:  # saved without reading it first (a restore)
        uow.carts.save(b.cart())
        uow.carts.save(b.cart("cart_2", "cus_2"))
        uow.commit()
    assert [s.split()[0] for s in seen] == ["UPDATE", "UPDATE", "INSERT"], seen
    with sql_storage.unit_of_work() as uow:
        assert uow.carts.get_for_customer("cus_1") == b.cart()
        assert uow.carts.get("cart_2") == b.cart("cart_2", "cus_2")


def test_a_second_cart_for_one_customer_is_refused(sql_storage: Storage) -> None:
    with sql_storage.unit_of_work() as uow:
        uow.carts.save(b.cart())
        uow.commit()
    # as two first add_item calls of one customer racing: each read no cart, each makes one
    with pytest.raises(AlreadyExists), sql_storage.unit_of_work() as uow:
        uow.carts.save(b.cart("cart_2"))
        uow.commit()
    with sql_storage.unit_of_work() as uow:
        assert uow.carts.get_for_customer("cus_1") is not None
    with pytest.raises(AlreadyExists), sql_storage.unit_of_work() as uow:
        uow.carts.save(b.cart("cart_2"))
        uow.commit()
    with sql_storage.unit_of_work() as uow:
        assert uow.carts.get_for_customer("cus_1") == b.cart()
        assert uow.carts.get("cart_2") is None


@pytest.mark.parametrize(
    "lines",
    [
        '{"sku": "PX-1", "quantity": 1}',  # not a list
        "null",
        '[["PX-1", 1]]',
        '[{"sku": "PX-1"}]',
        '[{"sku": "PX-1", "quantity": 0}]',
        '[{"sku": "PX-1", "quantity": -2}]',
        '[{"sku": "PX-1", "quantity": "2"}]',
        '[{"sku": "PX-1", "quantity": 2.0}]',
        '[{"sku": "PX-1", "quantity": true}]',
        '[{"sku": "px-1", "quantity": 2}]',  # the domain would upper-case it: not ours
        '[{"sku": " PX-1", "quantity": 2}]',
        '[{"sku": 7, "quantity": 2}]',
        '[{"sku": "PX-1", "quantity": 2, "price": 100}]',
        '[{"sku": "PX-1", "quantity": 2}, {"sku": "PX-1", "quantity": 1}]',
    ],
)
def test_cart_lines_edited_by_hand_are_reported_not_fixed(sql_storage: Storage, lines: str) -> None:
    with sql_storage.unit_of_work() as uow:
        uow.carts.save(b.cart())
        uow.commit()
    engine = sql_storage.engine  # type: ignore[attr-defined]
    column = engine.dialect.identifier_preparer.quote("lines")  # a reserved word on MariaDB
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE ec_carts SET {column} = :lines"), {"lines": lines})
    for read in (
        lambda uow: uow.carts.get("cart_1"),
        lambda uow: uow.carts.get_for_customer("cus_1"),
        lambda uow: uow.carts.get_for_customer("cus_1", for_update=True),
        lambda uow: uow.archive.dump(),
    ):
        with pytest.raises(CorruptData) as caught, sql_storage.unit_of_work() as uow:
            read(uow)
        assert caught.value.code == "corrupt_data" and "cart_1" in caught.value.message


def test_the_database_refuses_cart_lines_that_are_not_json(sql_storage: Storage) -> None:
    with sql_storage.unit_of_work() as uow:
        uow.carts.save(b.cart())
        uow.commit()
    column = sql_storage.engine.dialect.identifier_preparer.quote("lines")  # type: ignore[attr-defined]
    with pytest.raises(sa.exc.DBAPIError):
        _raw(sql_storage, f"UPDATE ec_carts SET {column} = '[{{\"sku\": '")
    with sql_storage.unit_of_work() as uow:
        assert uow.carts.get("cart_1") == b.cart()


def test_the_cart_migration_moves_lines_into_the_cart_row_and_back(sql_url: str) -> None:
    from ecommerce_sqlalchemy import SqlStorage
    from ecommerce_sqlalchemy.migrate import downgrade, upgrade

    as_stored = [("cart_1", 0, "PX-2", 3), ("cart_1", 1, "PX-1", 1)]
    store = SqlStorage(sql_url)
    try:
        downgrade(store.engine, "base")
        upgrade(store.engine, "0017")
        with store.engine.begin() as conn:
            _cart_at_0017(conn, b.cart(), reverse=True)  # their positions give the order
            _cart_at_0017(conn, attrs.evolve(b.cart("cart_2", "cus_2"), lines=()))
        upgrade(store.engine)
        assert "ec_cart_lines" not in sa.inspect(store.engine).get_table_names()
        with store.unit_of_work() as uow:
            assert uow.carts.get("cart_1") == b.cart()
            empty = uow.carts.get_for_customer("cus_2", for_update=True)
            assert empty == attrs.evolve(b.cart("cart_2", "cus_2"), lines=())
            uow.carts.save(empty.with_item("TAB-1", 2, b.T0 + timedelta(seconds=1)))
            uow.commit()
        downgrade(store.engine, "0017")
        assert "lines" not in {c["name"] for c in sa.inspect(store.engine).get_columns("ec_carts")}
        with store.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT cart_id, position, sku, quantity FROM ec_cart_lines"
                    " ORDER BY cart_id, position"
                )
            ).all()
        assert [tuple(r) for r in rows] == [*as_stored, ("cart_2", 0, "TAB-1", 2)]
        with pytest.raises(sa.exc.DBAPIError):  # the old schema's backstop is back
            _raw(store, "UPDATE ec_cart_lines SET quantity = 0")
        upgrade(store.engine)
        with store.unit_of_work() as uow:
            assert uow.carts.get("cart_1") == b.cart()
            moved = uow.carts.get("cart_2")
            assert moved is not None and [(ln.sku, ln.quantity) for ln in moved.lines] == [
                ("TAB-1", 2)
            ]
    finally:
        store.close()
