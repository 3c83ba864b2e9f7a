"""Stock movements: every change of a stock level is written with its ledger entry, together.

These functions run inside the caller's unit of work (they never commit) and are what other use
cases call to move stock: shipping a parcel (:func:`post_shipment`), restocking a return
(:func:`post_return`). Nothing else writes ``uow.stock``, except a backup's restore.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from ecommerce_core.domain import events as ev
from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput, InvalidTransition, NotFound
from ecommerce_core.domain.inventory import Reservation, ReservationStatus, StockLevel
from ecommerce_core.domain.orders import Order
from ecommerce_core.domain.stock_ledger import LedgerEntry, MovementKind, entry_between
from ecommerce_core.ports.storage import UnitOfWork

__all__ = [
    "move",
    "outstanding",
    "post_return",
    "post_shipment",
    "returned_quantities",
    "shipped_quantities",
]

_ALL = 1_000_000  # an order's entries are few; this reads all of them


def move(
    uow: UnitOfWork,
    changes: Sequence[tuple[StockLevel | None, StockLevel]],
    kind: MovementKind,
    *,
    at: datetime,
    actor: str,
    reason: str = "",
    reference: str = "",
    order_id: str = "",
) -> list[LedgerEntry]:
    """Save each ``(before, after)`` level and append the entry explaining it (one per level,
    even when nothing changed: a commit is recorded with zero deltas). A level whose available
    units fall to or below its low-stock threshold raises ``stock.low`` (once per crossing)."""
    if not changes:
        return []
    entries = [
        entry_between(
            before,
            after,
            kind,
            actor=actor,
            reason=reason,
            reference=reference,
            order_id=order_id,
            at=at,
        )
        for before, after in changes
    ]
    uow.stock.save([after for before, after in changes if before != after])
    uow.stock_ledger.add(entries)
    low = [
        ev.StockLow(
            occurred_at=at,
            sku=after.sku,
            warehouse_id=after.warehouse_id,
            available=after.available,
            threshold=after.low_stock_threshold,
        )
        for before, after in changes
        if after.low_stock_threshold is not None and after.fell_low(before)
    ]
    if low:
        uow.outbox.add(low)
    return entries


def _moved(uow: UnitOfWork, order_id: str, kind: MovementKind) -> dict[tuple[str, str], int]:
    totals: dict[tuple[str, str], int] = {}
    for e in uow.stock_ledger.list(order_id=order_id, kinds=[kind], limit=_ALL):
        totals[e.key] = totals.get(e.key, 0) + abs(e.on_hand_delta)
    return totals


def shipped_quantities(uow: UnitOfWork, order_id: str) -> dict[tuple[str, str], int]:
    """Units of the order shipped so far, per (SKU, warehouse)."""
    return _moved(uow, order_id, MovementKind.SHIPMENT)


def returned_quantities(uow: UnitOfWork, order_id: str) -> dict[tuple[str, str], int]:
    """Units of the order restocked from returns so far, per (SKU, warehouse)."""
    return _moved(uow, order_id, MovementKind.RETURN)


def outstanding(uow: UnitOfWork, reservation: Reservation) -> dict[tuple[str, str], int]:
    """Units the reservation still holds in each warehouse: all its lines while it is active,
    its lines less what has shipped once committed, nothing once released."""
    if reservation.status is ReservationStatus.RELEASED:
        return {}
    shipped = (
        shipped_quantities(uow, reservation.order_id)
        if reservation.status is ReservationStatus.COMMITTED
        else {}
    )
    left = {
        (ln.sku, ln.warehouse_id): ln.quantity - shipped.get((ln.sku, ln.warehouse_id), 0)
        for ln in reservation.lines
    }
    return {key: n for key, n in left.items() if n > 0}


def post_shipment(
    uow: UnitOfWork,
    order: Order,
    at: datetime,
    *,
    actor: str,
    reference: str,
    items: Mapping[str, int] | None = None,
    warehouse_id: str | None = None,
) -> list[LedgerEntry]:
    """Units of a paid order leave the warehouse (one parcel): on hand and reserved go down.

    :param reference: the shipment (parcel) id, kept on the ledger entries.
    :param items: units per SKU in this parcel; None ships everything the order still has to.
    :param warehouse_id: ship only from this warehouse (a parcel leaves from one place).
    :returns: the entries written, one per (SKU, warehouse) shipped from.
    :raises InvalidTransition: the order's stock is not committed (it is unpaid or cancelled).
    :raises InvalidInput: more of a SKU than the order has left to ship (from that warehouse).
    """
    reservation = (
        uow.reservations.get(order.reservation_id, for_update=True)
        if order.reservation_id
        else None
    )
    if reservation is None or reservation.status is not ReservationStatus.COMMITTED:
        raise InvalidTransition("only a paid order's stock can ship", order_id=order.id)
    left = outstanding(uow, reservation)
    if warehouse_id is not None:
        left = {key: n for key, n in left.items() if key[1] == warehouse_id}
    if items is None:
        plan = left
    else:
        plan = {}
        for raw_sku, raw_qty in sorted(items.items()):
            sku, need = v.sku(raw_sku), v.quantity(raw_qty)
            for key in sorted(k for k in left if k[0] == sku):
                take = min(need, left[key])
                plan[key], need = take, need - take
                if need == 0:
                    break
            if need:
                raise InvalidInput(
                    f"the order has fewer units of {sku} left to ship", sku=sku, order_id=order.id
                )
    if not plan:
        raise InvalidInput("nothing of the order is left to ship", order_id=order.id)
    levels = {lv.key: lv for lv in uow.stock.for_skus({k[0] for k in plan}, for_update=True)}
    changes = [(levels[key], levels[key].ship(n, at)) for key, n in sorted(plan.items())]
    return move(
        uow, changes, MovementKind.SHIPMENT, at=at, actor=actor, reference=reference,
        order_id=order.id,
    )  # fmt: skip


def post_return(
    uow: UnitOfWork,
    *,
    sku: str,
    warehouse_id: str,
    quantity: int,
    at: datetime,
    actor: str,
    reference: str,
    order_id: str = "",
    reason: str = "",
) -> LedgerEntry:
    """Returned units go back on hand (restocked, sellable again) in ``warehouse_id``.

    With ``order_id``, no more of a SKU comes back than the order shipped (from any warehouse).

    :param reference: the return (RMA) id, kept on the ledger entry.
    :raises NotFound: no such warehouse.
    :raises InvalidInput: more than the order shipped and has not yet returned.
    """
    code, qty = v.sku(sku), v.quantity(quantity)
    if not any(w.id == warehouse_id for w in uow.warehouses.list()):
        raise NotFound("no such warehouse", warehouse_id=str(warehouse_id)[:64])
    if order_id:
        shipped = sum(n for (s, _), n in shipped_quantities(uow, order_id).items() if s == code)
        back = sum(n for (s, _), n in returned_quantities(uow, order_id).items() if s == code)
        if qty > shipped - back:
            raise InvalidInput(
                f"the order shipped {shipped} of {code} and {back} came back already",
                sku=code,
                order_id=order_id,
            )
    current = {lv.warehouse_id: lv for lv in uow.stock.for_skus([code], for_update=True)}
    before = current.get(warehouse_id)
    after = (before or StockLevel(code, warehouse_id)).received(qty)
    (entry,) = move(
        uow, [(before, after)], MovementKind.RETURN, at=at, actor=actor, reason=reason,
        reference=reference, order_id=order_id,
    )  # fmt: skip
    return entry
