"""Repositories over one unit of work's session: one collection per aggregate, parts embedded."""

from __future__ import annotations

import builtins
from collections.abc import Collection as Collection_
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.database import Database

from ecommerce_core.domain.cart import Cart
from ecommerce_core.domain.catalog import Category, Product
from ecommerce_core.domain.customers import Customer
from ecommerce_core.domain.errors import Contention, NotFound
from ecommerce_core.domain.inventory import (
    Reservation,
    ReservationStatus,
    StockLevel,
    Warehouse,
)
from ecommerce_core.domain.orders import Order
from ecommerce_core.domain.payments import Payment
from ecommerce_core.domain.pricing import Coupon, CouponClaim, CouponCode, Promotion
from ecommerce_core.domain.shipping import Shipment
from ecommerce_mongo import mapping as m
from ecommerce_mongo import schema as s
from ecommerce_mongo.mapping import Doc
from ecommerce_mongo.session import LOCK_FIELD, Session

Sort = list[tuple[str, int]]
BY_ID: Sort = [("_id", 1)]
_STOCK_ORDER: Sort = [("sku", 1), ("warehouse_id", 1)]
_NEWEST: Sort = [("placed_at", -1), ("_id", -1)]
_OLDEST: Sort = [("created_at", 1), ("_id", 1)]
_EXPIRY: Sort = [("expires_at", 1), ("_id", 1)]
_CHANGED: Sort = [("updated_at", 1), ("_id", 1)]
CLAIMS_ORDER: Sort = [("coupon_id", 1), ("customer_id", 1)]


def find_all(
    collection: Collection[Doc],
    query: Mapping[str, Any],
    sort: Sort | None = None,
    limit: int = 0,
    *,
    session: ClientSession | None,
) -> list[Doc]:
    """Every matching document, read to the end inside the session (0: no limit)."""
    cursor = collection.find(query, session=session)
    if sort:
        cursor = cursor.sort(sort)
    if limit:
        cursor = cursor.limit(limit)
    return list(cursor)


class _Repo:
    collection = ""

    def __init__(self, db: Database[Doc], tx: Session) -> None:
        self._col: Collection[Doc] = db[self.collection]
        self._tx = tx

    def _one(self, query: Mapping[str, Any]) -> Doc | None:
        return self._tx.read(self._col.find_one, query)

    def _all(self, query: Mapping[str, Any], sort: Sort | None = None, limit: int = 0) -> list[Doc]:
        return self._tx.read(find_all, self._col, query, sort, limit)

    def _insert(self, doc: Doc) -> None:
        self._tx.write(self._col.insert_one, doc)

    def _replace(self, doc: Doc, what: str) -> None:
        done = self._tx.write(self._col.replace_one, {"_id": doc["_id"]}, doc)
        if done.matched_count == 0:
            raise NotFound(f"no such {what}", id=str(doc["_id"]))

    def _locked(self, key: str) -> Doc | None:
        """The document, locked until the unit of work ends: a write to it, which the transaction
        holds (MongoDB has no SELECT ... FOR UPDATE). Without transactions, simply read."""
        if not self._tx.transactional:
            return self._one({"_id": key})
        return self._tx.lock(
            self._col.find_one_and_update,
            {"_id": key},
            {"$inc": {LOCK_FIELD: 1}},
            return_document=ReturnDocument.AFTER,
        )

    def _get(self, key: str, for_update: bool = False) -> Doc | None:
        return self._locked(key) if for_update else self._one({"_id": key})


class MongoCategories(_Repo):
    collection = s.CATEGORIES

    def __init__(self, db: Database[Doc], tx: Session) -> None:
        super().__init__(db, tx)
        self._db = db

    def add(self, category: Category) -> None:
        self._insert(m.category_to_doc(category))
        bump_catalogue(self._db, self._tx)  # pricing caches the tree under the catalogue version

    def update(self, category: Category) -> None:
        self._replace(m.category_to_doc(category), "category")
        bump_catalogue(self._db, self._tx)

    def get(self, category_id: str) -> Category | None:
        d = self._get(category_id)
        return None if d is None else m.category_from_doc(d)

    def lineage(self, category_ids: Iterable[str]) -> list[Category]:
        # one read per level of the tree (trees are shallow), each by the primary key
        found: dict[str, Category] = {}
        wanted = set(category_ids)
        while wanted:
            level = [m.category_from_doc(d) for d in self._all({"_id": {"$in": sorted(wanted)}})]
            for category in level:
                found[category.id] = category
            wanted = {c.parent_id for c in level if c.parent_id is not None} - set(found)
        return list(found.values())

    def list(self) -> list[Category]:
        return [m.category_from_doc(d) for d in self._all({}, BY_ID)]


