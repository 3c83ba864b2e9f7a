"""SQL storage: an Engine per shop (nothing global) and a unit of work per transaction."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from ecommerce_core.domain.errors import UnknownBackend
from ecommerce_sqlalchemy import repositories as r
from ecommerce_sqlalchemy.archive import SqlArchive
from ecommerce_sqlalchemy.errors import translate
from ecommerce_sqlalchemy.loyalty import SqlMemberships, SqlRedemptions
from ecommerce_sqlalchemy.memo import RowMemo
from ecommerce_sqlalchemy.outbox import RelayOutbox
from ecommerce_sqlalchemy.pricing import SqlCoupons, SqlPromotions
from ecommerce_sqlalchemy.repositories.aftersales import SqlAfterSales, SqlComplaints
from ecommerce_sqlalchemy.repositories.group_buy import SqlGroupBuys
from ecommerce_sqlalchemy.statements import Statements

__all__ = ["SqlStorage", "SqlUnitOfWork"]

#: How long a transaction waits for a row lock before it fails with ``contention`` (INV-4).
DEFAULT_LOCK_TIMEOUT_MS = 5_000
#: A pooled connection idle for longer than this is pinged before it is handed out.
DEFAULT_PING_AFTER_IDLE_MS = 1_000
_POOL_OPTIONS = ("pool_size", "max_overflow", "pool_timeout", "pool_recycle", "pool_pre_ping")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # the driver's own transaction handling is off; _sqlite_begin issues BEGIN IMMEDIATE
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "busy_timeout=5000",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # SQLite has no row locks: every unit of work takes the write lock up front, so a
    # read-check-write can never interleave with another writer (and never hits BUSY_SNAPSHOT);
    # a connection marked read-only (migrate.READ_ONLY) reads a snapshot and never waits
    if conn.get_execution_options().get("ecommerce_read_only"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class _IdlePing:
    """Ping a pooled connection before handing it out only if it sat idle for a while.

    A connection given back a moment ago was alive a moment ago: pinging it on every checkout
    (``pool_pre_ping``) costs a round trip per unit of work for nothing. One that sat idle may
    have been dropped by the server, a proxy or a firewall: it is pinged, and a dead one is
    replaced before any statement runs on it.
    """

    def __init__(self, engine: Engine, after_ms: int) -> None:
        self._dialect = engine.dialect
        self._after = after_ms / 1000
        sa.event.listen(engine, "checkin", self.checkin)
        sa.event.listen(engine, "checkout", self.checkout)

    @staticmethod
    def checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["ec_idle_since"] = time.monotonic()

    def checkout(self, dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("ec_idle_since")
        if since is None or time.monotonic() - since <= self._after:
            return
        try:
            self._dialect.do_ping(dbapi_conn)
            dbapi_conn.rollback()
        except Exception as exc:
            # the pool discards this connection and hands out a fresh one
            raise sa_exc.DisconnectionError("a pooled connection was dropped") from exc


class SqlStorage:
    """Storage on SQLite, PostgreSQL (psycopg 3) or MariaDB/MySQL (PyMySQL).

    :param options: ``pool_size``, ``max_overflow``, ``pool_timeout``, ``pool_recycle``,
        ``pool_pre_ping`` (passed to SQLAlchemy: True pings on every checkout), and the
        adapter's own: ``lock_timeout_ms`` (default 5000), ``lock_timeout_per_transaction``
        (PostgreSQL: ``SET LOCAL`` in every transaction instead of once per connection, for a
        pooler in transaction mode; default False) and ``ping_after_idle_ms`` (a connection idle
        for longer is pinged before use; default 1000, a negative number never pings).
    """

    def __init__(self, url: str, options: Mapping[str, Any] | None = None) -> None:
        options = dict(options or {})
        self.url = url
        self.lock_timeout_ms = int(options.pop("lock_timeout_ms", DEFAULT_LOCK_TIMEOUT_MS))
        self.lock_timeout_per_transaction = bool(options.pop("lock_timeout_per_transaction", False))
        ping_after_ms = int(options.pop("ping_after_idle_ms", DEFAULT_PING_AFTER_IDLE_MS))
        unknown = set(options) - set(_POOL_OPTIONS)
        if unknown:
            raise UnknownBackend(f"unknown storage options: {', '.join(sorted(unknown))}")
        try:
            parsed = sa.engine.make_url(url)
        except sa_exc.ArgumentError as exc:
            raise UnknownBackend(f"not a database URL: {url}") from exc
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = dict(options)
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs.pop("pool_pre_ping", None)
        elif self.dialect in ("mysql", "mariadb"):
            kwargs.setdefault("isolation_level", "READ COMMITTED")
        try:
            self.engine: Engine = sa.create_engine(parsed, **kwargs)
        except ImportError as exc:
            raise UnknownBackend(
                f"the driver for {parsed.drivername} is not installed (pip install 'ecommerce-core[postgres]' or '[mysql]')"
            ) from exc
        if self.dialect == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            sa.event.listen(self.engine, "begin", _sqlite_begin)
        else:
            sa.event.listen(self.engine, "connect", self._session_settings)
            if not kwargs.get("pool_pre_ping") and ping_after_ms >= 0:
                _IdlePing(self.engine, ping_after_ms)
        #: catalog objects built for pricing, by the content of their rows (see memo.py)
        self.memo = RowMemo()

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self)

    def migrate(self) -> None:
        from ecommerce_sqlalchemy.migrate import upgrade

        upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def _session_settings(self, dbapi_conn: Any, _record: Any) -> None:
        """Bound lock waits once per connection, when it is opened (not once per transaction)."""
        cursor = dbapi_conn.cursor()
        try:
            if self.dialect == "postgresql":
                if not self.lock_timeout_per_transaction:
                    cursor.execute(f"SET lock_timeout = {int(self.lock_timeout_ms)}")
            elif self.dialect in ("mysql", "mariadb"):
                seconds = max(1, self.lock_timeout_ms // 1000)
                cursor.execute(f"SET SESSION innodb_lock_wait_timeout = {seconds}")
        finally:
            cursor.close()
        dbapi_conn.commit()  # a SET in a transaction rolled back later would be undone

    def begin(self, conn: Connection) -> None:
        """Start a transaction (lock waits are bounded per connection, see _session_settings)."""
        conn.begin()
        if self.dialect == "postgresql" and self.lock_timeout_per_transaction:
            # a pooler in transaction mode hands each transaction any server connection
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(self.lock_timeout_ms)}")


class SqlUnitOfWork:
    def __init__(self, storage: SqlStorage) -> None:
        self._storage = storage
        self._conn: Connection | None = None
        self._statements: Statements | None = None

    def __enter__(self) -> Self:
        try:
            self._conn = self._storage.engine.connect()
            self._storage.begin(self._conn)
        except sa_exc.SQLAlchemyError as exc:
            if self._conn is not None:
                self._conn.close()
            raise translate(exc) from exc
        conn = self._statements = Statements(self._conn)
        locking = self._storage.dialect != "sqlite"
        memo = self._storage.memo
        self.categories = r.SqlCategories(conn, locking, memo)
        self.products = r.SqlProducts(conn, locking, memo)
        self.customers = r.SqlCustomers(conn, locking)
        self.carts = r.SqlCarts(conn, locking)
        self.warehouses = r.SqlWarehouses(conn, locking)
        self.stock = r.SqlStock(conn, locking)
        self.stock_ledger = r.SqlStockLedger(conn, locking)
        self.stocktakes = r.SqlStocktakes(conn, locking)
        self.reservations = r.SqlReservations(conn, locking)
        self.orders = r.SqlOrders(conn, locking)
        self.payments = r.SqlPayments(conn, locking)
        self.shipments = r.SqlShipments(conn, locking)
        self.promotions = SqlPromotions(conn, locking)
        self.coupons = SqlCoupons(conn, locking)
        self.memberships = SqlMemberships(conn, locking)
        self.redemptions = SqlRedemptions(conn, locking)
        self.aftersales = SqlAfterSales(conn, locking)
        self.complaints = SqlComplaints(conn, locking)
        self.group_buys = SqlGroupBuys(conn, locking)
        self.notifications = r.SqlNotifications(conn, locking)
        self.outbox = RelayOutbox(conn, locking)
        self.archive = SqlArchive(conn, self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None
        try:
            self.rollback()
        finally:
            self._conn.close()
            self._conn = self._statements = None
        if isinstance(exc, sa_exc.SQLAlchemyError):
            raise translate(exc) from exc

    def commit(self) -> None:
        assert self._conn is not None
        assert self._statements is not None
        try:
            self._statements.flush()  # the writes held for the next statement (statements.py)
            self._conn.commit()
        except sa_exc.SQLAlchemyError as exc:
            raise translate(exc) from exc

    def rollback(self) -> None:
        assert self._conn is not None
        assert self._statements is not None
        self._statements.discard()
        self._conn.rollback()
