"""MongoDB storage: a client per shop (nothing global) and a unit of work per transaction."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

from bson.errors import BSONError
from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import ConfigurationError, PyMongoError

from ecommerce_core.domain.errors import UnknownBackend
from ecommerce_mongo import repositories as r
from ecommerce_mongo.aftersales import MongoAfterSales, MongoComplaints
from ecommerce_mongo.archive import MongoArchive
from ecommerce_mongo.errors import translate, translated
from ecommerce_mongo.group_buy import MongoGroupBuys
from ecommerce_mongo.loyalty import MongoMemberships, MongoRedemptions
from ecommerce_mongo.mapping import Doc
from ecommerce_mongo.outbox import MongoOutbox
from ecommerce_mongo.session import Session
from ecommerce_mongo.stock_ledger import MongoStockLedger, MongoStocktakes
from ecommerce_mongo.topology import deployment_kind, uses_transactions

__all__ = ["DEFAULT_DATABASE", "DEFAULT_LOCK_TIMEOUT_MS", "MongoStorage", "MongoUnitOfWork"]

#: How long a lock waits for another transaction before it fails with ``contention`` (INV-4).
DEFAULT_LOCK_TIMEOUT_MS = 5_000
#: The database when the URL names none (``mongodb://host/shop`` names ``shop``).
DEFAULT_DATABASE = "ecommerce"
_log = logging.getLogger("ecommerce_mongo")


class MongoStorage:
    """Storage on a MongoDB replica set or sharded cluster (4.4 or later), through pymongo.

    Opening asks the server what it is: a standalone server has no multi-document transactions and
    is refused unless ``allow_standalone`` is given (see docs/storage.md for what is lost then).

    :param options: ``allow_standalone`` (default False), ``lock_timeout_ms`` (default 5000),
        ``database`` (default: the URL's, else ``ecommerce``) and ``client_options`` (keyword
        arguments for :class:`pymongo.MongoClient`: ``maxPoolSize``, ``tls``, timeouts...).
    """

    def __init__(self, url: str, options: Mapping[str, Any] | None = None) -> None:
        options = dict(options or {})
        self.url = url
        allow_standalone = options.pop("allow_standalone", False)
        if not isinstance(allow_standalone, bool):
            raise UnknownBackend("allow_standalone is True or False")
        self.lock_timeout_ms = int(options.pop("lock_timeout_ms", DEFAULT_LOCK_TIMEOUT_MS))
        database = options.pop("database", None)
        client_options = dict(options.pop("client_options", None) or {})
        if options:
            raise UnknownBackend(f"unknown storage options: {', '.join(sorted(options))}")
        if "appname=" not in url.lower():  # the URL's own appName wins
            client_options.setdefault("appname", "ecommerce-core")
        try:
            self.client: MongoClient[Doc] = MongoClient(url, **client_options)
        except (ConfigurationError, TypeError, ValueError) as exc:
            raise UnknownBackend(f"not a usable MongoDB URL or client option: {exc}") from exc
        try:
            self.db: Database[Doc] = (
                self.client.get_database(database)
                if database
                else self.client.get_default_database(DEFAULT_DATABASE)
            )
            with translated():
                hello = self.client.admin.command("hello")
            self.transactional = uses_transactions(hello, allow_standalone)
        except BaseException:
            self.client.close()
            raise
        if not self.transactional:
            _log.warning(
                "MongoDB database %s is on a standalone server: units of work are not "
                "transactions (allow_standalone); see docs/storage.md",
                self.db.name,
            )
        self.deployment = deployment_kind(hello)

    def unit_of_work(self) -> MongoUnitOfWork:
        return MongoUnitOfWork(self)

    def migrate(self) -> None:
        from ecommerce_mongo.migrate import upgrade

        upgrade(self.db)

    def close(self) -> None:
        self.client.close()


class MongoUnitOfWork:
    def __init__(self, storage: MongoStorage) -> None:
        self._storage = storage
        self._tx: Session | None = None

    def __enter__(self) -> Self:
        store = self._storage
        tx = Session(store.client, store.transactional, store.lock_timeout_ms / 1000)
        db = store.db
        self.categories = r.MongoCategories(db, tx)
        self.products = r.MongoProducts(db, tx)
        self.customers = r.MongoCustomers(db, tx)
        self.carts = r.MongoCarts(db, tx)
        self.warehouses = r.MongoWarehouses(db, tx)
        self.stock = r.MongoStock(db, tx)
        self.stock_ledger = MongoStockLedger(db, tx)
        self.stocktakes = MongoStocktakes(db, tx)
        self.reservations = r.MongoReservations(db, tx)
        self.orders = r.MongoOrders(db, tx)
        self.payments = r.MongoPayments(db, tx)
        self.shipments = r.MongoShipments(db, tx)
        self.promotions = r.MongoPromotions(db, tx)
        self.coupons = r.MongoCoupons(db, tx)
        self.memberships = MongoMemberships(db, tx)
        self.redemptions = MongoRedemptions(db, tx)
        self.aftersales = MongoAfterSales(db, tx)
        self.complaints = MongoComplaints(db, tx)
        self.group_buys = MongoGroupBuys(db, tx)
        self.notifications = r.MongoNotifications(db, tx)
        self.outbox = MongoOutbox(db, tx)
        self.archive = MongoArchive(db, tx)
        self._tx = tx
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._tx is not None
        try:
            self.rollback()
        finally:
            self._tx.close()
            self._tx = None
        if isinstance(exc, PyMongoError | BSONError):
            raise translate(exc) from exc

    def commit(self) -> None:
        assert self._tx is not None
        self._tx.commit()

    def rollback(self) -> None:
        assert self._tx is not None
        self._tx.rollback()