class MongoProducts(_Repo):
    collection = s.PRODUCTS

    def add(self, product: Product) -> None:
        # the multikey unique index on variants.sku refuses a SKU another product has
        self._insert(m.product_to_doc(product))

    def get(self, product_id: str) -> Product | None:
        d = self._get(product_id)
        return None if d is None else m.product_from_doc(d)

    def get_by_sku(self, sku: str) -> Product | None:
        return self.get_by_skus([sku]).get(sku)

    def get_by_skus(self, skus: Iterable[str]) -> dict[str, Product]:
        wanted = sorted(set(skus))
        if not wanted:
            return {}
        found = [m.product_from_doc(d) for d in self._all({"variants.sku": {"$in": wanted}}, BY_ID)]
        return {v.sku: p for p in found for v in p.variants if v.sku in wanted}

    def list(self, category_ids: Iterable[str] | None = None) -> list[Product]:
        if category_ids is None:
            return [m.product_from_doc(d) for d in self._all({}, BY_ID)]
        scope = sorted(set(category_ids))
        if not scope:
            return []
        return [m.product_from_doc(d) for d in self._all({"category_id": {"$in": scope}}, BY_ID)]


class MongoCustomers(_Repo):
    collection = s.CUSTOMERS

    def add(self, customer: Customer) -> None:
        self._insert(m.customer_to_doc(customer))

    def get(self, customer_id: str) -> Customer | None:
        d = self._get(customer_id)
        return None if d is None else m.customer_from_doc(d)

    def get_by_email(self, email: str) -> Customer | None:
        d = self._one({"email_key": email.lower()})
        return None if d is None else m.customer_from_doc(d)

    def update(self, customer: Customer) -> None:
        self._replace(m.customer_to_doc(customer), "customer")


class MongoCarts(_Repo):
    collection = s.CARTS

    def get(self, cart_id: str) -> Cart | None:
        d = self._get(cart_id)
        return None if d is None else m.cart_from_doc(d)

    def get_for_customer(self, customer_id: str, *, for_update: bool = False) -> Cart | None:
        d = self._one({"customer_id": customer_id})
        if d is not None and for_update:
            d = self._locked(d["_id"])  # read again under the lock: it may have been emptied
        return None if d is None else m.cart_from_doc(d)

    def save(self, cart: Cart) -> None:
        doc = m.cart_to_doc(cart)
        self._tx.write(self._col.replace_one, {"_id": cart.id}, doc, upsert=True)


class MongoWarehouses(_Repo):
    collection = s.WAREHOUSES

    def __init__(self, db: Database[Doc], tx: Session) -> None:
        super().__init__(db, tx)
        self._db = db

    def add(self, warehouse: Warehouse) -> None:
        self._insert(m.warehouse_to_doc(warehouse))
        bump_catalogue(self._db, self._tx)  # allocation caches them under the catalogue version

    def list(self) -> list[Warehouse]:
        return [m.warehouse_from_doc(d) for d in self._all({}, BY_ID)]

    def update(self, warehouse: Warehouse) -> None:
        self._replace(m.warehouse_to_doc(warehouse), "warehouse")
        bump_catalogue(self._db, self._tx)


