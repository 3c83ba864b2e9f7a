"""The append-only stock ledger: one multi-row INSERT per movement, reads newest first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from ecommerce_core.domain.stock_ledger import LedgerEntry, MovementKind
from ecommerce_sqlalchemy import mapping as m
from ecommerce_sqlalchemy import tables as t
from ecommerce_sqlalchemy.repositories._base import _records, _Repo, _rows
from ecommerce_sqlalchemy.statements import Append

__all__ = ["SqlStockLedger"]

_L = t.stock_ledger
_INSERT = sa.insert(_L)


def _bind_entries(batches: Sequence[list[dict[str, Any]]]) -> dict[str, Any]:
    return _records("lg", (row for batch in batches for row in batch))


#: PostgreSQL: entries are held and sent with the unit of work's next statement (statements.py)
ENTRIES = Append("ledger", [_rows(_L, "lg")], _bind_entries)
_SUMS = sa.select(
    _L.c.sku, _L.c.warehouse_id, sa.func.sum(_L.c.on_hand_delta), sa.func.sum(_L.c.reserved_delta)
).group_by(_L.c.sku, _L.c.warehouse_id)


class SqlStockLedger(_Repo):
    def add(self, entries: Sequence[LedgerEntry]) -> None:
        if entries and self._c.holds:
            self._c.append(ENTRIES, [m.ledger_entry_row(e) for e in entries])
        elif entries:
            # one statement for any number of entries (executemany of one INSERT; SQLAlchemy
            # sends it as one multi-row INSERT on PostgreSQL and MariaDB)
            self._c.execute(_INSERT, [m.ledger_entry_row(e) for e in entries])

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
        query = sa.select(_L).order_by(_L.c.id.desc()).limit(max(0, limit))
        filters: list[Any] = []
        if sku is not None:
            filters.append(_L.c.sku == sku)
        if warehouse_id is not None:
            filters.append(_L.c.warehouse_id == warehouse_id)
        if order_id is not None:
            filters.append(_L.c.order_id == order_id)
        if reference is not None:
            filters.append(_L.c.reference == reference)
        if kinds is not None:
            filters.append(_L.c.kind.in_(sorted(k.value for k in kinds)))
        if before_id is not None:
            filters.append(_L.c.id < before_id)
        if filters:
            query = query.where(*filters)
        return [m.ledger_entry_from_row(r) for r in self._c.execute(query).mappings()]

    def balances(self, skus: Iterable[str] | None = None) -> dict[tuple[str, str], tuple[int, int]]:
        query = _SUMS
        if skus is not None:
            wanted = sorted(set(skus))
            if not wanted:
                return {}
            query = query.where(_L.c.sku.in_(wanted))
        return {(r[0], r[1]): (int(r[2]), int(r[3])) for r in self._c.execute(query)}
