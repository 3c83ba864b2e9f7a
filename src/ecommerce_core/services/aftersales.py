"""After-sales use cases: customers open returns, exchanges and refund requests and see their own;
staff approve, reject, receive the goods back into stock, refund and ship replacements."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence

import attrs

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.aftersales import (
    AfterSalesRequest,
    RequestAction,
    RequestStatus,
    open_request,
)
from ecommerce_core.domain.errors import InvalidInput, InvalidTransition, NotFound
from ecommerce_core.domain.orders import Order
from ecommerce_core.domain.refunds import plan_refund, refunded_units
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.aftersales_stock import (
    restock_returned,
    ship_replacement,
    take_replacement,
)
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.order_holds import load_visible_order
from ecommerce_core.services.refunds import refund_order_lines
from ecommerce_core.services.retry import retry_on_contention
from ecommerce_core.services.stock_moves import shipped_quantities

__all__ = ["AfterSalesService"]


def _note(value: object) -> str:
    return v.text(value, "note", max_length=500, allow_empty=True)


class AfterSalesService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- customers ---------------------------------------------------------------------------
    @retry_on_contention
    def open(
        self,
        principal: Principal,
        order_id: str,
        *,
        kind: str,
        lines: Mapping[int, int] | Mapping[str, int],
        reason: str,
        description: str = "",
        photos: Sequence[str] = (),
    ) -> AfterSalesRequest:
        """Ask to return, exchange or be refunded units of an order's lines.

        :param kind: ``return``, ``exchange`` or ``refund_only`` (no goods come back).
        :param lines: ``{line position or SKU: units}``; only units not already asked for in
            another open or carried-out request, nor refunded.
        :param reason: a code of :class:`~ecommerce_core.domain.aftersales.Reason`.
        :param photos: ids of the shop's file store or ``https://`` URLs (at most 9).
        """
        require(principal, Permission.AFTERSALES_REQUEST_OWN)
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            order = load_visible_order(uow, principal, order_id, for_update=True)
            earlier = uow.aftersales.list_for_order(order.id)
            request, events = open_request(
                order,
                id=self._ctx.ids.new_id("rma"),
                kind=kind,
                lines=lines,
                reason=reason,
                description=description,
                photos=photos,
                earlier=earlier,
                refunded=self._refunded_outside(uow, order, earlier),
                shipped=self._shipped(uow, order),
                at=now,
                actor_id=principal.id or "",
                actor_role=principal.role.value,
            )
            uow.aftersales.add(request)
            uow.outbox.add(events)
            uow.commit()
        return request

    def get(self, principal: Principal, request_id: str) -> AfterSalesRequest:
        require(principal, Permission.AFTERSALES_REQUEST_OWN)
        with self._ctx.uow() as uow:
            return self._visible(uow, principal, request_id)

    def list(self, principal: Principal, *, limit: int = 50) -> builtins.list[AfterSalesRequest]:
        """The customer's own requests, or every request for staff; newest first."""
        require(principal, Permission.AFTERSALES_REQUEST_OWN)
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise InvalidInput("limit must be a whole number", field="limit")
        mine = None if principal.can(Permission.AFTERSALES_MANAGE) else principal.id
        with self._ctx.uow() as uow:
            return uow.aftersales.list(customer_id=mine, limit=max(1, min(limit, 500)))

    def list_for_order(
        self, principal: Principal, order_id: str
    ) -> builtins.list[AfterSalesRequest]:
        """Every request about an order, oldest first (for its timeline)."""
        require(principal, Permission.ORDER_READ_OWN)
        with self._ctx.uow() as uow:
            order = load_visible_order(uow, principal, order_id)
            return uow.aftersales.list_for_order(order.id)

    @retry_on_contention
    def withdraw(
        self, principal: Principal, request_id: str, *, note: str = ""
    ) -> AfterSalesRequest:
        """The customer takes back a request nobody has decided on yet."""
        require(principal, Permission.AFTERSALES_REQUEST_OWN)
        return self._step(principal, request_id, RequestAction.WITHDRAW, _note(note))

    # -- staff ---------------------------------------------------------------------------------
    @retry_on_contention
    def approve(
        self, principal: Principal, request_id: str, *, note: str = ""
    ) -> AfterSalesRequest:
        require(principal, Permission.AFTERSALES_MANAGE)
        return self._step(principal, request_id, RequestAction.APPROVE, _note(note))

    @retry_on_contention
    def reject(self, principal: Principal, request_id: str, *, note: str = "") -> AfterSalesRequest:
        require(principal, Permission.AFTERSALES_MANAGE)
        return self._step(principal, request_id, RequestAction.REJECT, _note(note))

    @retry_on_contention
    def receive(
        self, principal: Principal, request_id: str, *, warehouse_id: str, note: str = ""
    ) -> AfterSalesRequest:
        """The returned goods arrived: they go back on hand in ``warehouse_id``."""
        require(principal, Permission.AFTERSALES_MANAGE)
        text = _note(note)
        warehouse = v.identifier(warehouse_id, "warehouse_id")
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            request = self._visible(uow, principal, request_id, for_update=True)
            received, events = request.advance(
                RequestAction.RECEIVE,
                now,
                principal.id or "",
                principal.role.value,
                text,
                warehouse_id=warehouse,
            )
            events += restock_returned(uow, request, warehouse, now, principal.id or "system")
            uow.aftersales.update(received)
            uow.outbox.add(events)
            uow.commit()
        return received

    def refund(
        self,
        principal: Principal,
        request_id: str,
        *,
        include_shipping: bool = False,
        note: str = "",
    ) -> AfterSalesRequest:
        """Refund the request's units, each by its exact share of what was paid (and the
        shipping if asked): a return whose goods were received, or an approved refund_only.

        The payment refund's idempotency key is derived from the request, so calling this again
        after a failure never refunds twice.
        """
        require(principal, Permission.AFTERSALES_MANAGE)
        text = _note(note)
        with self._ctx.uow() as uow:
            request = self._visible(uow, principal, request_id)
            order = self._order(uow, request)
            refunds = [r for p in uow.payments.list_for_order(order.id) for r in p.refunds]
        if not request.can(RequestAction.REFUND):
            raise InvalidTransition(
                f"a {request.kind.value} request that is {request.status.value} cannot refund",
                request_id=request.id,
            )
        units = {line.line: line.quantity for line in request.lines}
        key = f"{request.id}.refund"
        worth = plan_refund(
            order,
            units,
            [r for r in refunds if r.idempotency_key != key],
            include_shipping=include_shipping,
        ).total
        refund = None
        if worth.amount > 0:
            payment = refund_order_lines(
                self._ctx,
                principal,
                order.id,
                units,
                idempotency_key=key,
                include_shipping=include_shipping,
                reason=f"after-sales {request.id}",
            )
            refund = payment.refund_by_key(key)
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            current = self._visible(uow, principal, request_id, for_update=True)
            done, events = current.advance(
                RequestAction.REFUND,
                now,
                principal.id or "",
                principal.role.value,
                text,
                refund_id=None if refund is None else refund.id,
                refunded=worth if refund is None else refund.amount,
            )
            uow.aftersales.update(done)
            uow.outbox.add(events)
            uow.commit()
        return done

    def exchange(
        self, principal: Principal, request_id: str, *, carrier: str | None = None, note: str = ""
    ) -> AfterSalesRequest:
        """Send the same goods again for an exchange whose returned goods were received: the
        units are taken from stock, then a parcel is booked. If booking fails, calling this
        again books the parcel without taking the units twice."""
        require(principal, Permission.AFTERSALES_MANAGE)
        text = _note(note)
        carrier_name = carrier or self._ctx.settings.default_carrier
        provider = self._ctx.carrier(carrier_name)
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            request = self._visible(uow, principal, request_id, for_update=True)
            if request.status is RequestStatus.EXCHANGED:
                exchanged = request
            else:
                exchanged, events = request.advance(
                    RequestAction.EXCHANGE, now, principal.id or "", principal.role.value, text
                )
                hold, taken = take_replacement(
                    self._ctx, uow, request, now, principal.id or "system"
                )
                exchanged = attrs.evolve(exchanged, replacement_id=hold.id)
                events = taken + events
                uow.aftersales.update(exchanged)
                uow.outbox.add(events)
                uow.commit()
        if exchanged.shipment_id is not None:
            return exchanged
        return ship_replacement(
            self._ctx, provider, carrier_name, exchanged, principal.id or "system"
        )

    # -- helpers -------------------------------------------------------------------------------
    def _step(
        self, principal: Principal, request_id: str, action: RequestAction, note: str
    ) -> AfterSalesRequest:
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            request = self._visible(uow, principal, request_id, for_update=True)
            changed, events = request.advance(
                action, now, principal.id or "", principal.role.value, note
            )
            uow.aftersales.update(changed)
            uow.outbox.add(events)
            uow.commit()
        return changed

    @staticmethod
    def _visible(
        uow: UnitOfWork, principal: Principal, request_id: str, *, for_update: bool = False
    ) -> AfterSalesRequest:
        """The request if ``principal`` may see it; another customer's is simply not found."""
        found = (
            uow.aftersales.get(request_id, for_update=for_update)
            if isinstance(request_id, str)
            else None
        )
        if found is not None and (
            principal.can(Permission.AFTERSALES_MANAGE) or found.customer_id == principal.id
        ):
            return found
        raise NotFound("no such after-sales request", request_id=str(request_id)[:64])

    @staticmethod
    def _order(uow: UnitOfWork, request: AfterSalesRequest) -> Order:
        order = uow.orders.get(request.order_id)
        if order is None:
            raise NotFound("the request's order is gone", order_id=request.order_id)
        return order

    @staticmethod
    def _shipped(uow: UnitOfWork, order: Order) -> dict[str, int]:
        """Units of the order shipped per SKU, from the stock ledger (replacements included)."""
        totals: dict[str, int] = {}
        for (sku, _), count in shipped_quantities(uow, order.id).items():
            totals[sku] = totals.get(sku, 0) + count
        return totals

    @staticmethod
    def _refunded_outside(
        uow: UnitOfWork, order: Order, requests: Sequence[AfterSalesRequest]
    ) -> dict[int, int]:
        """Units refunded by refunds that no request made (those are counted as requested)."""
        by_requests = {r.refund_id for r in requests if r.refund_id}
        refunds = [
            r
            for p in uow.payments.list_for_order(order.id)
            for r in p.refunds
            if r.id not in by_requests
        ]
        return refunded_units(refunds)