class MongoStock(_Repo):
    """Stock levels, changed only by guarded atomic updates.

    A level this unit of work has read is saved as the change since that read (``$inc``), applied
    only if the result keeps ``0 <= reserved <= on_hand + backorder_limit`` and ``on_hand >= 0``
    (an ``$expr`` guard in the filter). In a transaction the level is locked (``for_update``) and
    the change is exactly the new value; on a standalone server it is what keeps two processes
    from selling the same last unit. A level the unit of work has not read is written whole
    (``$set``, inserted if new).
    """

    collection = s.STOCK

    def __init__(self, db: Database[Doc], tx: Session) -> None:
        super().__init__(db, tx)
        self._seen: dict[tuple[str, str], tuple[int, int]] = {}

    def _remember(self, docs: Iterable[Doc]) -> list[StockLevel]:
        levels = [m.stock_from_doc(d) for d in docs]
        for level in levels:
            self._seen[level.key] = (level.on_hand, level.reserved)
        return levels

    def get(self, sku: str, warehouse_id: str) -> StockLevel | None:
        d = self._one({"sku": sku, "warehouse_id": warehouse_id})
        return None if d is None else self._remember([d])[0]

    def for_skus(self, skus: Iterable[str], *, for_update: bool = False) -> list[StockLevel]:
        wanted = sorted(set(skus))
        if not wanted:
            return []
        query = {"sku": {"$in": wanted}}
        if for_update and self._tx.transactional:
            # MongoDB never waits on a lock, so there is no lock order to keep: a conflict fails
            # at once and the session waits it out (see session.py)
            self._tx.lock(self._col.update_many, query, {"$inc": {LOCK_FIELD: 1}})
        return self._remember(self._all(query, _STOCK_ORDER))

    def save(self, levels: Sequence[StockLevel]) -> None:
        for level in sorted(levels, key=lambda lv: lv.key):
            key = {"sku": level.sku, "warehouse_id": level.warehouse_id}
            seen = self._seen.get(level.key)
            if seen is None:
                values = {"on_hand": level.on_hand, "reserved": level.reserved}
                self._tx.write(self._col.update_one, key, {"$set": values}, upsert=True)
            else:
                self._apply(key, level.on_hand - seen[0], level.reserved - seen[1])
            self._seen[level.key] = (level.on_hand, level.reserved)

    def _apply(self, key: dict[str, str], on_hand: int, reserved: int) -> None:
        if not (on_hand or reserved):
            return
        new_reserved = {"$add": ["$reserved", reserved]}
        guard = {
            "$and": [
                {"$gte": [new_reserved, 0]},
                {"$gte": [{"$add": ["$on_hand", on_hand]}, 0]},
                {"$lte": [new_reserved, {"$add": ["$on_hand", on_hand, s.BACKORDER_LIMIT]}]},
            ]
        }
        done = self._tx.write(
            self._col.update_one,
            {**key, "$expr": guard},
            {"$inc": {"on_hand": on_hand, "reserved": reserved}},
        )
        if done.matched_count == 0:
            raise Contention(
                "the stock changed meanwhile; try again",
                sku=key["sku"],
                warehouse_id=key["warehouse_id"],
            )

    def configure(self, levels: Sequence[StockLevel]) -> None:
        for level in sorted(levels, key=lambda lv: lv.key):
            key = {"sku": level.sku, "warehouse_id": level.warehouse_id}
            settings: Doc = {
                "safety_stock": level.safety_stock,
                "backorder_limit": level.backorder_limit,
            }
            unset: Doc = {}
            if level.available_from is None:
                unset["available_from"] = ""
            else:
                settings["available_from"] = m.time_to_text(level.available_from)
            if level.low_stock_threshold is None:
                unset["low_stock_threshold"] = ""
            else:
                settings["low_stock_threshold"] = level.low_stock_threshold
            update: Doc = {
                "$set": settings,
                "$setOnInsert": {"on_hand": level.on_hand, "reserved": level.reserved},
            }
            if unset:
                update["$unset"] = unset
            self._tx.write(self._col.update_one, key, update, upsert=True)

    def list(self) -> list[StockLevel]:
        return self._remember(self._all({}, _STOCK_ORDER))


class MongoReservations(_Repo):
    collection = s.RESERVATIONS

    def add(self, reservation: Reservation) -> None:
        self._insert(m.reservation_to_doc(reservation))

    def get(self, reservation_id: str, *, for_update: bool = False) -> Reservation | None:
        d = self._get(reservation_id, for_update)
        return None if d is None else m.reservation_from_doc(d)

    def update(self, reservation: Reservation) -> None:
        self._replace(m.reservation_to_doc(reservation), "reservation")

    def expired(self, now: datetime, limit: int = 100) -> list[Reservation]:
        if limit <= 0:  # pymongo reads a limit of 0 as "no limit"
            return []
        # times are fixed-width UTC text, so comparing the text compares the instants
        query = {
            "status": ReservationStatus.ACTIVE.value,
            "expires_at": {"$lte": m.time_to_text(now)},
        }
        return [m.reservation_from_doc(d) for d in self._all(query, _EXPIRY, limit)]


