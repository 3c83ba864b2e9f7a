"""Inventory use cases: warehouses, receiving stock, reading levels and the stock ledger."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime

from ecommerce_core.domain import events as ev
from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import AlreadyExists, NotFound, UnknownSku
from ecommerce_core.domain.inventory import StockLevel, Warehouse
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.domain.stock_ledger import LedgerEntry, MovementKind
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.retry import retry_on_contention
from ecommerce_core.services.stock_control import adjust_stock, transfer_stock
from ecommerce_core.services.stock_moves import move

__all__ = ["KEEP", "InventoryService", "Keep"]


def _pair(value: tuple[int, int] | None) -> tuple[int, int]:
    return value if value is not None else (0, 0)


class Keep(enum.Enum):
    """The value of a setting left out of a call: it keeps the value it has."""

    KEEP = "keep"


KEEP = Keep.KEEP


def _configured(
    level: StockLevel,
    safety_stock: int | Keep,
    low_stock_threshold: int | Keep | None,
    backorder_limit: int | Keep,
    available_from: datetime | Keep | None,
) -> StockLevel:
    return level.configured(
        level.safety_stock if safety_stock is KEEP else safety_stock,
        level.low_stock_threshold if low_stock_threshold is KEEP else low_stock_threshold,
        level.backorder_limit if backorder_limit is KEEP else backorder_limit,
        level.available_from if available_from is KEEP else available_from,
    )


class InventoryService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def add_warehouse(
        self,
        principal: Principal,
        *,
        id: str,
        name: str,
        priority: int = 100,
        regions: Sequence[str] = (),
    ) -> Warehouse:
        """A new warehouse. Lower ``priority`` is preferred; ``regions`` are the ISO 3166
        country (``CN``) or subdivision (``CN-GD``) codes it ships to (empty: everywhere)."""
        require(principal, Permission.INVENTORY_WRITE)
        warehouse = Warehouse(id, name, v.non_negative(priority, "priority"), regions)
        with self._ctx.uow() as uow:
            if any(w.id == warehouse.id for w in uow.warehouses.list()):
                raise AlreadyExists("a warehouse with that id exists", id=warehouse.id)
            uow.warehouses.add(warehouse)
            uow.commit()
        return warehouse

    def update_warehouse(
        self,
        principal: Principal,
        warehouse_id: str,
        *,
        name: str | None = None,
        priority: int | None = None,
        regions: Sequence[str] | None = None,
    ) -> Warehouse:
        """Change a warehouse's name, priority or regions (what is not given stays)."""
        require(principal, Permission.INVENTORY_WRITE)
        with self._ctx.uow() as uow:
            found = {w.id: w for w in uow.warehouses.list()}.get(warehouse_id)
            if found is None:
                raise NotFound("no such warehouse", warehouse_id=str(warehouse_id)[:64])
            changed = Warehouse(
                found.id,
                found.name if name is None else name,
                found.priority if priority is None else v.non_negative(priority, "priority"),
                found.regions if regions is None else regions,
            )
            uow.warehouses.update(changed)
            uow.commit()
        return changed

    @retry_on_contention
    def configure_stock(
        self,
        principal: Principal,
        *,
        sku: str,
        warehouse_id: str | None = None,
        safety_stock: int | Keep = KEEP,
        low_stock_threshold: int | Keep | None = KEEP,
        backorder_limit: int | Keep = KEEP,
        available_from: datetime | Keep | None = KEEP,
    ) -> list[StockLevel]:
        """Set a SKU's safety stock (units never offered to orders), low-stock threshold
        (available at or below it raises ``stock.low``, once per crossing; None: no alert) and
        backorder limit (units that may be promised beyond on hand; 0: no backorders), in one
        warehouse or (``warehouse_id`` None) in every warehouse there is now.

        A setting left out keeps its value (a level created here starts from 0, None, 0, None).

        :param available_from: a preorder's release: no unit ships before it (None: any time).
        :raises InvalidInput: a backorder limit below the units already backordered there.
        """
        require(principal, Permission.INVENTORY_WRITE)
        code = v.sku(sku)
        with self._ctx.uow() as uow:
            if uow.products.get_by_sku(code) is None:
                raise UnknownSku(f"no product has the SKU {code}", sku=code)
            known = sorted(w.id for w in uow.warehouses.list())
            if warehouse_id is not None and warehouse_id not in known:
                raise NotFound("no such warehouse", warehouse_id=str(warehouse_id)[:64])
            current = {lv.warehouse_id: lv for lv in uow.stock.for_skus([code], for_update=True)}
            levels = [
                _configured(
                    current.get(wid, StockLevel(code, wid)),
                    safety_stock,
                    low_stock_threshold,
                    backorder_limit,
                    available_from,
                )
                for wid in (known if warehouse_id is None else [warehouse_id])
            ]
            uow.stock.configure(levels)
            uow.commit()
        return levels

    def list_warehouses(self, principal: Principal) -> list[Warehouse]:
        require(principal, Permission.INVENTORY_READ)
        with self._ctx.uow() as uow:
            return sorted(uow.warehouses.list(), key=lambda w: (w.priority, w.id))

    @retry_on_contention
    def receive(
        self,
        principal: Principal,
        *,
        sku: str,
        warehouse_id: str,
        quantity: int,
        reason: str = "",
    ) -> StockLevel:
        """Units arrive in a warehouse: on hand goes up (a ``receipt`` in the ledger).

        :param reason: free text kept on the ledger entry (a purchase order, a supplier).
        """
        require(principal, Permission.INVENTORY_WRITE)
        code = v.sku(sku)
        qty = v.quantity(quantity)
        note = v.text(reason, "reason", max_length=500, allow_empty=True)
        with self._ctx.uow() as uow:
            if uow.products.get_by_sku(code) is None:
                raise UnknownSku(f"no product has the SKU {code}", sku=code)
            if not any(w.id == warehouse_id for w in uow.warehouses.list()):
                raise NotFound("no such warehouse", warehouse_id=warehouse_id)
            current = {lv.warehouse_id: lv for lv in uow.stock.for_skus([code], for_update=True)}
            before = current.get(warehouse_id)
            level = (before or StockLevel(code, warehouse_id)).received(qty)
            move(
                uow, [(before, level)], MovementKind.RECEIPT, at=self._ctx.clock.now(),
                actor=principal.id or "system", reason=note,
            )  # fmt: skip
            uow.outbox.add(
                [
                    ev.StockReceived(
                        occurred_at=self._ctx.clock.now(),
                        sku=code,
                        warehouse_id=warehouse_id,
                        quantity=qty,
                    )
                ]
            )
            uow.commit()
        return level

    @retry_on_contention
    def adjust(
        self,
        principal: Principal,
        *,
        sku: str,
        warehouse_id: str,
        delta: int,
        reason: str,
        note: str = "",
    ) -> StockLevel:
        """Change on hand by hand: ``delta`` units (negative when units are written off).

        :param reason: a code of :class:`~ecommerce_core.domain.stock_control.AdjustmentReason`
            (``damaged``, ``lost``, ``expired``, ``found``, ``supplier_return``, ``sample``,
            ``correction``, ``other``); with ``note``, kept on the ledger entry.
        :raises OutOfStock: fewer units would be left than are promised to orders.
        """
        require(principal, Permission.INVENTORY_WRITE)
        with self._ctx.uow() as uow:
            level, _ = adjust_stock(
                uow,
                sku=sku,
                warehouse_id=warehouse_id,
                delta=delta,
                reason=reason,
                note=note,
                actor=principal.id or "system",
                at=self._ctx.clock.now(),
            )
            uow.commit()
        return level

    @retry_on_contention
    def transfer(
        self,
        principal: Principal,
        *,
        sku: str,
        from_warehouse_id: str,
        to_warehouse_id: str,
        quantity: int,
        note: str = "",
    ) -> list[LedgerEntry]:
        """Move units between warehouses at once, in one transaction; the two ledger entries
        (``transfer_out``, ``transfer_in``) share the transfer's id as their ``reference``.

        :raises OutOfStock: the source has fewer units available than ``quantity``.
        """
        require(principal, Permission.INVENTORY_WRITE)
        with self._ctx.uow() as uow:
            entries = transfer_stock(
                uow,
                transfer_id=self._ctx.ids.new_id("trf"),
                sku=sku,
                from_warehouse_id=from_warehouse_id,
                to_warehouse_id=to_warehouse_id,
                quantity=quantity,
                note=note,
                actor=principal.id or "system",
                at=self._ctx.clock.now(),
            )
            uow.commit()
        return entries

    def ledger(
        self,
        principal: Principal,
        sku: str | None = None,
        *,
        warehouse_id: str | None = None,
        order_id: str | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[LedgerEntry]:
        """Stock movements, newest first (staff only): of one SKU, warehouse or order if given.

        Page back with ``before_id`` = the smallest ``id`` of the previous page.
        """
        require(principal, Permission.INVENTORY_READ)
        code = None if sku is None else v.sku(sku)
        warehouse = None if warehouse_id is None else v.identifier(warehouse_id, "warehouse_id")
        order = None if order_id is None else v.identifier(order_id, "order_id")
        before = None if before_id is None else v.non_negative(before_id, "before_id")
        count = max(1, min(v.non_negative(limit, "limit"), 1000))
        with self._ctx.uow() as uow:
            return uow.stock_ledger.list(
                sku=code, warehouse_id=warehouse, order_id=order, before_id=before, limit=count
            )

    def audit(self, principal: Principal) -> list[tuple[str, str, int, int, int, int]]:
        """Levels that differ from the sum of their ledger, as ``(sku, warehouse, on hand,
        ledger on hand, reserved, ledger reserved)``; empty when the books balance."""
        require(principal, Permission.INVENTORY_READ)
        with self._ctx.uow() as uow:
            levels = {lv.key: (lv.on_hand, lv.reserved) for lv in uow.stock.list()}
            sums = uow.stock_ledger.balances()
        return [
            (key[0], key[1], *_pair(levels.get(key)), *_pair(sums.get(key)))
            for key in sorted(set(levels) | set(sums))
            if levels.get(key, (0, 0)) != sums.get(key, (0, 0))
        ]

    def levels(self, principal: Principal, sku: str | None = None) -> list[StockLevel]:
        """Stock levels, of one SKU or of all, sorted by SKU then warehouse."""
        require(principal, Permission.INVENTORY_READ)
        with self._ctx.uow() as uow:
            levels = uow.stock.for_skus([v.sku(sku)]) if sku is not None else uow.stock.list()
        return sorted(levels, key=lambda lv: lv.key)
