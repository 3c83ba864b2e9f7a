"""The outbox's relay side: which committed events each consumer has received."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc

from ecommerce_core.domain.events import DomainEvent, event_from_dict
from ecommerce_sqlalchemy import tables as t
from ecommerce_sqlalchemy.repositories import SqlOutbox

__all__ = ["RelayOutbox"]


class RelayOutbox(SqlOutbox):
    def _lock_consumer(self, consumer: str) -> None:
        c = t.outbox_consumers
        query = sa.select(c.c.consumer).where(c.c.consumer == consumer)
        if self._c.execute(query).first() is None:
            try:
                with self._c.begin_nested():
                    self._c.execute(sa.insert(c).values(consumer=consumer))
            except sa_exc.IntegrityError:
                pass  # a concurrent relay registered the consumer first
        # SQLite's BEGIN IMMEDIATE already serialises relays; elsewhere lock the consumer row
        self._c.execute(self._lock(query, True))

    def undelivered(self, consumer: str, limit: int = 100) -> list[tuple[int, DomainEvent]]:
        self._lock_consumer(consumer)
        o, d = t.outbox, t.outbox_deliveries
        delivered = sa.select(d.c.event_id).where(d.c.consumer == consumer, d.c.event_id == o.c.id)
        query = sa.select(o).where(~sa.exists(delivered)).order_by(o.c.id).limit(limit)
        rows = self._c.execute(query).mappings()
        return [(int(r["id"]), event_from_dict(r["name"], dict(r["payload"]))) for r in rows]

    def mark_delivered(self, consumer: str, event_ids: Iterable[int]) -> None:
        rows = [{"consumer": consumer, "event_id": i} for i in event_ids]
        if rows:
            self._c.execute(sa.insert(t.outbox_deliveries), rows)
