"""The in-memory stock ledger: entries kept in id order, appended and never changed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import attrs

from ecommerce_core.domain.errors import AlreadyExists, NotFound
from ecommerce_core.domain.stock_control import Stocktake
from ecommerce_core.domain.stock_ledger import LedgerEntry, MovementKind, balances

if TYPE_CHECKING:
    from ecommerce_memory.storage import MemoryUnitOfWork

__all__ = ["INVENTORY_TABLES", "MemoryStockLedger", "MemoryStocktakes"]

INVENTORY_TABLES = ("stock_ledger", "stocktakes")


class MemoryStockLedger:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    @property
    def _rows(self) -> dict[int, LedgerEntry]:
        return self._uow.working["stock_ledger"]

    def add(self, entries: Sequence[LedgerEntry]) -> None:
        rows = self._rows
        last = next(reversed(rows), 0)
        for offset, entry in enumerate(entries, start=1):
            rows[last + offset] = attrs.evolve(entry, id=last + offset)

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
        wanted = None if kinds is None else set(kinds)
        found: list[LedgerEntry] = []
        for entry in reversed(self._rows.values()):
            if len(found) >= limit:
                break
            if (
                (sku is None or entry.sku == sku)
                and (warehouse_id is None or entry.warehouse_id == warehouse_id)
                and (order_id is None or entry.order_id == order_id)
                and (reference is None or entry.reference == reference)
                and (wanted is None or entry.kind in wanted)
                and (before_id is None or entry.id < before_id)
            ):
                found.append(entry)
        return found

    def balances(self, skus: Iterable[str] | None = None) -> dict[tuple[str, str], tuple[int, int]]:
        wanted = None if skus is None else set(skus)
        return balances(e for e in self._rows.values() if wanted is None or e.sku in wanted)


class MemoryStocktakes:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    @property
    def _rows(self) -> dict[str, Stocktake]:
        return self._uow.working["stocktakes"]

    def add(self, stocktake: Stocktake) -> None:
        if stocktake.id in self._rows:
            raise AlreadyExists("that stocktake exists", id=stocktake.id)
        self._rows[stocktake.id] = stocktake

    def get(self, stocktake_id: str, *, for_update: bool = False) -> Stocktake | None:
        return self._rows.get(stocktake_id)

    def update(self, stocktake: Stocktake) -> None:
        if stocktake.id not in self._rows:
            raise NotFound("no such stocktake", id=stocktake.id)
        self._rows[stocktake.id] = stocktake

    def list(self) -> list[Stocktake]:
        return sorted(self._rows.values(), key=lambda s: (s.opened_at, s.id), reverse=True)