class MongoOrders(_Repo):
    collection = s.ORDERS

    def add(self, order: Order) -> None:
        # unique indexes: the number, and (customer, idempotency key) when there is a key
        self._insert(m.order_to_doc(order))

    def get(self, order_id: str, *, for_update: bool = False) -> Order | None:
        d = self._get(order_id, for_update)
        return None if d is None else m.order_from_doc(d)

    def get_by_number(self, number: str) -> Order | None:
        d = self._one({"number": number})
        return None if d is None else m.order_from_doc(d)

    def get_by_idempotency_key(self, customer_id: str, key: str) -> Order | None:
        d = self._one({"customer_id": customer_id, "idempotency_key": key})
        return None if d is None else m.order_from_doc(d)

    def update(self, order: Order) -> None:
        self._replace(m.order_to_doc(order), "order")

    def list(self, customer_id: str | None = None, limit: int = 100) -> list[Order]:
        if limit <= 0:  # pymongo reads a limit of 0 as "no limit"
            return []
        query = {} if customer_id is None else {"customer_id": customer_id}
        return [m.order_from_doc(d) for d in self._all(query, _NEWEST, limit)]

    def in_status(
        self, status: str, *, updated_before: datetime, limit: int = 100
    ) -> builtins.list[Order]:
        if limit <= 0:  # pymongo reads a limit of 0 as "no limit"
            return []
        # times are fixed-width UTC text, so comparing the text compares the instants
        query = {"status": status, "updated_at": {"$lte": m.time_to_text(updated_before)}}
        return [m.order_from_doc(d) for d in self._all(query, _CHANGED, limit)]

    def has_orders(self, customer_id: str) -> bool:
        # the (customer, idempotency key) index answers it; only the id comes back
        return (
            self._tx.read(self._col.find_one, {"customer_id": customer_id}, {"_id": 1}) is not None
        )


class MongoPayments(_Repo):
    collection = s.PAYMENTS

    def add(self, payment: Payment) -> None:
        self._insert(m.payment_to_doc(payment))

    def get(self, payment_id: str, *, for_update: bool = False) -> Payment | None:
        d = self._get(payment_id, for_update)
        return None if d is None else m.payment_from_doc(d)

    def get_by_idempotency_key(self, order_id: str, key: str) -> Payment | None:
        d = self._one({"order_id": order_id, "idempotency_key": key})
        return None if d is None else m.payment_from_doc(d)

    def get_by_provider_ref(self, gateway: str, provider_ref: str) -> Payment | None:
        if not provider_ref:
            return None
        found = self._all({"gateway": gateway, "provider_ref": provider_ref}, _OLDEST, 1)
        return m.payment_from_doc(found[0]) if found else None

    def list_for_order(self, order_id: str) -> list[Payment]:
        return [m.payment_from_doc(d) for d in self._all({"order_id": order_id}, _OLDEST)]

    def update(self, payment: Payment) -> None:
        self._replace(m.payment_to_doc(payment), "payment")


class MongoShipments(_Repo):
    collection = s.SHIPMENTS

    def add(self, shipment: Shipment) -> None:
        self._insert(m.shipment_to_doc(shipment))

    def get(self, shipment_id: str) -> Shipment | None:
        d = self._get(shipment_id)
        return None if d is None else m.shipment_from_doc(d)

    def list_for_order(self, order_id: str) -> list[Shipment]:
        return [m.shipment_from_doc(d) for d in self._all({"order_id": order_id}, _OLDEST)]

    def update(self, shipment: Shipment) -> None:
        self._replace(m.shipment_to_doc(shipment), "shipment")


def _no_limit(field: str) -> dict[str, Any]:
    """True when ``field`` is null: no limit (an aggregation expression, for ``$expr``)."""
    return {"$eq": [{"$ifNull": [field, None]}, None]}


