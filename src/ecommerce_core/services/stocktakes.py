"""Stocktakes (cycle counts): open one for a warehouse, count SKUs, review the variances, apply.

Stock may move while the count goes on. Each count keeps what the books said when it was taken,
and applying adds each SKU's variance (counted - expected) to on hand as it is then: orders
shipped or goods received between the count and the apply are neither lost nor counted twice.
A variance that would leave fewer units on hand than are promised to orders (or below zero) is
refused, the whole apply with it: recount that SKU.
"""

from __future__ import annotations

import builtins

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import NotFound, OutOfStock, UnknownSku
from ecommerce_core.domain.inventory import StockLevel
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.domain.stock_control import Stocktake, StocktakeCount, StocktakeStatus
from ecommerce_core.domain.stock_ledger import MovementKind
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.retry import retry_on_contention
from ecommerce_core.services.stock_moves import move

__all__ = ["StocktakeService", "Variance"]


@attrs.frozen
class Variance:
    """A counted SKU under review: what was counted, what the books said then, what they say now
    (``moved`` since the count), and the ``variance`` applying would book."""

    sku: str
    counted: int
    expected: int
    on_hand_now: int
    reserved_now: int

    @property
    def variance(self) -> int:
        return self.counted - self.expected

    @property
    def moved(self) -> int:
        return self.on_hand_now - self.expected

    @property
    def applicable(self) -> bool:
        """As an adjustment: units found are always booked (even while some are backordered);
        units lost never leave fewer on hand than are promised, nor below zero."""
        after = self.on_hand_now + self.variance
        return after >= 0 and (self.variance >= 0 or after >= self.reserved_now)


class StocktakeService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def open(self, principal: Principal, *, warehouse_id: str, note: str = "") -> Stocktake:
        require(principal, Permission.INVENTORY_WRITE)
        text = v.text(note, "note", max_length=500, allow_empty=True)
        with self._ctx.uow() as uow:
            if not any(w.id == warehouse_id for w in uow.warehouses.list()):
                raise NotFound("no such warehouse", warehouse_id=str(warehouse_id)[:64])
            stocktake = Stocktake(
                self._ctx.ids.new_id("stk"),
                warehouse_id,
                self._ctx.clock.now(),
                principal.id or "system",
                text,
            )
            uow.stocktakes.add(stocktake)
            uow.commit()
        return stocktake

    @retry_on_contention
    def count(
        self, principal: Principal, stocktake_id: str, *, sku: str, counted: int
    ) -> Stocktake:
        """Record ``counted`` units of ``sku`` found; the books' on hand now is kept with it.
        Counting a SKU again replaces its count."""
        require(principal, Permission.INVENTORY_WRITE)
        code = v.sku(sku)
        found = v.non_negative(counted, "counted")
        with self._ctx.uow() as uow:
            stocktake = self._load(uow, stocktake_id, for_update=True)
            if uow.products.get_by_sku(code) is None:
                raise UnknownSku(f"no product has the SKU {code}", sku=code)
            level = uow.stock.get(code, stocktake.warehouse_id)
            changed = stocktake.counted(
                StocktakeCount(
                    code,
                    found,
                    level.on_hand if level else 0,
                    self._ctx.clock.now(),
                    principal.id or "system",
                )
            )
            uow.stocktakes.update(changed)
            uow.commit()
        return changed

    def review(self, principal: Principal, stocktake_id: str) -> builtins.list[Variance]:
        """Every counted SKU with its variance, and what moved since it was counted."""
        require(principal, Permission.INVENTORY_READ)
        with self._ctx.uow() as uow:
            stocktake = self._load(uow, stocktake_id)
            return self._variances(uow, stocktake, for_update=False)

    @retry_on_contention
    def apply(self, principal: Principal, stocktake_id: str) -> Stocktake:
        """Book every non-zero variance as a ``stocktake`` ledger entry (reference: the
        stocktake's id) and close it, in one transaction.

        :raises OutOfStock: a variance would leave fewer on hand than is promised (names them).
        """
        require(principal, Permission.INVENTORY_WRITE)
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            stocktake = self._load(uow, stocktake_id, for_update=True)
            stocktake.ensure_open()
            variances = self._variances(uow, stocktake, for_update=True)
            refused = sorted(x.sku for x in variances if not x.applicable)
            if refused:
                raise OutOfStock(
                    f"applying would leave fewer units than are promised: {', '.join(refused)}",
                    skus=refused,
                )
            levels = {
                lv.sku: lv
                for lv in uow.stock.for_skus([x.sku for x in variances])
                if lv.warehouse_id == stocktake.warehouse_id
            }
            changes = []
            for x in variances:
                if x.variance:
                    before = levels.get(x.sku)
                    base = before or StockLevel(x.sku, stocktake.warehouse_id)
                    changes.append((before, base.adjusted(x.variance)))
            move(
                uow,
                changes,
                MovementKind.STOCKTAKE,
                at=now,
                actor=principal.id or "system",
                reason=stocktake.note,
                reference=stocktake.id,
            )
            closed = stocktake.closed(StocktakeStatus.APPLIED, now)
            uow.stocktakes.update(closed)
            uow.commit()
        return closed

    def cancel(self, principal: Principal, stocktake_id: str) -> Stocktake:
        require(principal, Permission.INVENTORY_WRITE)
        with self._ctx.uow() as uow:
            stocktake = self._load(uow, stocktake_id, for_update=True)
            closed = stocktake.closed(StocktakeStatus.CANCELLED, self._ctx.clock.now())
            uow.stocktakes.update(closed)
            uow.commit()
        return closed

    def get(self, principal: Principal, stocktake_id: str) -> Stocktake:
        require(principal, Permission.INVENTORY_READ)
        with self._ctx.uow() as uow:
            return self._load(uow, stocktake_id)

    def list(self, principal: Principal) -> list[Stocktake]:
        require(principal, Permission.INVENTORY_READ)
        with self._ctx.uow() as uow:
            return uow.stocktakes.list()

    @staticmethod
    def _load(uow: UnitOfWork, stocktake_id: str, *, for_update: bool = False) -> Stocktake:
        found = (
            uow.stocktakes.get(stocktake_id, for_update=for_update)
            if isinstance(stocktake_id, str)
            else None
        )
        if found is None:
            raise NotFound("no such stocktake", stocktake_id=str(stocktake_id)[:64])
        return found

    @staticmethod
    def _variances(
        uow: UnitOfWork, stocktake: Stocktake, *, for_update: bool
    ) -> builtins.list[Variance]:
        skus = [c.sku for c in stocktake.counts]
        levels = {
            lv.sku: lv
            for lv in uow.stock.for_skus(skus, for_update=for_update)
            if lv.warehouse_id == stocktake.warehouse_id
        }
        return [
            Variance(
                c.sku,
                c.counted,
                c.expected,
                levels[c.sku].on_hand if c.sku in levels else 0,
                levels[c.sku].reserved if c.sku in levels else 0,
            )
            for c in stocktake.counts
        ]
