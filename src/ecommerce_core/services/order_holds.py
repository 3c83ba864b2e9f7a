"""The stock hold of an order: placing it, renewing it, committing it on payment, releasing it,
and loading an order as the acting principal may see it. Shared by every order use case."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import attrs

from ecommerce_core.domain import events as ev
from ecommerce_core.domain.allocation import (
    AllocationRequest,
    AllocationStrategy,
    checked_plan,
    regional_allocation,
)
from ecommerce_core.domain.errors import NotFound
from ecommerce_core.domain.inventory import (
    Reservation,
    ReservationStatus,
    StockLevel,
    Warehouse,
    sum_by_sku,
)
from ecommerce_core.domain.orders import (
    Address,
    Order,
)
from ecommerce_core.domain.security import Permission, Principal
from ecommerce_core.domain.stock_ledger import MovementKind
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.stock_moves import move, outstanding

__all__ = [
    "commit_reservation",
    "hold_for_payment",
    "load_visible_order",
    "release_reservation",
    "reserve_stock",
]


def load_visible_order(
    uow: UnitOfWork, principal: Principal, order_id: str, *, for_update: bool = False
) -> Order:
    """The order if ``principal`` may see it. Another customer's order is simply not found."""
    order = uow.orders.get(order_id, for_update=for_update) if isinstance(order_id, str) else None
    if order is None:
        raise NotFound("no such order", order_id=str(order_id)[:64])
    if principal.can(Permission.ORDER_READ_ANY):
        return order
    if principal.can(Permission.ORDER_READ_OWN) and order.customer_id == principal.id:
        return order
    raise NotFound("no such order", order_id=order_id)


def _settle_reservation(
    uow: UnitOfWork, order: Order, commit: bool, at: datetime, actor: str
) -> Reservation | None:
    """Commit the order's active hold, or release what it still holds (an active hold, or the
    unshipped rest of a committed one); None when there is nothing to settle."""
    if order.reservation_id is None:
        return None
    reservation = uow.reservations.get(order.reservation_id, for_update=True)
    if reservation is None:
        return None
    if reservation.status is not ReservationStatus.ACTIVE and (
        commit or reservation.status is not ReservationStatus.COMMITTED
    ):
        return None
    left = {} if commit else outstanding(uow, reservation)
    keys = (
        sorted(left)
        if not commit
        else sorted((ln.sku, ln.warehouse_id) for ln in reservation.lines)
    )
    levels = {lv.key: lv for lv in uow.stock.for_skus({k[0] for k in keys}, for_update=True)}
    if commit:
        # the units stay on hand and promised until they ship: the entry records the payment
        changes = [(levels[key], levels[key]) for key in keys]
        kind = MovementKind.COMMIT
    else:
        changes = [(levels[key], levels[key].release(left[key])) for key in keys]
        kind = MovementKind.RELEASE
    move(uow, changes, kind, at=at, actor=actor, reference=reservation.id, order_id=order.id)
    settled_reservation = reservation.committed() if commit else reservation.released()
    uow.reservations.update(settled_reservation)
    return settled_reservation


def release_reservation(
    uow: UnitOfWork, order: Order, at: datetime, *, actor: str = "system"
) -> None:
    """Give the order's held units back to stock: an unpaid hold, or what a paid order has not
    shipped yet (nothing happens if it holds nothing)."""
    if (done := _settle_reservation(uow, order, False, at, actor)) is not None:
        uow.outbox.add(
            [ev.StockReleased(occurred_at=at, reservation_id=done.id, order_id=order.id)]
        )


def commit_reservation(
    uow: UnitOfWork, order: Order, at: datetime, *, actor: str = "system"
) -> None:
    """The held units are sold: they stay on hand, promised to the order, until they ship."""
    if (done := _settle_reservation(uow, order, True, at, actor)) is not None:
        uow.outbox.add(
            [ev.StockCommitted(occurred_at=at, reservation_id=done.id, order_id=order.id)]
        )


def reserve_stock(
    uow: UnitOfWork,
    demand: Mapping[str, int],
    levels: Sequence[StockLevel],
    warehouses: Mapping[str, Warehouse],
    reservation_id: str,
    order_id: str,
    now: datetime,
    ttl: timedelta,
    *,
    actor: str = "system",
    destination: Address | None = None,
    strategy: AllocationStrategy = regional_allocation,
    strategy_name: str = "regional",
) -> tuple[Reservation, ev.StockReserved]:
    """Hold ``demand`` (summed per SKU) from ``levels``, already locked by the caller, from the
    warehouses ``strategy`` picks for ``destination`` (its plan is checked first).

    All lines or none: :class:`OutOfStock` before anything is written. The caller stores the
    returned event, so that it can keep its own order of events in the outbox.
    """
    request = AllocationRequest(
        demand,
        levels,
        warehouses,
        destination.country if destination else None,
        destination.region if destination else "",
    )
    plan = checked_plan(request, strategy(request), strategy_name)
    by_key = {lv.key: lv for lv in levels}
    changes = [
        (by_key[(p.sku, p.warehouse_id)], by_key[(p.sku, p.warehouse_id)].reserve(p.quantity))
        for p in plan
    ]
    move(
        uow, changes, MovementKind.RESERVATION, at=now, actor=actor, reference=reservation_id,
        order_id=order_id,
    )  # fmt: skip
    reservation = Reservation.hold(reservation_id, order_id, plan, now, ttl)
    uow.reservations.add(reservation)
    event = ev.StockReserved(
        occurred_at=now,
        reservation_id=reservation.id,
        order_id=order_id,
        lines=tuple((p.sku, p.warehouse_id, p.quantity) for p in plan),
    )
    return reservation, event


def hold_for_payment(
    uow: UnitOfWork, order: Order, now: datetime, ctx: ServiceContext, *, actor: str = "system"
) -> Order:
    """The order with an active, unexpired hold on its stock, ready to be committed (INV-5).

    An expired hold is never committed: it is released and the stock reserved afresh, under the
    same locks; :class:`OutOfStock` when that is no longer possible (the order keeps no hold).
    """
    if order.reservation_id is None:
        return order
    current = uow.reservations.get(order.reservation_id, for_update=True)
    if current is not None and current.status is ReservationStatus.ACTIVE:
        if not current.is_expired(now):
            return order
        release_reservation(uow, order, now, actor=actor)
    demand = sum_by_sku((line.sku, line.quantity) for line in order.lines)
    levels = uow.stock.for_skus(sorted(demand), for_update=True)
    warehouses = ctx.catalogue.read(uow).warehouses()  # cached: read when they changed
    fresh, reserved = reserve_stock(
        uow,
        demand,
        levels,
        warehouses,
        ctx.ids.new_id("res"),
        order.id,
        now,
        ctx.settings.reservation_ttl,
        actor=actor,
        destination=order.shipping_address,
        strategy=ctx.allocation,
        strategy_name=ctx.settings.allocation_strategy,
    )
    uow.outbox.add([reserved])
    renewed = attrs.evolve(order, reservation_id=fresh.id)
    uow.orders.update(renewed)
    return renewed
