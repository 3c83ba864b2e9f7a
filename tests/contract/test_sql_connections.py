"""Connections of the SQL adapter on PostgreSQL and MariaDB: lock waits are bounded in every unit
of work, whether the bound is set once per connection (the default) or per transaction, and a
pooled connection dropped while idle is replaced before a unit of work runs on it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ecommerce_core.domain.errors import StorageUnavailable
from tests.contract import builders as b
from tests.contract.backends import backend_url, server_marks


@pytest.fixture(
    params=[pytest.param(n, marks=server_marks(n), id=n) for n in ("postgres", "mysql")]
)
def server_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request.param, tmp_path)


def _open(url: str, **options: Any) -> Any:
    from ecommerce_sqlalchemy import SqlStorage

    return SqlStorage(url, {"pool_size": 1, "max_overflow": 0, **options})


def _lock_bound(uow: Any) -> str:
    conn = uow._conn  # the unit of work's own connection and transaction
    if conn.dialect.name == "postgresql":
        return str(conn.exec_driver_sql("SHOW lock_timeout").scalar_one())
    return str(conn.exec_driver_sql("SELECT @@innodb_lock_wait_timeout").scalar_one())


def _backend_id(uow: Any) -> int:
    conn = uow._conn
    if conn.dialect.name == "postgresql":
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    return int(conn.exec_driver_sql("SELECT CONNECTION_ID()").scalar_one())


def _kill(url: str, backend: int) -> None:
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": backend})
            else:
                conn.exec_driver_sql(f"KILL {int(backend)}")
    finally:
        admin.dispose()
    time.sleep(0.2)  # the server closes the socket after answering


@pytest.mark.parametrize("per_transaction", [False, True])
def test_every_unit_of_work_waits_for_a_lock_at_most_the_configured_time(
    server_url: str, per_transaction: bool
) -> None:
    store = _open(server_url, lock_timeout_ms=3000, lock_timeout_per_transaction=per_transaction)
    try:
        store.migrate()
        for _ in range(3):  # the same pooled connection, again and again
            with store.unit_of_work() as uow:
                assert _lock_bound(uow) in ("3s", "3")
    finally:
        store.close()


def test_a_pooled_connection_dropped_while_idle_is_replaced_before_use(server_url: str) -> None:
    store = _open(server_url, ping_after_idle_ms=0)
    try:
        store.migrate()
        with store.unit_of_work() as uow:
            uow.categories.add(b.category())
            uow.commit()
            first = _backend_id(uow)
        _kill(server_url, first)
        with store.unit_of_work() as uow:
            assert uow.categories.get("cat_1") == b.category()
            assert _backend_id(uow) != first
    finally:
        store.close()


def test_without_a_ping_a_dropped_connection_fails_one_unit_of_work_then_heals(
    server_url: str,
) -> None:
    store = _open(server_url, ping_after_idle_ms=-1)
    try:
        store.migrate()
        with store.unit_of_work() as uow:
            first = _backend_id(uow)
        _kill(server_url, first)
        with pytest.raises(StorageUnavailable), store.unit_of_work() as uow:
            uow.categories.get("cat_1")
        with store.unit_of_work() as uow:
            assert uow.categories.get("cat_1") is None
    finally:
        store.close()
