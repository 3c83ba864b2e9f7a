"""Complaint use cases: a customer opens one (about an order or not) and writes; the shop
answers; either side closes it. A customer sees only their own complaints."""

from __future__ import annotations

import builtins

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.complaints import Complaint
from ecommerce_core.domain.errors import InvalidInput, NotFound
from ecommerce_core.domain.security import Permission, Principal, require
from ecommerce_core.ports.storage import UnitOfWork
from ecommerce_core.services.context import ServiceContext
from ecommerce_core.services.order_holds import load_visible_order

__all__ = ["ComplaintService"]


class ComplaintService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def open(
        self, principal: Principal, *, subject: str, message: str, order_id: str | None = None
    ) -> Complaint:
        """A customer's complaint, about one of their orders when ``order_id`` is given."""
        require(principal, Permission.COMPLAINT_OWN)
        if principal.is_staff or principal.id is None:
            raise InvalidInput("complaints are opened by customers")
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            order = None if order_id is None else load_visible_order(uow, principal, order_id)
            complaint, events = Complaint.open(
                id=self._ctx.ids.new_id("cpl"),
                customer_id=principal.id,
                subject=subject,
                body=message,
                at=now,
                author_id=principal.id,
                author_role=principal.role.value,
                order_id=None if order is None else order.id,
            )
            uow.complaints.add(complaint)
            uow.outbox.add(events)
            uow.commit()
        return complaint

    def reply(self, principal: Principal, complaint_id: str, *, message: str) -> Complaint:
        """Write to a complaint: staff answer it, its customer reopens it."""
        require(principal, Permission.COMPLAINT_OWN)
        now = self._ctx.clock.now()
        staff = principal.can(Permission.AFTERSALES_MANAGE)
        with self._ctx.uow() as uow:
            current = self._visible(uow, principal, complaint_id, for_update=True)
            complaint, events = current.reply(
                message, now, principal.id or "", principal.role.value, staff=staff
            )
            uow.complaints.update(complaint)
            uow.outbox.add(events)
            uow.commit()
        return complaint

    def close(self, principal: Principal, complaint_id: str) -> Complaint:
        require(principal, Permission.COMPLAINT_OWN)
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            current = self._visible(uow, principal, complaint_id, for_update=True)
            complaint, events = current.close(now, principal.id or "")
            uow.complaints.update(complaint)
            uow.outbox.add(events)
            uow.commit()
        return complaint

    def get(self, principal: Principal, complaint_id: str) -> Complaint:
        require(principal, Permission.COMPLAINT_OWN)
        with self._ctx.uow() as uow:
            return self._visible(uow, principal, complaint_id)

    def list(self, principal: Principal, *, limit: int = 50) -> builtins.list[Complaint]:
        """The customer's own complaints, or every complaint for staff; newest first."""
        require(principal, Permission.COMPLAINT_OWN)
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise InvalidInput("limit must be a whole number", field="limit")
        mine = None if principal.can(Permission.AFTERSALES_MANAGE) else principal.id
        with self._ctx.uow() as uow:
            return uow.complaints.list(customer_id=mine, limit=max(1, min(limit, 500)))

    @staticmethod
    def _visible(
        uow: UnitOfWork, principal: Principal, complaint_id: str, *, for_update: bool = False
    ) -> Complaint:
        found = (
            uow.complaints.get(v.identifier(complaint_id, "complaint_id"), for_update=for_update)
            if isinstance(complaint_id, str)
            else None
        )
        if found is not None and (
            principal.can(Permission.AFTERSALES_MANAGE) or found.customer_id == principal.id
        ):
            return found
        raise NotFound("no such complaint", complaint_id=str(complaint_id)[:64])
