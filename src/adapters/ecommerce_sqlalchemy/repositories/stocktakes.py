"""Stocktakes: one row each, their counts as JSON (a few hundred at most, read together)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ecommerce_core.domain.errors import NotFound
from ecommerce_core.domain.stock_control import (
    Stocktake,
    StocktakeCount,
    StocktakeStatus,
)
from ecommerce_sqlalchemy import tables as t
from ecommerce_sqlalchemy.mapping import Row, _guard
from ecommerce_sqlalchemy.repositories._base import _param, _Repo

__all__ = ["SqlStocktakes", "stocktake_from_row", "stocktake_to_row"]

_T = t.stocktakes
_BY_ID = sa.select(_T).where(_T.c.id == _param("id"))
_BY_ID_LOCKED = _BY_ID.with_for_update()
_ALL = sa.select(_T).order_by(_T.c.opened_at.desc(), _T.c.id.desc())
_UPDATE = (
    sa.update(_T)
    .where(_T.c.id == _param("key"))
    .values(status=_param("status"), counts=_param("counts"), closed_at=_param("closed_at"))
)


def _counts_to_json(s: Stocktake) -> list[dict[str, Any]]:
    return [
        {
            "sku": c.sku,
            "counted": c.counted,
            "expected": c.expected,
            "counted_at": c.counted_at.isoformat(),
            "counted_by": c.counted_by,
        }
        for c in s.counts
    ]


def stocktake_to_row(s: Stocktake) -> dict[str, Any]:
    return {
        "id": s.id,
        "warehouse_id": s.warehouse_id,
        "opened_at": s.opened_at,
        "opened_by": s.opened_by,
        "note": s.note,
        "status": s.status.value,
        "counts": _counts_to_json(s),
        "closed_at": s.closed_at,
    }


def stocktake_from_row(row: Row) -> Stocktake:
    with _guard("stocktake", row["id"]):
        counts = tuple(
            StocktakeCount(
                str(c["sku"]),
                int(c["counted"]),
                int(c["expected"]),
                datetime.fromisoformat(c["counted_at"]),
                str(c["counted_by"]),
            )
            for c in row["counts"]
        )
        return Stocktake(
            row["id"],
            row["warehouse_id"],
            row["opened_at"],
            row["opened_by"],
            row["note"],
            StocktakeStatus(row["status"]),
            counts,
            row["closed_at"],
        )


class SqlStocktakes(_Repo):
    def add(self, stocktake: Stocktake) -> None:
        self._c.execute(sa.insert(_T), stocktake_to_row(stocktake))

    def get(self, stocktake_id: str, *, for_update: bool = False) -> Stocktake | None:
        query = _BY_ID_LOCKED if for_update and self._locking else _BY_ID
        row = self._c.execute(query, {"id": stocktake_id}).mappings().first()
        return None if row is None else stocktake_from_row(row)

    def update(self, stocktake: Stocktake) -> None:
        params = {
            "key": stocktake.id,
            "status": stocktake.status.value,
            "counts": _counts_to_json(stocktake),
            "closed_at": stocktake.closed_at,
        }
        if self._c.execute(_UPDATE, params).rowcount != 1:
            raise NotFound("no such stocktake", id=stocktake.id)

    def list(self) -> list[Stocktake]:
        return [stocktake_from_row(r) for r in self._c.execute(_ALL).mappings()]
