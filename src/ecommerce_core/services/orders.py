"""Order use cases: reading (each customer only their own), cancelling and completing."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from ecommerce_core.domain import events as ev
from ecommerce_core.domain import validation as v
from ecommerce_core.domain.allocation import (
    AllocationRequest,
    AllocationStrategy,
    checked_plan,
    regional_allocation,
)
from ecommerce_core.domain.errors import InvalidInput, InvalidTransition, NotFound
from ecommerce_core.domain.inventory import (
    Reservation,
    ReservationStatus,
    StockLevel,
    Warehouse,
    sum_by_sku,
)
from ecommerce_core.domain.order_flow import OrderFlow
from ecommerce_core.domain.orders import (
    Address,
    Order,
    OrderAction,
    PaymentState,
)
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.domain.stock_ledger import MovementKind
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.redemptions import award_points, give_back
from ecommerce_core.services.retry import retry_on_contention
from ecommerce_core.services.stock_moves import move, outstanding
from ecommerce_core.services.timeline import TimelineEntry, build_timeline

__all__ = ["OrderService", "commit_reservation", "load_visible_order", "release_reservation"]


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
    warehouses = {w.id: w for w in uow.warehouses.list()}
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


class OrderService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    @property
    def flow(self) -> OrderFlow:
        """The order state machine this shop runs: the built-in table plus the plugins' additions
        (``flow.transitions``, ``flow.actions(status)``, ``flow.refusal(order, action)``)."""
        return self._ctx.order_flow

    def get(self, principal: Principal, order_id: str) -> Order:
        require(principal, Permission.ORDER_READ_OWN)
        with self._ctx.uow() as uow:
            return load_visible_order(uow, principal, order_id)

    def get_by_number(self, principal: Principal, number: str) -> Order:
        require(principal, Permission.ORDER_READ_OWN)
        with self._ctx.uow() as uow:
            order = uow.orders.get_by_number(number) if isinstance(number, str) else None
            if order is None:
                raise NotFound("no such order", number=str(number)[:64])
            return load_visible_order(uow, principal, order.id)

    def list(self, principal: Principal, limit: int = 50) -> list[Order]:
        """The customer's own orders, or every order for staff; newest first."""
        require(principal, Permission.ORDER_READ_OWN)
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise InvalidInput("limit must be a whole number", field="limit")
        customer = None if principal.can(Permission.ORDER_READ_ANY) else principal.id
        with self._ctx.uow() as uow:
            return uow.orders.list(customer_id=customer, limit=max(1, min(limit, 500)))

    def timeline(self, principal: Principal, order_id: str) -> builtins.list[TimelineEntry]:
        """Every step of the order's life in time order: placement, edits, payment and its
        failures, refunds, each parcel and its tracking updates, delivery, completion or
        cancellation, staff notes. A customer sees their own order's customer-facing entries
        (no internal notes, no actor); staff see all. Another customer's order is not found."""
        require(principal, Permission.ORDER_READ_OWN)
        with self._ctx.uow() as uow:
            order = load_visible_order(uow, principal, order_id)
            payments = uow.payments.list_for_order(order.id)
            parcels = uow.shipments.list_for_order(order.id)
            requests = uow.aftersales.list_for_order(order.id)
        return build_timeline(principal, order, payments, parcels, requests)

    @retry_on_contention
    def add_note(
        self, principal: Principal, order_id: str, note: str, *, internal: bool = True
    ) -> Order:
        """A staff note on the order's timeline; ``internal`` ones are never shown to the
        customer. The order's statuses (and ``updated_at``) do not change."""
        from ecommerce_core.services.order_notes import add_note

        return add_note(self._ctx, principal, order_id, note, internal=internal)

    # -- edits before payment (services/order_edits.py, imported late: it builds on this module)
    @retry_on_contention
    def change_address(
        self, principal: Principal, order_id: str, address: Address | Mapping[str, Any]
    ) -> Order:
        """Send the unpaid order elsewhere: priced again (shipping fee, regional tax) at current
        prices, its stock held afresh. Its customer or staff; all or nothing."""
        from ecommerce_core.services.checkout import address_from
        from ecommerce_core.services.order_edits import change_address

        return change_address(self._ctx, principal, order_id, address_from(address))

    @retry_on_contention
    def change_quantity(
        self, principal: Principal, order_id: str, sku: str, quantity: int
    ) -> Order:
        """Set how many of ``sku`` the unpaid order holds: priced again at current prices and
        held afresh (the old hold released, the new one taken) in one unit of work."""
        from ecommerce_core.services.order_edits import change_quantity

        return change_quantity(self._ctx, principal, order_id, sku, quantity)

    @retry_on_contention
    def remove_line(self, principal: Principal, order_id: str, sku: str) -> Order:
        """Take ``sku`` out of the unpaid order (not its last line): priced and held afresh."""
        from ecommerce_core.services.order_edits import remove_line

        return remove_line(self._ctx, principal, order_id, sku)

    @retry_on_contention
    def cancel(self, principal: Principal, order_id: str, reason: str = "") -> Order:
        """Cancel an unpaid order (its customer or staff) and release its stock.

        A paid order is not cancelled but refunded in full (``shop.payments.refund``), which
        closes it (status ``closed``, payment ``refunded``).
        """
        require(principal, Permission.ORDER_CANCEL_OWN)
        note = v.text(reason, "reason", max_length=500, allow_empty=True)
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            order = load_visible_order(uow, principal, order_id, for_update=True)
            if order.payment_status is not PaymentState.UNPAID:
                require(principal, Permission.ORDER_MANAGE)  # a customer's answer: denied
                raise InvalidTransition(
                    "a paid order is not cancelled: refund it in full, which closes it",
                    order_id=order.id,
                    status=str(order.status),
                )
            cancelled, events = self._ctx.order_flow.apply(
                order,
                OrderAction.CANCEL,
                now,
                note or "cancelled",
                actor=principal.id,
            )
            release_reservation(uow, order, now, actor=principal.id or "system")
            give_back(uow, self._ctx, order)
            uow.orders.update(cancelled)
            uow.outbox.add(events)
            uow.commit()
        return cancelled

    @retry_on_contention
    def complete(self, principal: Principal, order_id: str) -> Order:
        """Close a delivered order (staff, or the system's auto-complete)."""
        require(principal, Permission.ORDER_MANAGE)
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            order = load_visible_order(uow, principal, order_id, for_update=True)
            completed, events = self._ctx.order_flow.apply(
                order, OrderAction.COMPLETE, now, "completed", actor=principal.id
            )
            award_points(uow, self._ctx, order)
            uow.orders.update(completed)
            uow.outbox.add(events)
            uow.commit()
        return completed

    def complete_delivered(self, principal: Principal, *, limit: int = 100) -> builtins.list[Order]:
        """Complete the orders delivered at least ``ShopSettings.auto_complete_after`` ago (after
        their last change, if later); idempotent, one transaction per order, safe from several
        workers at once. Returns the orders it completed (none when the setting is None)."""
        from ecommerce_core.services.order_sweeps import complete_delivered

        return complete_delivered(self._ctx, principal, limit=limit)

    @retry_on_contention
    def advance(self, principal: Principal, order_id: str, action: str, *, note: str = "") -> Order:
        """Fire an action a plugin declared (``approve_risk``, ``approve``...), staff only.

        The built-in actions have their own use cases (pay, ship, refund, cancel, complete, the
        edits), which do what the action means besides moving the order; they are refused here.

        :raises InvalidTransition: the action is not declared from the order's status.
        :raises TransitionRefused: a guard refused it, with its reason.
        """
        require(principal, Permission.ORDER_MANAGE)
        name = v.text(action, "action", max_length=40)
        if name in set(OrderAction):
            raise InvalidInput(f"{name} is a built-in action with its own use case", field="action")
        text = v.text(note, "note", max_length=500, allow_empty=True)
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            order = load_visible_order(uow, principal, order_id, for_update=True)
            moved, events = self._ctx.order_flow.apply(
                order, name, now, text or name, actor=principal.id
            )
            uow.orders.update(moved)
            uow.outbox.add(events)
            uow.commit()
        return moved

    def expire_unpaid(self, principal: Principal, *, limit: int = 100) -> builtins.list[Order]:
        """Cancel orders whose stock hold ran out unpaid, and give the stock back.

        Idempotent and safe to run from several workers at once: each order is settled in its
        own transaction under its lock, and one already settled is skipped.
        """
        require(principal, Permission.ORDER_MANAGE)
        batch = max(1, min(int(limit) if isinstance(limit, int) else 100, 1000))
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            expired = uow.reservations.expired(now, batch)
        cancelled: builtins.list[Order] = []
        for reservation in expired:
            with self._ctx.uow() as uow:
                order = uow.orders.get(reservation.order_id, for_update=True)
                current = uow.reservations.get(reservation.id, for_update=True)
                if current is None or not current.is_expired(now):
                    continue
                if order is None or order.reservation_id != reservation.id:
                    continue  # a hold left behind by a renewal: nothing to cancel
                if order.payment_status is not PaymentState.UNPAID:
                    continue
                if self._ctx.order_flow.find(order.status, OrderAction.CANCEL) is None:
                    continue
                closed, events = self._ctx.order_flow.apply(
                    order,
                    OrderAction.CANCEL,
                    now,
                    "payment_timeout",
                    actor=principal.id,
                    check_guards=False,
                )
                release_reservation(uow, order, now)
                give_back(uow, self._ctx, order)
                uow.orders.update(closed)
                uow.outbox.add(events)
                uow.commit()
            cancelled.append(closed)
        return cancelled
