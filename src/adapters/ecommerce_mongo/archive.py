"""Whole-store dump and load for backups, inside the unit of work's transaction.

A dump reads every collection from the transaction's one snapshot; a load writes everything in
that transaction (after ``clear`` when replacing). Both are bounded by the server's limits on a
transaction (``transactionLifetimeLimitSeconds``, 60 s by default): see docs/storage.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pymongo.collection import Collection
from pymongo.database import Database

from ecommerce_core.archive import parents_first
from ecommerce_mongo import aftersales as a
from ecommerce_mongo import group_buy as gb
from ecommerce_mongo import loyalty as lo
from ecommerce_mongo import mapping as m
from ecommerce_mongo import schema as s
from ecommerce_mongo.mapping import Doc
from ecommerce_mongo.outbox import raise_counter
from ecommerce_mongo.repositories import BY_ID, CLAIMS_ORDER, bump_catalogue, find_all
from ecommerce_mongo.session import Session
from ecommerce_mongo.stock_ledger import COUNTER as LEDGER_COUNTER
from ecommerce_mongo.stock_ledger import (
    entry_from_doc,
    entry_to_doc,
    stocktake_from_doc,
    stocktake_to_doc,
)

__all__ = ["MongoArchive"]

#: kind -> (collection, document to object, object to document), in the order a restore writes
_AGGREGATES: dict[str, tuple[str, Callable[[Doc], Any], Callable[[Any], Doc]]] = {
    "categories": (s.CATEGORIES, m.category_from_doc, m.category_to_doc),
    "products": (s.PRODUCTS, m.product_from_doc, m.product_to_doc),
    "warehouses": (s.WAREHOUSES, m.warehouse_from_doc, m.warehouse_to_doc),
    "customers": (s.CUSTOMERS, m.customer_from_doc, m.customer_to_doc),
    "carts": (s.CARTS, m.cart_from_doc, m.cart_to_doc),
    "promotions": (s.PROMOTIONS, m.promotion_from_doc, m.promotion_to_doc),
    "coupons": (s.COUPONS, m.coupon_from_doc, m.coupon_to_doc),
    "coupon_codes": (s.COUPON_CODES, m.code_from_doc, m.code_to_doc),
    "group_buys": (s.GROUP_BUYS, gb.group_buy_from_doc, gb.group_buy_to_doc),
    "stocktakes": (s.STOCKTAKES, stocktake_from_doc, stocktake_to_doc),
    "reservations": (s.RESERVATIONS, m.reservation_from_doc, m.reservation_to_doc),
    "orders": (s.ORDERS, m.order_from_doc, m.order_to_doc),
    "payments": (s.PAYMENTS, m.payment_from_doc, m.payment_to_doc),
    "shipments": (s.SHIPMENTS, m.shipment_from_doc, m.shipment_to_doc),
    "memberships": (s.MEMBERSHIPS, lo.membership_from_doc, lo.membership_to_doc),
    "points_ledger": (s.POINTS_LEDGER, lo.entry_from_doc, lo.entry_to_doc),
    "redemptions": (s.REDEMPTIONS, lo.redemption_from_doc, lo.redemption_to_doc),
    "aftersales_requests": (s.AFTERSALES_REQUESTS, a.request_from_doc, a.request_to_doc),
    "complaints": (s.COMPLAINTS, a.complaint_from_doc, a.complaint_to_doc),
}


class MongoArchive:
    def __init__(self, db: Database[Doc], tx: Session) -> None:
        self._db = db
        self._tx = tx

    def _col(self, name: str) -> Collection[Doc]:
        return self._db[name]

    def _all(self, name: str, sort: list[tuple[str, int]]) -> list[Doc]:
        return self._tx.read(find_all, self._col(name), {}, sort)

    def dump(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            kind: [read(d) for d in self._all(name, BY_ID)]
            for kind, (name, read, _) in _AGGREGATES.items()
        }
        # parents before children, as every backend writes them
        data["categories"] = parents_first(data["categories"])
        data["stock"] = [
            m.stock_from_doc(d) for d in self._all(s.STOCK, [("sku", 1), ("warehouse_id", 1)])
        ]
        data["stock_ledger"] = [entry_from_doc(d) for d in self._all(s.STOCK_LEDGER, BY_ID)]
        # wallets have no _id of ours: in (coupon, customer) order, as every backend dumps them
        data["coupon_claims"] = [
            m.claim_from_doc(d) for d in self._all(s.COUPON_CLAIMS, CLAIMS_ORDER)
        ]
        data["notifications"] = [
            m.notification_from_doc(d)
            for d in self._all(s.NOTIFICATIONS, [("provider", 1), ("event_id", 1)])
        ]
        data["outbox"] = [m.event_from_doc(d) for d in self._all(s.OUTBOX, BY_ID)]
        data["deliveries"] = [
            m.delivery_from_doc(d)
            for d in self._all(s.DELIVERIES, [("consumer", 1), ("event_id", 1)])
        ]
        return data

    def is_empty(self) -> bool:
        return all(
            self._tx.read(self._col(name).find_one, {}, {"_id": 1}) is None
            for name in s.DATA_COLLECTIONS
        )

    def clear(self) -> None:
        for name in s.DATA_COLLECTIONS:
            self._tx.write(self._col(name).delete_many, {})
        bump_catalogue(self._db, self._tx)

    def _insert(self, name: str, docs: Sequence[Doc]) -> None:
        if docs:
            self._tx.write(self._col(name).insert_many, list(docs))

    def load(self, data: Mapping[str, Sequence[Any]]) -> None:
        bump_catalogue(self._db, self._tx)  # even with no promotion: no cache serves the old store
        for kind, (name, _, write) in _AGGREGATES.items():
            self._insert(name, [write(item) for item in data.get(kind, ())])
        self._insert(s.STOCK, [m.stock_to_doc(level) for level in data.get("stock", ())])
        entries = list(data.get("stock_ledger", ()))
        if entries:
            # ids are kept, as the outbox's are
            raise_counter(self._db, max(e.id for e in entries), LEDGER_COUNTER)
        self._insert(s.STOCK_LEDGER, [entry_to_doc(e) for e in entries])
        self._insert(
            s.COUPON_CLAIMS, [m.claim_to_doc(claim) for claim in data.get("coupon_claims", ())]
        )
        self._insert(
            s.NOTIFICATIONS,
            [{"provider": p, "event_id": e} for p, e in data.get("notifications", ())],
        )
        events = list(data.get("outbox", ()))
        if events:
            # ids are kept; first make sure the counter never hands one of them out again
            raise_counter(self._db, max(event_id for event_id, _ in events))
        self._insert(s.OUTBOX, [m.event_to_doc(i, e) for i, e in events])
        deliveries = list(data.get("deliveries", ()))
        consumers = sorted({consumer for consumer, _ in deliveries})
        self._insert(s.CONSUMERS, [{"_id": c, "turns": 0} for c in consumers])
        self._insert(s.DELIVERIES, [{"consumer": c, "event_id": i} for c, i in deliveries])
