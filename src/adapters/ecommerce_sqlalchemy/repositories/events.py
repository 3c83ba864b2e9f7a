"""Processed payment notifications and the transactional outbox."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from ecommerce_core.domain.events import DomainEvent, event_from_dict
from ecommerce_sqlalchemy import tables as t
from ecommerce_sqlalchemy.repositories._base import (
    _param,
    _records,
    _Repo,
    _rows,
)
from ecommerce_sqlalchemy.statements import Append

# -- notifications, outbox --------------------------------------------------------------------

_N = t.processed_notifications
_NOTIFICATION_SEEN = sa.select(_N.c.event_id).where(
    _N.c.provider == _param("provider"), _N.c.event_id == _param("event_id")
)
_NOTIFICATION_INSERT = sa.insert(_N)


class SqlNotifications(_Repo):
    def record(self, provider: str, event_id: str) -> bool:
        key = {"provider": provider, "event_id": event_id}
        if self._c.execute(_NOTIFICATION_SEEN, key).first() is not None:
            return False
        # a concurrent twin that inserts first makes this insert fail at the primary key,
        # which rolls this whole unit of work back: the state change happens once (PAY-3)
        self._c.execute(_NOTIFICATION_INSERT, key)
        return True


_OUTBOX_INSERT = sa.insert(t.outbox)


def _bind_events(batches: Sequence[list[dict[str, Any]]]) -> dict[str, Any]:
    return _records("ob", (row for batch in batches for row in batch))


#: PostgreSQL: events are held and sent with the unit of work's next statement (statements.py),
#: in the order added (their ids, which relays follow, are given in that order)
EVENTS = Append("outbox", [_rows(t.outbox, "ob")], _bind_events)


class SqlOutbox(_Repo):
    def add(self, events: Iterable[DomainEvent]) -> None:
        rows = [
            {"name": e.name, "payload": e.payload(), "occurred_at": e.occurred_at} for e in events
        ]
        if rows and self._c.holds:
            self._c.append(EVENTS, rows)
        elif rows:
            self._c.execute(_OUTBOX_INSERT, rows)

    def list(self, after_id: int = 0, limit: int = 100) -> list[tuple[int, DomainEvent]]:
        o = t.outbox
        rows = self._c.execute(
            sa.select(o).where(o.c.id > after_id).order_by(o.c.id).limit(limit)
        ).mappings()
        return [(int(r["id"]), event_from_dict(r["name"], dict(r["payload"]))) for r in rows]