#: ``used < usage_limit``, or no limit: the guard of every use taken (PROMISES CPN-1)
_USE_LEFT = {"$or": [_no_limit("$usage_limit"), {"$lt": ["$used", "$usage_limit"]}]}


#: the ``ec_counters`` document whose ``seq`` is the promotion catalogue version
CATALOGUE = "promotion_catalogue"


def bump_catalogue(db: Database[Doc], tx: Session) -> None:
    """A new promotion catalogue version, in this unit of work (a promotion added or changed,
    a backup restored). Counters are the store's own: a restore never takes the version back."""
    tx.write(db[s.COUNTERS].update_one, {"_id": CATALOGUE}, {"$inc": {"seq": 1}}, upsert=True)


class MongoPromotions(_Repo):
    """Promotions; ``used`` and ``discount_given`` change only by one guarded ``$inc``."""

    collection = s.PROMOTIONS

    def __init__(self, db: Database[Doc], tx: Session) -> None:
        super().__init__(db, tx)
        self._db = db

    def add(self, promotion: Promotion) -> None:
        self._insert(m.promotion_to_doc(promotion))
        bump_catalogue(self._db, self._tx)

    def catalogue_version(self) -> int:
        found = self._tx.read(self._db[s.COUNTERS].find_one, {"_id": CATALOGUE})
        return 0 if found is None else int(found["seq"])

    def usage(self, promotion_ids: Collection_[str]) -> dict[str, tuple[int, int]]:
        ids = sorted(set(promotion_ids))
        if not ids:
            return {}
        docs = self._all({"_id": {"$in": ids}})
        return {str(d["_id"]): (int(d["used"]), int(d["discount_given"])) for d in docs}

    def get(self, promotion_id: str) -> Promotion | None:
        d = self._get(promotion_id)
        return None if d is None else m.promotion_from_doc(d)

    def list(self) -> list[Promotion]:
        return [m.promotion_from_doc(d) for d in self._all({}, BY_ID)]

    def set_active(self, promotion_id: str, active: bool) -> None:
        done = self._tx.write(
            self._col.update_one, {"_id": promotion_id}, {"$set": {"active": active}}
        )
        if done.matched_count == 0:
            raise NotFound("no such promotion", id=promotion_id)
        bump_catalogue(self._db, self._tx)

    def take_use(self, promotion_id: str, discount: int) -> bool:
        # one conditional update, never read-then-write: of two units of work taking the last
        # use (or the last of the budget), the filter matches for one only (CPN-1)
        guard = {
            "$and": [
                _USE_LEFT,
                {
                    "$or": [
                        _no_limit("$budget"),
                        {"$lte": [{"$add": ["$discount_given", discount]}, "$budget.amount"]},
                    ]
                },
            ]
        }
        done = self._tx.write(
            self._col.update_one,
            {"_id": promotion_id, "$expr": guard},
            {"$inc": {"used": 1, "discount_given": discount}},
        )
        return done.modified_count == 1

    def give_back(self, promotion_id: str, discount: int) -> bool:
        done = self._tx.write(
            self._col.update_one,
            {"_id": promotion_id, "used": {"$gt": 0}, "discount_given": {"$gte": discount}},
            {"$inc": {"used": -1, "discount_given": -discount}},
        )
        return done.modified_count == 1


