"""Bring a database up to the schema in ``schema.py``: collections, validators, indexes.

Idempotent and safe to run from several processes at once (every shop runs it when it opens).
Collections are created here, never implicitly inside a transaction.
"""

from __future__ import annotations

from typing import Any

from pymongo import IndexModel
from pymongo.database import Database
from pymongo.errors import CollectionInvalid, OperationFailure
from pymongo.write_concern import WriteConcern

from ecommerce_core.domain.errors import StorageError
from ecommerce_mongo.errors import translated
from ecommerce_mongo.mapping import Doc
from ecommerce_mongo.schema import (
    COLLECTIONS,
    META,
    ORDERS,
    SCHEMA_VERSION,
    SHIPMENTS,
    VALIDATORS,
    Index,
)

__all__ = ["upgrade"]

_NAMESPACE_EXISTS = 48
_INDEX_CONFLICTS = {85, 86}  # IndexOptionsConflict, IndexKeySpecsConflict


def _model(index: Index) -> IndexModel:
    options: dict[str, Any] = {"name": index.name, "unique": index.unique}
    if index.partial is not None:
        options["partialFilterExpression"] = dict(index.partial)
    return IndexModel(list(index.keys), **options)


def _ensure_collection(db: Database[Doc], name: str, present: set[str]) -> None:
    validator = VALIDATORS.get(name)
    if name not in present:
        try:
            if validator is None:
                db.create_collection(name)
            else:
                db.create_collection(name, validator=dict(validator))
            return
        except CollectionInvalid:
            pass  # another process created it meanwhile
        except OperationFailure as exc:
            if exc.code != _NAMESPACE_EXISTS:
                raise
    if validator is not None and db[name].options().get("validator") != dict(validator):
        db.command("collMod", name, validator=dict(validator))


def upgrade(db: Database[Doc]) -> None:
    """Create what is missing; change nothing that is already right."""
    # majority: a transaction started right after sees the new collections and indexes
    db = db.with_options(write_concern=WriteConcern("majority"))
    with translated():
        present = set(db.list_collection_names())
        for name, indexes in COLLECTIONS.items():
            _ensure_collection(db, name, present)
            if not indexes:
                continue
            try:
                db[name].create_indexes([_model(ix) for ix in indexes])
            except OperationFailure as exc:
                if exc.code in _INDEX_CONFLICTS:
                    raise StorageError(
                        f"an index of {name} differs from the one this version needs "
                        f"({', '.join(ix.name for ix in indexes)}): drop it, then open the shop "
                        "again to have it created",
                        collection=name,
                    ) from exc
                raise
        _backfill_order_statuses(db)
        db[SHIPMENTS].update_many({"lines": {"$exists": False}}, {"$set": {"lines": []}})
        db[META].update_one({"_id": "schema"}, {"$max": {"version": SCHEMA_VERSION}}, upsert=True)


_PAID = ["paid", "shipped", "delivered", "completed"]
_FULFILMENT = {"shipped": "shipped", "delivered": "delivered", "completed": "delivered"}


def _backfill_order_statuses(db: Database[Doc]) -> None:
    """Schema 4: orders stored before it get the payment and fulfilment statuses their overall
    status implies, and their history entries an empty action and actor (idempotent)."""
    db[ORDERS].update_many(
        {"payment_status": {"$exists": False}},
        [
            {
                "$set": {
                    "payment_status": {"$cond": [{"$in": ["$status", _PAID]}, "paid", "unpaid"]},
                    "fulfilment_status": {
                        "$switch": {
                            "branches": [
                                {"case": {"$eq": ["$status", s]}, "then": f}
                                for s, f in _FULFILMENT.items()
                            ],
                            "default": "unfulfilled",
                        }
                    },
                    "history": {
                        "$map": {
                            "input": "$history",
                            "as": "h",
                            "in": {
                                "$mergeObjects": [
                                    "$$h",
                                    {"action": "", "actor": "", "internal": False},
                                ]
                            },
                        }
                    },
                }
            }
        ],
    )
