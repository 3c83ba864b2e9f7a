"""Order use cases: reading (each customer only their own), cancelling and completing."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidInput, InvalidTransition, NotFound
from ecommerce_core.domain.order_flow import OrderFlow
from ecommerce_core.domain.orders import (
    Address,
    Order,
    OrderAction,
    PaymentState,
)
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.order_holds import (
    commit_reservation,
    load_visible_order,
    release_reservation,
)
from ecommerce_core.services.redemptions import award_points, give_back
from ecommerce_core.services.retry import retry_on_contention
from ecommerce_core.services.timeline import TimelineEntry, build_timeline

__all__ = ["OrderService", "commit_reservation", "load_visible_order", "release_reservation"]


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