class MongoCoupons:
    """Coupons, their codes and the customers' wallets, in three collections. Counts change only
    by conditional updates (a filter that says whether a use is left, and ``$inc``)."""

    def __init__(self, db: Database[Doc], tx: Session) -> None:
        self._coupons: Collection[Doc] = db[s.COUPONS]
        self._codes: Collection[Doc] = db[s.COUPON_CODES]
        self._claims: Collection[Doc] = db[s.COUPON_CLAIMS]
        self._tx = tx

    def _one(self, col: Collection[Doc], query: Mapping[str, Any]) -> Doc | None:
        return self._tx.read(col.find_one, query)

    def _all(self, col: Collection[Doc], query: Mapping[str, Any], sort: Sort) -> list[Doc]:
        return self._tx.read(find_all, col, query, sort)

    def add(self, coupon: Coupon) -> None:
        self._tx.write(self._coupons.insert_one, m.coupon_to_doc(coupon))

    def get(self, coupon_id: str) -> Coupon | None:
        d = self._one(self._coupons, {"_id": coupon_id})
        return None if d is None else m.coupon_from_doc(d)

    def add_codes(self, codes: Sequence[CouponCode]) -> None:
        # the code is the _id: a taken code (or one twice in the batch) is a duplicate key
        if codes:
            self._tx.write(self._codes.insert_many, [m.code_to_doc(c) for c in codes])

    def get_code(self, code: str) -> CouponCode | None:
        d = self._one(self._codes, {"_id": code})
        return None if d is None else m.code_from_doc(d)

    def codes(self, coupon_id: str) -> list[CouponCode]:
        return [m.code_from_doc(d) for d in self._all(self._codes, {"coupon_id": coupon_id}, BY_ID)]

    def bind_code(self, code: str, customer_id: str) -> bool:
        # conditional: of two customers claiming one personal code, the filter matches for one
        done = self._tx.write(
            self._codes.update_one,
            {"_id": code, "personal": True, "customer_id": None},
            {"$set": {"customer_id": customer_id}},
        )
        return done.modified_count == 1

    def add_claim(self, claim: CouponClaim) -> None:
        # the unique index on (coupon_id, customer_id) refuses a second claim
        self._tx.write(self._claims.insert_one, m.claim_to_doc(claim))

    def claim_of(self, coupon_id: str, customer_id: str) -> CouponClaim | None:
        d = self._one(self._claims, {"coupon_id": coupon_id, "customer_id": customer_id})
        return None if d is None else m.claim_from_doc(d)

    def claims_of(self, customer_id: str) -> list[CouponClaim]:
        found = self._all(self._claims, {"customer_id": customer_id}, CLAIMS_ORDER)
        return [m.claim_from_doc(d) for d in found]

    def take_use(self, coupon_id: str) -> bool:
        done = self._tx.write(
            self._coupons.update_one,
            {"_id": coupon_id, "$expr": _USE_LEFT},
            {"$inc": {"used": 1}},
        )
        return done.modified_count == 1

    def take_customer_use(
        self, coupon_id: str, customer_id: str, code: str, limit: int | None, at: datetime
    ) -> bool:
        key = {"coupon_id": coupon_id, "customer_id": customer_id}
        fresh = {"code": code, "claimed": False, "claimed_at": m.time_to_text(at)}
        if limit is None:
            # no limit: one upsert counts the use, creating the wallet row unclaimed if need be
            self._tx.write(
                self._claims.update_one,
                key,
                {"$inc": {"used": 1}, "$setOnInsert": fresh},
                upsert=True,
            )
            return True
        # the wallet row, created unclaimed if there is none (an upsert on the unique index:
        # a concurrent twin conflicts, never doubles it); then the guarded $inc. Not one upsert
        # with the guard in its filter: on a row at its limit that would insert a duplicate key,
        # which aborts the whole transaction
        self._tx.write(
            self._claims.update_one, key, {"$setOnInsert": {**fresh, "used": 0}}, upsert=True
        )
        done = self._tx.write(
            self._claims.update_one, {**key, "used": {"$lt": limit}}, {"$inc": {"used": 1}}
        )
        return done.modified_count == 1

    def give_back(self, coupon_id: str, customer_id: str) -> bool:
        self._tx.write(
            self._claims.update_one,
            {"coupon_id": coupon_id, "customer_id": customer_id, "used": {"$gt": 0}},
            {"$inc": {"used": -1}},
        )
        done = self._tx.write(
            self._coupons.update_one, {"_id": coupon_id, "used": {"$gt": 0}}, {"$inc": {"used": -1}}
        )
        return done.modified_count == 1

    def list(self) -> list[Coupon]:
        return [m.coupon_from_doc(d) for d in self._all(self._coupons, {}, BY_ID)]


class MongoNotifications(_Repo):
    collection = s.NOTIFICATIONS

    def record(self, provider: str, event_id: str) -> bool:
        # one atomic upsert: of two concurrent twins exactly one inserts (the other conflicts in
        # its transaction, or finds the pair); the state change that follows happens once (PAY-3)
        pair = {"provider": provider, "event_id": event_id}
        done = self._tx.write(self._col.update_one, pair, {"$setOnInsert": pair}, upsert=True)
        return done.upserted_id is not None
