"""After-sales requests and complaints: one row each, their lists (lines, photos, steps,
messages) as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ecommerce_core.domain.aftersales import (
    AfterSalesRequest,
    Reason,
    RequestKind,
    RequestLine,
    RequestStatus,
    RequestStep,
)
from ecommerce_core.domain.complaints import Complaint, ComplaintMessage, ComplaintStatus
from ecommerce_core.domain.errors import CorruptData, NotFound
from ecommerce_core.domain.money import Money
from ecommerce_sqlalchemy import tables as t
from ecommerce_sqlalchemy.repositories._base import Row, _param, _Repo

__all__ = [
    "SqlAfterSales",
    "SqlComplaints",
    "complaint_from_row",
    "complaint_to_row",
    "request_from_row",
    "request_to_row",
]

_R, _C = t.aftersales_requests, t.complaints
_R_BY_ID = sa.select(_R).where(_R.c.id == _param("id"))
_R_BY_ID_LOCKED = _R_BY_ID.with_for_update()
_R_OF_ORDER = sa.select(_R).where(_R.c.order_id == _param("id")).order_by(_R.c.created_at, _R.c.id)
_R_NEWEST = sa.select(_R).order_by(_R.c.created_at.desc(), _R.c.id.desc()).limit(_param("limit"))
_R_NEWEST_OF = _R_NEWEST.where(_R.c.customer_id == _param("customer"))
_R_UPDATE = sa.update(_R).where(_R.c.id == _param("key"))
_C_BY_ID = sa.select(_C).where(_C.c.id == _param("id"))
_C_BY_ID_LOCKED = _C_BY_ID.with_for_update()
_C_NEWEST = sa.select(_C).order_by(_C.c.created_at.desc(), _C.c.id.desc()).limit(_param("limit"))
_C_NEWEST_OF = _C_NEWEST.where(_C.c.customer_id == _param("customer"))
_C_UPDATE = sa.update(_C).where(_C.c.id == _param("key"))


def request_to_row(r: AfterSalesRequest) -> dict[str, Any]:
    return {
        "id": r.id,
        "order_id": r.order_id,
        "customer_id": r.customer_id,
        "kind": r.kind.value,
        "status": r.status.value,
        "reason": r.reason.value,
        "description": r.description,
        "lines": [[ln.line, ln.sku, ln.quantity] for ln in r.lines],
        "photos": list(r.photos),
        "steps": [
            [s.status.value, s.at.isoformat(), s.actor_id, s.actor_role, s.note] for s in r.steps
        ],
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "warehouse_id": r.warehouse_id,
        "refund_id": r.refund_id,
        "refunded": None if r.refunded is None else r.refunded.amount,
        "currency": None if r.refunded is None else r.refunded.currency,
        "shipment_id": r.shipment_id,
        "replacement_id": r.replacement_id,
    }


def request_from_row(row: Row) -> AfterSalesRequest:
    try:
        return AfterSalesRequest(
            id=row["id"],
            order_id=row["order_id"],
            customer_id=row["customer_id"],
            kind=RequestKind(row["kind"]),
            lines=tuple(RequestLine(int(p), str(s), int(q)) for p, s, q in row["lines"]),
            reason=Reason(row["reason"]),
            description=row["description"],
            photos=tuple(str(p) for p in row["photos"]),
            status=RequestStatus(row["status"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            steps=tuple(
                RequestStep(RequestStatus(st), datetime.fromisoformat(at), str(a), str(role), note)
                for st, at, a, role, note in row["steps"]
            ),
            warehouse_id=row["warehouse_id"],
            refund_id=row["refund_id"],
            refunded=None
            if row["refunded"] is None
            else Money(int(row["refunded"]), row["currency"]),
            shipment_id=row["shipment_id"],
            replacement_id=row["replacement_id"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CorruptData(f"the stored after-sales request {row['id']} is damaged: {exc}") from exc


def complaint_to_row(c: Complaint) -> dict[str, Any]:
    return {
        "id": c.id,
        "customer_id": c.customer_id,
        "order_id": c.order_id,
        "subject": c.subject,
        "status": c.status.value,
        "messages": [
            [m.at.isoformat(), m.author_id, m.author_role, m.body, m.staff] for m in c.messages
        ],
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def complaint_from_row(row: Row) -> Complaint:
    try:
        return Complaint(
            id=row["id"],
            customer_id=row["customer_id"],
            subject=row["subject"],
            status=ComplaintStatus(row["status"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            messages=tuple(
                ComplaintMessage(datetime.fromisoformat(at), str(a), str(role), str(body), staff)
                for at, a, role, body, staff in row["messages"]
            ),
            order_id=row["order_id"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CorruptData(f"the stored complaint {row['id']} is damaged: {exc}") from exc


class SqlAfterSales(_Repo):
    def add(self, request: AfterSalesRequest) -> None:
        self._c.execute(sa.insert(_R), request_to_row(request))

    def get(self, request_id: str, *, for_update: bool = False) -> AfterSalesRequest | None:
        locked = for_update and self._locking
        row = self._c.execute(_R_BY_ID_LOCKED if locked else _R_BY_ID, {"id": request_id})
        found = row.mappings().first()
        return None if found is None else request_from_row(found)

    def update(self, request: AfterSalesRequest) -> None:
        done = self._c.execute(_R_UPDATE, {"key": request.id, **request_to_row(request)})
        if done.rowcount == 0:
            raise NotFound("no such after-sales request", id=request.id)

    def list_for_order(self, order_id: str) -> list[AfterSalesRequest]:
        rows = self._c.execute(_R_OF_ORDER, {"id": order_id}).mappings()
        return [request_from_row(r) for r in rows]

    def list(self, customer_id: str | None = None, limit: int = 100) -> list[AfterSalesRequest]:
        if customer_id is None:
            rows = self._c.execute(_R_NEWEST, {"limit": limit})
        else:
            rows = self._c.execute(_R_NEWEST_OF, {"limit": limit, "customer": customer_id})
        return [request_from_row(r) for r in rows.mappings()]


class SqlComplaints(_Repo):
    def add(self, complaint: Complaint) -> None:
        self._c.execute(sa.insert(_C), complaint_to_row(complaint))

    def get(self, complaint_id: str, *, for_update: bool = False) -> Complaint | None:
        locked = for_update and self._locking
        row = self._c.execute(_C_BY_ID_LOCKED if locked else _C_BY_ID, {"id": complaint_id})
        found = row.mappings().first()
        return None if found is None else complaint_from_row(found)

    def update(self, complaint: Complaint) -> None:
        done = self._c.execute(_C_UPDATE, {"key": complaint.id, **complaint_to_row(complaint)})
        if done.rowcount == 0:
            raise NotFound("no such complaint", id=complaint.id)

    def list(self, customer_id: str | None = None, limit: int = 100) -> list[Complaint]:
        if customer_id is None:
            rows = self._c.execute(_C_NEWEST, {"limit": limit})
        else:
            rows = self._c.execute(_C_NEWEST_OF, {"limit": limit, "customer": customer_id})
        return [complaint_from_row(r) for r in rows.mappings()]
