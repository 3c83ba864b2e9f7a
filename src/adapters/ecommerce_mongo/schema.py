"""The collections of a shop in MongoDB, their indexes and validators, as plain data.

One collection per aggregate (its parts embedded), prefixed ``ec_`` so that a host application's
own collections in the same database are never touched. The unique indexes are the backstops the
SQL schema has: the domain checks first, the database refuses what slips past under concurrency.
``migrate.py`` applies this; nothing here talks to a server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "COLLECTIONS",
    "DATA_COLLECTIONS",
    "SCHEMA_VERSION",
    "VALIDATORS",
    "Index",
]

SCHEMA_VERSION = 10  # 2: coupons, their codes and wallets; counters' validators. 3: stock ledger.
# 4: order payment and fulfilment statuses. 5: the lines of each parcel
# 6: memberships, the points ledger and redemptions
# 7: after-sales requests and complaints. 8: stocktakes. 9: group-buy campaigns
# 10: stock levels' backorder limit in the validator

CATEGORIES = "ec_categories"
PRODUCTS = "ec_products"
CUSTOMERS = "ec_customers"
CARTS = "ec_carts"
WAREHOUSES = "ec_warehouses"
STOCK = "ec_stock_levels"
#: the append-only stock ledger; ``_id`` from the ``stock_ledger`` counter
STOCK_LEDGER = "ec_stock_ledger"
STOCKTAKES = "ec_stocktakes"
RESERVATIONS = "ec_reservations"
ORDERS = "ec_orders"
PAYMENTS = "ec_payments"
SHIPMENTS = "ec_shipments"
PROMOTIONS = "ec_promotions"
COUPONS = "ec_coupons"
#: ``_id`` is the code itself: unique across every coupon
COUPON_CODES = "ec_coupon_codes"
#: the customers' wallets: one document per (coupon, customer)
COUPON_CLAIMS = "ec_coupon_claims"
#: customers' groups, tiers, contracts and points balances (``_id``: the customer id)
MEMBERSHIPS = "ec_memberships"
#: the append-only points ledger
POINTS_LEDGER = "ec_points_ledger"
#: what each order redeemed; ``_id``: ``{order_id, kind, source_id}``
REDEMPTIONS = "ec_redemptions"
#: group-buy campaigns (团购)
GROUP_BUYS = "ec_group_buys"
AFTERSALES_REQUESTS = "ec_aftersales_requests"
COMPLAINTS = "ec_complaints"
NOTIFICATIONS = "ec_processed_notifications"
OUTBOX = "ec_outbox"
CONSUMERS = "ec_outbox_consumers"
DELIVERIES = "ec_outbox_deliveries"
#: ``{"_id": "outbox", "seq": n}``: the last outbox id handed out (never reset, not backed up)
COUNTERS = "ec_counters"
#: ``{"_id": "schema", "version": n}``
META = "ec_meta"


@attrs.frozen
class Index:
    keys: tuple[tuple[str, int], ...]
    name: str
    unique: bool = False
    partial: Mapping[str, Any] | None = None


def _ix(name: str, *keys: str, unique: bool = False, partial: Any = None) -> Index:
    """``_ix("uq_number", "number", "-placed_at")``: a leading ``-`` sorts that key descending."""
    pairs = tuple((k.lstrip("-"), -1 if k.startswith("-") else 1) for k in keys)
    return Index(pairs, name, unique, partial)


#: Every collection the adapter owns, with its indexes (besides ``_id``).
COLLECTIONS: dict[str, tuple[Index, ...]] = {
    CATEGORIES: (_ix("uq_slug", "slug", unique=True),),
    PRODUCTS: (
        _ix("uq_slug", "slug", unique=True),
        # multikey: one SKU belongs to one product only, across every product document
        _ix("uq_variant_sku", "variants.sku", unique=True),
        _ix("ix_category", "category_id", "_id"),
    ),
    CUSTOMERS: (_ix("uq_email_key", "email_key", unique=True),),
    CARTS: (_ix("uq_customer", "customer_id", unique=True),),
    WAREHOUSES: (),
    STOCK: (_ix("uq_sku_warehouse", "sku", "warehouse_id", unique=True),),
    STOCKTAKES: (_ix("ix_newest", "-opened_at", "-_id"),),
    STOCK_LEDGER: (
        _ix("ix_level", "sku", "warehouse_id", "-_id"),
        _ix("ix_order", "order_id", "-_id"),
        _ix("ix_reference", "reference"),
    ),
    RESERVATIONS: (_ix("ix_order", "order_id"), _ix("ix_expiry", "status", "expires_at")),
    ORDERS: (
        _ix("uq_number", "number", unique=True),
        # orders placed without a key (null) are not compared with each other
        _ix(
            "uq_idempotency",
            "customer_id",
            "idempotency_key",
            unique=True,
            partial={"idempotency_key": {"$type": "string"}},
        ),
        _ix("ix_customer_newest", "customer_id", "-placed_at", "-_id"),
        _ix("ix_newest", "-placed_at", "-_id"),
        # the sweeps (auto-complete) take orders in one status, oldest change first
        _ix("ix_status_changed", "status", "updated_at", "_id"),
    ),
    PAYMENTS: (
        _ix("uq_idempotency", "order_id", "idempotency_key", unique=True),
        _ix("ix_provider_ref", "gateway", "provider_ref"),
    ),
    SHIPMENTS: (_ix("ix_order", "order_id", "created_at", "_id"),),
    PROMOTIONS: (),
    COUPONS: (),
    # the code is the _id (its unique index keeps codes unique across coupons)
    COUPON_CODES: (_ix("ix_coupon", "coupon_id", "_id"),),
    COUPON_CLAIMS: (
        # a customer holds a coupon once; take_customer_use's upsert relies on it
        _ix("uq_coupon_customer", "coupon_id", "customer_id", unique=True),
        _ix("ix_customer", "customer_id", "coupon_id"),
    ),
    MEMBERSHIPS: (),
    POINTS_LEDGER: (_ix("ix_customer_newest", "customer_id", "-at", "-_id"),),
    REDEMPTIONS: (_ix("ix_order", "order_id", "_id"),),
    GROUP_BUYS: (_ix("ix_due", "status", "deadline", "_id"),),
    AFTERSALES_REQUESTS: (
        _ix("ix_order", "order_id", "created_at", "_id"),
        _ix("ix_customer_newest", "customer_id", "-created_at", "-_id"),
        _ix("ix_newest", "-created_at", "-_id"),
    ),
    COMPLAINTS: (
        _ix("ix_customer_newest", "customer_id", "-created_at", "-_id"),
        _ix("ix_newest", "-created_at", "-_id"),
    ),
    NOTIFICATIONS: (_ix("uq_provider_event", "provider", "event_id", unique=True),),
    OUTBOX: (),
    CONSUMERS: (),
    DELIVERIES: (_ix("uq_consumer_event", "consumer", "event_id", unique=True),),
    COUNTERS: (),
    META: (),
}

#: The collections a backup holds and a restore replaces (counters and meta are the store's own).
DATA_COLLECTIONS = tuple(name for name in COLLECTIONS if name not in (COUNTERS, META))


def _unset(field: str) -> dict[str, Any]:
    """True when ``field`` is null (or missing): no limit."""
    return {"$eq": [{"$ifNull": [field, None]}, None]}


_COUNT = {"$type": ["int", "long"]}
#: a stock level's backorder limit in an aggregation expression (absent: 0, no backorders)
BACKORDER_LIMIT = {"$ifNull": ["$backorder_limit", 0]}
_USES_WITHIN_LIMIT = {"$or": [_unset("$usage_limit"), {"$lte": ["$used", "$usage_limit"]}]}

#: Document validators: the database itself refuses stock that is negative or over-reserved, and
#: counts of uses past their limit or budget (the backstops of the SQL schema's CHECKs), whatever
#: writes them (this library, another program, a person in the shell).
VALIDATORS: dict[str, Mapping[str, Any]] = {
    STOCK: {
        "on_hand": _COUNT,
        "reserved": _COUNT,
        "$expr": {
            "$and": [
                {"$gte": ["$reserved", 0]},
                {"$gte": ["$on_hand", 0]},
                {"$lte": ["$reserved", {"$add": ["$on_hand", BACKORDER_LIMIT]}]},
            ]
        },
    },
    PROMOTIONS: {
        "used": _COUNT,
        "discount_given": _COUNT,
        "$expr": {
            "$and": [
                _USES_WITHIN_LIMIT,
                {
                    "$or": [
                        _unset("$budget"),
                        {"$lte": ["$discount_given", "$budget.amount"]},
                    ]
                },
            ]
        },
    },
    COUPONS: {
        "used": _COUNT,
        "$expr": {"$and": [{"$gte": ["$used", 0]}, _USES_WITHIN_LIMIT]},
    },
    COUPON_CLAIMS: {"used": _COUNT, "$expr": {"$gte": ["$used", 0]}},
    MEMBERSHIPS: {"points": _COUNT, "$expr": {"$gte": ["$points", 0]}},
    GROUP_BUYS: {
        "joined": _COUNT,
        "$expr": {
            "$and": [
                {"$gte": ["$joined", 0]},
                {"$or": [_unset("$max_buyers"), {"$lte": ["$joined", "$max_buyers"]}]},
            ]
        },
    },
}
