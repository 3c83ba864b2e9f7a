"""The append-only stock ledger in ``ec_stock_ledger`` (one document per entry, ``_id`` from a
counter, as the outbox's, inserted with the level change in the unit of work's transaction), and
stocktakes in ``ec_stocktakes`` (their counts embedded)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pymongo import ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.database import Database

from ecommerce_core.domain.errors import NotFound
from ecommerce_core.domain.stock_control import Stocktake, StocktakeCount, StocktakeStatus
from ecommerce_core.domain.stock_ledger import LedgerEntry, MovementKind
from ecommerce_mongo import fields as f
from ecommerce_mongo import schema as s
from ecommerce_mongo.mapping import Doc
from ecommerce_mongo.outbox import allocate_ids
from ecommerce_mongo.repositories import find_all
from ecommerce_mongo.session import LOCK_FIELD, Session

__all__ = [
    "COUNTER",
    "MongoStockLedger",
    "MongoStocktakes",
    "entry_from_doc",
    "entry_to_doc",
    "stocktake_from_doc",
    "stocktake_to_doc",
]

COUNTER = "stock_ledger"


def entry_to_doc(e: LedgerEntry) -> Doc:
    return {
        "_id": e.id,
        "sku": e.sku,
        "warehouse_id": e.warehouse_id,
        "kind": e.kind.value,
        "on_hand_delta": e.on_hand_delta,
        "reserved_delta": e.reserved_delta,
        "actor": e.actor,
        "reason": e.reason,
        "reference": e.reference,
        "order_id": e.order_id,
        "at": f.time_to_text(e.at),
    }


def entry_from_doc(d: Mapping[str, Any]) -> LedgerEntry:
    with f.guard("stock ledger entry", d.get("_id")):
        e = LedgerEntry(
            f.text(d, "sku"),
            f.text(d, "warehouse_id"),
            MovementKind(f.text(d, "kind")),
            f.whole(d, "on_hand_delta"),
            f.whole(d, "reserved_delta"),
            f.text(d, "actor"),
            f.text(d, "reason"),
            f.text(d, "reference"),
            f.text(d, "order_id"),
            f.time(d, "at"),
            f.whole(d, "_id"),
        )
    return f.canonical("stock ledger entry", d, e, entry_to_doc)


def _aggregate(
    collection: Collection[Doc], pipeline: list[Doc], *, session: ClientSession | None
) -> list[Doc]:
    return list(collection.aggregate(pipeline, session=session))


class MongoStockLedger:
    def __init__(self, db: Database[Doc], tx: Session) -> None:
        self._db = db
        self._tx = tx
        self._col: Collection[Doc] = db[s.STOCK_LEDGER]

    def add(self, entries: Sequence[LedgerEntry]) -> None:
        if not entries:
            return
        ids = allocate_ids(self._db, len(entries), COUNTER)
        docs = [entry_to_doc(e) | {"_id": i} for i, e in zip(ids, entries, strict=True)]
        self._tx.write(self._col.insert_many, docs)

    def list(
        self,
        *,
        sku: str | None = None,
        warehouse_id: str | None = None,
        order_id: str | None = None,
        reference: str | None = None,
        kinds: Iterable[MovementKind] | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[LedgerEntry]:
        if limit <= 0:  # pymongo reads a limit of 0 as "no limit"
            return []
        query: Doc = {}
        for key, value in (
            ("sku", sku),
            ("warehouse_id", warehouse_id),
            ("order_id", order_id),
            ("reference", reference),
        ):
            if value is not None:
                query[key] = value
        if kinds is not None:
            query["kind"] = {"$in": sorted(k.value for k in kinds)}
        if before_id is not None:
            query["_id"] = {"$lt": before_id}
        docs = self._tx.read(find_all, self._col, query, [("_id", -1)], limit)
        return [entry_from_doc(d) for d in docs]

    def balances(self, skus: Iterable[str] | None = None) -> dict[tuple[str, str], tuple[int, int]]:
        pipeline: list[Doc] = []
        if skus is not None:
            pipeline.append({"$match": {"sku": {"$in": sorted(set(skus))}}})
        pipeline.append(
            {
                "$group": {
                    "_id": {"sku": "$sku", "warehouse_id": "$warehouse_id"},
                    "on_hand": {"$sum": "$on_hand_delta"},
                    "reserved": {"$sum": "$reserved_delta"},
                }
            }
        )
        rows = self._tx.read(_aggregate, self._col, pipeline)
        return {
            (r["_id"]["sku"], r["_id"]["warehouse_id"]): (int(r["on_hand"]), int(r["reserved"]))
            for r in rows
        }


def stocktake_to_doc(s: Stocktake) -> Doc:
    return {
        "_id": s.id,
        "warehouse_id": s.warehouse_id,
        "opened_at": f.time_to_text(s.opened_at),
        "opened_by": s.opened_by,
        "note": s.note,
        "status": s.status.value,
        "counts": [
            {
                "sku": c.sku,
                "counted": c.counted,
                "expected": c.expected,
                "counted_at": f.time_to_text(c.counted_at),
                "counted_by": c.counted_by,
            }
            for c in s.counts
        ],
        "closed_at": f.opt_time_text(s.closed_at),
    }


def stocktake_from_doc(d: Mapping[str, Any]) -> Stocktake:
    with f.guard("stocktake", d.get("_id")):
        s = Stocktake(
            f.text(d, "_id"),
            f.text(d, "warehouse_id"),
            f.time(d, "opened_at"),
            f.text(d, "opened_by"),
            f.text(d, "note"),
            StocktakeStatus(f.text(d, "status")),
            tuple(
                StocktakeCount(
                    f.text(c, "sku"),
                    f.whole(c, "counted"),
                    f.whole(c, "expected"),
                    f.time(c, "counted_at"),
                    f.text(c, "counted_by"),
                )
                for c in f.docs(d, "counts")
            ),
            f.opt_time(d, "closed_at"),
        )
    return f.canonical("stocktake", d, s, stocktake_to_doc)


class MongoStocktakes:
    def __init__(self, db: Database[Doc], tx: Session) -> None:
        self._tx = tx
        self._col: Collection[Doc] = db[s.STOCKTAKES]

    def add(self, stocktake: Stocktake) -> None:
        self._tx.write(self._col.insert_one, stocktake_to_doc(stocktake))

    def get(self, stocktake_id: str, *, for_update: bool = False) -> Stocktake | None:
        if for_update and self._tx.transactional:
            d = self._tx.lock(
                self._col.find_one_and_update,
                {"_id": stocktake_id},
                {"$inc": {LOCK_FIELD: 1}},
                return_document=ReturnDocument.AFTER,
            )
        else:
            d = self._tx.read(self._col.find_one, {"_id": stocktake_id})
        return None if d is None else stocktake_from_doc(d)

    def update(self, stocktake: Stocktake) -> None:
        doc = stocktake_to_doc(stocktake)
        done = self._tx.write(self._col.replace_one, {"_id": doc["_id"]}, doc)
        if done.matched_count == 0:
            raise NotFound("no such stocktake", id=stocktake.id)

    def list(self) -> list[Stocktake]:
        docs = self._tx.read(find_all, self._col, {}, [("opened_at", -1), ("_id", -1)])
        return [stocktake_from_doc(d) for d in docs]
