"""Inventory use cases: warehouses, receiving stock, and reading levels."""

from __future__ import annotations

from ecommerce_core.domain import events as ev
from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import AlreadyExists, NotFound, UnknownSku
from ecommerce_core.domain.inventory import StockLevel, Warehouse
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.retry import retry_on_contention

__all__ = ["InventoryService"]


class InventoryService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def add_warehouse(
        self, principal: Principal, *, id: str, name: str, priority: int = 100
    ) -> Warehouse:
        require(principal, Permission.INVENTORY_WRITE)
        warehouse = Warehouse(id, name, v.non_negative(priority, "priority"))
        with self._ctx.uow() as uow:
            if any(w.id == warehouse.id for w in uow.warehouses.list()):
                raise AlreadyExists("a warehouse with that id exists", id=warehouse.id)
            uow.warehouses.add(warehouse)
            uow.commit()
        return warehouse

    def list_warehouses(self, principal: Principal) -> list[Warehouse]:
        require(principal, Permission.INVENTORY_READ)
        with self._ctx.uow() as uow:
            return sorted(uow.warehouses.list(), key=lambda w: (w.priority, w.id))

    @retry_on_contention
    def receive(
        self, principal: Principal, *, sku: str, warehouse_id: str, quantity: int
    ) -> StockLevel:
        """Units arrive in a warehouse: on hand goes up."""
        require(principal, Permission.INVENTORY_WRITE)
        code = v.sku(sku)
        qty = v.quantity(quantity)
        with self._ctx.uow() as uow:
            if uow.products.get_by_sku(code) is None:
                raise UnknownSku(f"no product has the SKU {code}", sku=code)
            if not any(w.id == warehouse_id for w in uow.warehouses.list()):
                raise NotFound("no such warehouse", warehouse_id=warehouse_id)
            current = {lv.warehouse_id: lv for lv in uow.stock.for_skus([code], for_update=True)}
            level = current.get(warehouse_id, StockLevel(code, warehouse_id)).received(qty)
            uow.stock.save([level])
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

    def levels(self, principal: Principal, sku: str | None = None) -> list[StockLevel]:
        """Stock levels, of one SKU or of all, sorted by SKU then warehouse."""
        require(principal, Permission.INVENTORY_READ)
        with self._ctx.uow() as uow:
            levels = uow.stock.for_skus([v.sku(sku)]) if sku is not None else uow.stock.list()
        return sorted(levels, key=lambda lv: lv.key)
