"""Writes held for the next statement (src/adapters/ecommerce_sqlalchemy/statements.py).

On PostgreSQL the stock levels, ledger entries, reservations, orders and outbox events a unit of
work writes are held and sent together before its next statement or its commit. Whatever the
database, a unit of work must read what it wrote, and a write that fails must fail the commit and
leave nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ecommerce_core.domain import events as ev
from ecommerce_core.domain.errors import StorageError
from ecommerce_core.domain.stock_ledger import LedgerEntry, MovementKind
from ecommerce_core.ports.storage import Storage
from tests.contract import builders as b
from tests.contract.backends import backend_url, server_marks


def _stocked(name: str, tmp_path: Path) -> Iterator[Any]:
    from ecommerce_sqlalchemy import SqlStorage

    store = SqlStorage(backend_url(name, tmp_path))
    store.migrate()
    with store.unit_of_work() as uow:
        uow.warehouses.add(b.warehouse())
        uow.stock.save([b.stock("PX-1"), b.stock("PX-2")])
        uow.commit()
    yield store
    store.close()


@pytest.fixture(
    params=[pytest.param(n, marks=server_marks(n), id=n) for n in ("sqlite", "postgres", "mysql")]
)
def sql_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    yield from _stocked(request.param, tmp_path)


@pytest.fixture(params=[pytest.param("postgres", marks=server_marks("postgres"), id="postgres")])
def pg_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    yield from _stocked(request.param, tmp_path)


def _entry(sku: str, reserved: int, reference: str = "res_1") -> LedgerEntry:
    return LedgerEntry(
        sku, "sz", MovementKind.RESERVATION, 0, reserved, "cus_1", "", reference, "ord_1", b.T0
    )


def _placed(order_id: str = "ord_1") -> ev.OrderPlaced:
    return ev.OrderPlaced(
        occurred_at=b.T0,
        order_id=order_id,
        number="20260301-AAAA0001",
        customer_id="cus_1",
        total=100,
        currency="CNY",
    )


def _write_a_checkout(uow: Any) -> None:
    uow.orders.add(b.order())
    uow.stock.save([b.stock("PX-1", reserved=4), b.stock("PX-2", reserved=3)])
    uow.stock_ledger.add([_entry("PX-1", 2), _entry("PX-2", 1)])
    uow.reservations.add(b.reservation())
    uow.outbox.add([_placed()])


def test_a_unit_of_work_reads_what_it_wrote_before_it_commits(sql_storage: Storage) -> None:
    with sql_storage.unit_of_work() as uow:
        _write_a_checkout(uow)
        assert uow.stock.get("PX-1", "sz") == b.stock("PX-1", reserved=4)
        assert [(e.sku, e.reserved_delta) for e in uow.stock_ledger.list(order_id="ord_1")] == [
            ("PX-2", 1),
            ("PX-1", 2),
        ]
        assert uow.reservations.get("res_1") == b.reservation()
        order = uow.orders.get("ord_1")
        assert order is not None
        assert order.lines == b.order().lines
        assert [e.name for _, e in uow.outbox.list()] == ["order.placed"]
        uow.commit()
    with sql_storage.unit_of_work() as uow:
        assert uow.stock.for_skus(["PX-1", "PX-2"]) == [
            b.stock("PX-1", reserved=4),
            b.stock("PX-2", reserved=3),
        ]
        assert uow.reservations.get("res_1") == b.reservation()
        assert [e for _, e in uow.outbox.list()] == [_placed()]


def test_a_write_that_fails_fails_the_commit_and_leaves_nothing(sql_storage: Storage) -> None:
    with pytest.raises(StorageError), sql_storage.unit_of_work() as uow:
        _write_a_checkout(uow)
        # more reserved than on hand: the database's backstop refuses it (at once, or when the
        # held writes are sent at the commit)
        uow.stock.save([b.stock("PX-1", on_hand=1, reserved=4)])
        uow.commit()
    with sql_storage.unit_of_work() as uow:
        assert uow.stock.for_skus(["PX-1", "PX-2"]) == [b.stock("PX-1"), b.stock("PX-2")]
        assert uow.stock_ledger.list() == []
        assert uow.reservations.get("res_1") is None
        assert uow.orders.get("ord_1") is None
        assert uow.outbox.list() == []


def test_a_level_saved_twice_is_written_as_last_saved(sql_storage: Storage) -> None:
    with sql_storage.unit_of_work() as uow:
        uow.stock.save([b.stock("PX-1", reserved=5)])
        uow.stock.save([b.stock("PX-1", reserved=3), b.stock("PX-3", on_hand=7, reserved=0)])
        uow.commit()
    with sql_storage.unit_of_work() as uow:
        assert uow.stock.for_skus(["PX-1", "PX-3"]) == [
            b.stock("PX-1", reserved=3),
            b.stock("PX-3", on_hand=7, reserved=0),
        ]


def test_postgresql_sends_a_checkouts_writes_in_one_statement(pg_storage: Any) -> None:
    # only PostgreSQL holds writes (SQLite and MariaDB have no data-modifying WITH)
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    sa.event.listen(pg_storage.engine, "before_cursor_execute", record)
    try:
        with pg_storage.unit_of_work() as uow:
            _write_a_checkout(uow)
            assert sent == []  # nothing sent yet
            uow.commit()
    finally:
        sa.event.remove(pg_storage.engine, "before_cursor_execute", record)
    assert len(sent) == 1
    for table in (
        "ec_orders",
        "ec_stock_levels",
        "ec_stock_ledger",
        "ec_reservations",
        "ec_outbox",
    ):
        assert f"INSERT INTO {table} " in sent[0]


def test_two_kinds_of_held_write_may_not_share_a_parameter_name() -> None:
    from ecommerce_sqlalchemy import tables as t
    from ecommerce_sqlalchemy.statements import Append, Statements

    one = Append("one", [sa.insert(t.warehouses).values(id=sa.bindparam("x"))], dict)
    two = Append(
        "two", [sa.delete(t.warehouses).where(t.warehouses.c.id == sa.bindparam("x"))], dict
    )

    class Connection:
        dialect = sa.dialects.postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]

        def execute(self, *_: Any) -> None:
            raise AssertionError("nothing may be sent")

    statements = Statements(Connection())  # type: ignore[arg-type]
    statements.append(one, {"x": "a"})
    statements.append(two, {"x": "b"})
    with pytest.raises(ValueError, match="share parameter names"):
        statements.flush()


def test_a_stock_read_sees_the_levels_saved_before_it(sql_storage: Storage) -> None:
    with sql_storage.unit_of_work() as uow:
        uow.orders.add(b.order())  # may travel with the read (it writes no stock)
        uow.stock.save([b.stock("PX-1", reserved=6)])  # may not: the read must see it
        assert uow.stock.for_skus(["PX-1"], for_update=True) == [b.stock("PX-1", reserved=6)]
        uow.commit()
    with sql_storage.unit_of_work() as uow:
        assert uow.orders.get("ord_1") is not None


def test_postgresql_sends_a_held_order_with_the_read_that_locks_the_stock(pg_storage: Any) -> None:
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    sa.event.listen(pg_storage.engine, "before_cursor_execute", record)
    try:
        with pg_storage.unit_of_work() as uow:
            uow.orders.add(b.order())
            levels = uow.stock.for_skus(["PX-2", "PX-1"], for_update=True)
            assert levels == [b.stock("PX-1"), b.stock("PX-2")]
            assert len(sent) == 1
            assert "INSERT INTO ec_orders " in sent[0]
            assert "FOR UPDATE" in sent[0]
            uow.commit()
    finally:
        sa.event.remove(pg_storage.engine, "before_cursor_execute", record)
    with pg_storage.unit_of_work() as uow:
        assert uow.orders.get("ord_1") == b.order()


def test_a_locked_cart_saved_is_what_the_next_statement_reads(sql_storage: Storage) -> None:
    with sql_storage.unit_of_work() as uow:
        uow.carts.save(b.cart())
        uow.commit()
    with sql_storage.unit_of_work() as uow:
        cart = uow.carts.get_for_customer("cus_1", for_update=True)
        assert cart == b.cart()
        emptied = cart.emptied(b.T0)
        uow.carts.save(emptied)  # held on PostgreSQL: the dump's read must send it first
        assert uow.archive.dump()["carts"] == [emptied]
        uow.commit()
    with sql_storage.unit_of_work() as uow:
        assert uow.carts.get("cart_1") == emptied


def test_postgresql_sends_an_emptied_cart_with_the_order_and_the_stock_lock(
    pg_storage: Any,
) -> None:
    with pg_storage.unit_of_work() as uow:
        uow.carts.save(b.cart())
        uow.commit()
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    with pg_storage.unit_of_work() as uow:
        cart = uow.carts.get_for_customer("cus_1", for_update=True)
        assert cart is not None
        sa.event.listen(pg_storage.engine, "before_cursor_execute", record)
        try:
            uow.orders.add(b.order())
            uow.carts.save(cart.emptied(b.T0))
            assert sent == []
            uow.stock.for_skus(["PX-2", "PX-1"], for_update=True)
            assert len(sent) == 1
            for part in ("INSERT INTO ec_orders ", "UPDATE ec_carts ", "FOR UPDATE"):
                assert part in sent[0]
            uow.commit()
        finally:
            sa.event.remove(pg_storage.engine, "before_cursor_execute", record)
    with pg_storage.unit_of_work() as uow:
        stored = uow.carts.get_for_customer("cus_1")
        assert stored is not None and stored.lines == ()
        assert uow.orders.get("ord_1") == b.order()
