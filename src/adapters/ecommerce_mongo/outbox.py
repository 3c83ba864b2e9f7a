"""The outbox: events stored with the change that raised them, and which consumer received which.

Ids come from a counter document (``findOneAndUpdate`` with ``$inc``) updated outside the unit of
work's transaction, like a SQL sequence: they only grow, an aborted unit of work leaves a gap, and
two units of work adding events never conflict on the counter. Because ids are handed out before
commit, a lower id may become visible after a higher one; the relay therefore tracks deliveries
per event and consumer, never a high-water mark, so a late event is still delivered.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.write_concern import WriteConcern

from ecommerce_core.domain.events import DomainEvent
from ecommerce_mongo import mapping as m
from ecommerce_mongo import schema as s
from ecommerce_mongo.errors import translated
from ecommerce_mongo.fields import time_to_text
from ecommerce_mongo.mapping import Doc
from ecommerce_mongo.repositories import find_all
from ecommerce_mongo.session import Session

__all__ = ["MongoOutbox", "allocate_ids", "raise_counter"]

_COUNTER = "outbox"
_PAGE = 500


def _counters(db: Database[Doc]) -> Collection[Doc]:
    # majority: an id handed out is never handed out again after a failover
    return db.get_collection(s.COUNTERS, write_concern=WriteConcern("majority"))


def allocate_ids(db: Database[Doc], count: int, counter_name: str = _COUNTER) -> range:
    """``count`` new ids of a counter (the outbox's by default), in increasing order (outside
    any transaction)."""
    with translated():
        counter = _counters(db).find_one_and_update(
            {"_id": counter_name},
            {"$inc": {"seq": count}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
    assert counter is not None  # an upsert returning the document after it always finds one
    last = int(counter["seq"])
    return range(last - count + 1, last + 1)


def raise_counter(db: Database[Doc], at_least: int, counter_name: str = _COUNTER) -> None:
    """Make sure no id up to ``at_least`` is handed out again (a restore keeps its ids)."""
    with translated():
        _counters(db).update_one({"_id": counter_name}, {"$max": {"seq": at_least}}, upsert=True)


class MongoOutbox:
    def __init__(self, db: Database[Doc], tx: Session) -> None:
        self._db = db
        self._tx = tx
        self._events: Collection[Doc] = db[s.OUTBOX]
        self._consumers: Collection[Doc] = db[s.CONSUMERS]
        self._deliveries: Collection[Doc] = db[s.DELIVERIES]

    def add(self, events: Iterable[DomainEvent]) -> None:
        batch = list(events)
        if not batch:
            return
        ids = allocate_ids(self._db, len(batch))
        docs = [m.event_to_doc(i, e) for i, e in zip(ids, batch, strict=True)]
        self._tx.write(self._events.insert_many, docs)

    def list(self, after_id: int = 0, limit: int = 100) -> list[tuple[int, DomainEvent]]:
        if limit <= 0:  # pymongo reads a limit of 0 as "no limit"
            return []
        docs = self._tx.read(
            find_all, self._events, {"_id": {"$gt": after_id}}, [("_id", 1)], limit
        )
        return [m.event_from_doc(d) for d in docs]

    def undelivered(
        self, consumer: str, limit: int = 100
    ) -> builtins.list[tuple[int, DomainEvent]]:
        """Committed events ``consumer`` has not received, oldest first; the consumer is locked
        (its document written in this transaction) so that two relays for it take turns."""
        if limit <= 0:
            return []
        self._tx.lock(
            self._consumers.update_one, {"_id": consumer}, {"$inc": {"turns": 1}}, upsert=True
        )
        found: builtins.list[Doc] = []
        after: Any = 0
        while len(found) < limit:
            page = self._tx.read(
                find_all, self._events, {"_id": {"$gt": after}}, [("_id", 1)], _PAGE
            )
            if not page:
                break
            ids = [d["_id"] for d in page]
            done = {
                d["event_id"]
                for d in self._tx.read(
                    find_all, self._deliveries, {"consumer": consumer, "event_id": {"$in": ids}}
                )
            }
            found.extend(d for d in page if d["_id"] not in done)
            after = ids[-1]
        return [m.event_from_doc(d) for d in found[:limit]]

    def mark_delivered(self, consumer: str, event_ids: Iterable[int]) -> None:
        docs = [{"consumer": consumer, "event_id": i} for i in event_ids]
        if docs:
            # the unique (consumer, event_id) index refuses a delivery recorded twice
            self._tx.write(self._deliveries.insert_many, docs)

    def prune(self, before: datetime, limit: int = 1000) -> int:
        if limit <= 0:
            return 0
        consumers = {d["_id"] for d in self._tx.read(find_all, self._consumers, {})}
        if not consumers:
            return 0
        last = self._tx.read(find_all, self._events, {}, [("_id", -1)], 1)
        if not last:
            return 0
        # fixed-width UTC text sorts in time order; the newest event is kept, as everywhere
        old = {"occurred_at": {"$lt": time_to_text(before)}}
        gone: builtins.list[int] = []
        after: Any = 0
        while len(gone) < limit:
            query = {**old, "_id": {"$gt": after, "$lt": last[0]["_id"]}}
            page = self._tx.read(find_all, self._events, query, [("_id", 1)], _PAGE)
            if not page:
                break
            ids = [d["_id"] for d in page]
            received: dict[int, set[str]] = {}
            for d in self._tx.read(find_all, self._deliveries, {"event_id": {"$in": ids}}):
                received.setdefault(d["event_id"], set()).add(d["consumer"])
            gone.extend(i for i in ids if consumers <= received.get(i, set()))
            after = ids[-1]
        gone = gone[:limit]
        if gone:
            self._tx.write(self._deliveries.delete_many, {"event_id": {"$in": gone}})
            self._tx.write(self._events.delete_many, {"_id": {"$in": gone}})
        return len(gone)
