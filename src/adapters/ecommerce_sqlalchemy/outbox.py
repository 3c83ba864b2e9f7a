"""The outbox's relay side: which committed events each consumer has received."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc

from ecommerce_core.domain.events import DomainEvent, event_from_dict
from ecommerce_sqlalchemy import tables as t
from ecommerce_sqlalchemy.repositories import SqlOutbox

__all__ = ["RelayOutbox"]


def _prunable() -> sa.Select[tuple[int]]:
    """Old events that no registered consumer still lacks, oldest first."""
    o, c, d = t.outbox, t.outbox_consumers, t.outbox_deliveries
    received = (
        sa.select(d.c.event_id)
        .where(d.c.consumer == c.c.consumer, d.c.event_id == o.c.id)
        .correlate_except(d)  # the event of the outermost query, the consumer of the middle one
    )
    lacking = sa.select(c.c.consumer).where(~sa.exists(received))
    newest = sa.select(sa.func.max(t.outbox.alias("newest").c.id)).scalar_subquery()
    return (
        sa.select(o.c.id)
        .where(o.c.occurred_at < sa.bindparam("before", type_=o.c.occurred_at.type))
        .where(o.c.id < newest)
        .where(~sa.exists(lacking))
        .order_by(o.c.id)
        .limit(sa.bindparam("limit"))
    )


_PRUNABLE = _prunable()
_ANY_CONSUMER = sa.select(sa.literal(1)).select_from(t.outbox_consumers).limit(1)
_PRUNE_DELIVERIES = sa.delete(t.outbox_deliveries).where(
    t.outbox_deliveries.c.event_id.in_(sa.bindparam("ids", expanding=True))
)
_PRUNE_EVENTS = sa.delete(t.outbox).where(t.outbox.c.id.in_(sa.bindparam("ids", expanding=True)))


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

    def prune(self, before: datetime, limit: int = 1000) -> int:
        if limit <= 0 or self._c.execute(_ANY_CONSUMER).first() is None:
            return 0
        ids = list(self._c.execute(_PRUNABLE, {"before": before, "limit": limit}).scalars())
        if ids:
            self._c.execute(_PRUNE_DELIVERIES, {"ids": ids})
            self._c.execute(_PRUNE_EVENTS, {"ids": ids})
        return len(ids)
