"""Staff's changes of stock outside the order flow: manual adjustments and transfers between
warehouses. Each runs in the caller's unit of work and writes its ledger entries."""

from __future__ import annotations

from datetime import datetime

from ecommerce_core.domain import events as ev
from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput, NotFound, UnknownSku
from ecommerce_core.domain.inventory import StockLevel
from ecommerce_core.domain.stock_control import adjustment_reason
from ecommerce_core.domain.stock_ledger import LedgerEntry, MovementKind
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.stock_moves import move

__all__ = ["adjust_stock", "known_level_keys", "transfer_stock"]


def _known(uow: UnitOfWork, sku: str, *warehouse_ids: str) -> None:
    if uow.products.get_by_sku(sku) is None:
        raise UnknownSku(f"no product has the SKU {sku}", sku=sku)
    known = {w.id for w in uow.warehouses.list()}
    for wid in warehouse_ids:
        if wid not in known:
            raise NotFound("no such warehouse", warehouse_id=str(wid)[:64])


def known_level_keys(uow: UnitOfWork, sku: str) -> dict[str, StockLevel]:
    """The SKU's levels by warehouse, locked (one SKU: one lock order)."""
    return {lv.warehouse_id: lv for lv in uow.stock.for_skus([sku], for_update=True)}


def adjust_stock(
    uow: UnitOfWork,
    *,
    sku: str,
    warehouse_id: str,
    delta: int,
    reason: str,
    note: str,
    actor: str,
    at: datetime,
) -> tuple[StockLevel, LedgerEntry]:
    """Change on hand by ``delta`` (negative: units leave) for a reason code.

    :raises OutOfStock: the level would hold fewer units than are promised to orders (or < 0).
    """
    code = v.sku(sku)
    why = adjustment_reason(reason)
    text = v.text(note, "note", max_length=400, allow_empty=True)
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise InvalidInput("delta is a whole number of units, not 0", field="delta")
    if abs(delta) > v.MAX_QUANTITY:
        raise InvalidInput(f"delta is at most {v.MAX_QUANTITY} units either way", field="delta")
    _known(uow, code, warehouse_id)
    before = known_level_keys(uow, code).get(warehouse_id)
    after = (before or StockLevel(code, warehouse_id)).adjusted(delta)
    label = f"{why.value}: {text}" if text else why.value
    (entry,) = move(
        uow, [(before, after)], MovementKind.ADJUSTMENT, at=at, actor=actor, reason=label
    )
    uow.outbox.add(
        [
            ev.StockAdjusted(
                occurred_at=at, sku=code, warehouse_id=warehouse_id, delta=delta, reason=why.value
            )
        ]
    )
    return after, entry


def transfer_stock(
    uow: UnitOfWork,
    *,
    transfer_id: str,
    sku: str,
    from_warehouse_id: str,
    to_warehouse_id: str,
    quantity: int,
    note: str,
    actor: str,
    at: datetime,
) -> list[LedgerEntry]:
    """Move units between two warehouses in one transaction: two entries (``transfer_out``,
    ``transfer_in``) sharing the transfer's id as their reference.

    :raises OutOfStock: the source has fewer units available (not promised to orders).
    """
    code, qty = v.sku(sku), v.quantity(quantity)
    text = v.text(note, "note", max_length=500, allow_empty=True)
    if from_warehouse_id == to_warehouse_id:
        raise InvalidInput("a transfer goes between two warehouses", field="to_warehouse_id")
    _known(uow, code, from_warehouse_id, to_warehouse_id)
    levels = known_level_keys(uow, code)
    source = levels.get(from_warehouse_id) or StockLevel(code, from_warehouse_id)
    target = levels.get(to_warehouse_id)
    changes = [
        (levels.get(from_warehouse_id), source.adjusted(-qty)),
        (target, (target or StockLevel(code, to_warehouse_id)).received(qty)),
    ]
    out = move(
        uow,
        changes[:1],
        MovementKind.TRANSFER_OUT,
        at=at,
        actor=actor,
        reason=text,
        reference=transfer_id,
    )
    into = move(
        uow,
        changes[1:],
        MovementKind.TRANSFER_IN,
        at=at,
        actor=actor,
        reason=text,
        reference=transfer_id,
    )
    uow.outbox.add(
        [
            ev.StockTransferred(
                occurred_at=at,
                transfer_id=transfer_id,
                sku=code,
                from_warehouse_id=from_warehouse_id,
                to_warehouse_id=to_warehouse_id,
                quantity=qty,
            )
        ]
    )
    return [*out, *into]
