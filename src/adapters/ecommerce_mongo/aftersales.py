"""After-sales requests and complaints in MongoDB: one document each, their lists embedded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecommerce_core.domain.aftersales import (
    AfterSalesRequest,
    Reason,
    RequestKind,
    RequestLine,
    RequestStatus,
    RequestStep,
)
from ecommerce_core.domain.complaints import Complaint, ComplaintMessage, ComplaintStatus
from ecommerce_mongo import fields as f
from ecommerce_mongo import schema as s
from ecommerce_mongo.mapping import Doc
from ecommerce_mongo.repositories import _Repo

__all__ = [
    "MongoAfterSales",
    "MongoComplaints",
    "complaint_from_doc",
    "complaint_to_doc",
    "request_from_doc",
    "request_to_doc",
]

_OLDEST = [("created_at", 1), ("_id", 1)]
_NEWEST = [("created_at", -1), ("_id", -1)]


def request_to_doc(r: AfterSalesRequest) -> Doc:
    return {
        "_id": r.id,
        "order_id": r.order_id,
        "customer_id": r.customer_id,
        "kind": r.kind.value,
        "status": r.status.value,
        "reason": r.reason.value,
        "description": r.description,
        "lines": [{"line": ln.line, "sku": ln.sku, "quantity": ln.quantity} for ln in r.lines],
        "photos": list(r.photos),
        "steps": [
            {
                "status": st.status.value,
                "at": f.time_to_text(st.at),
                "actor_id": st.actor_id,
                "actor_role": st.actor_role,
                "note": st.note,
            }
            for st in r.steps
        ],
        "created_at": f.time_to_text(r.created_at),
        "updated_at": f.time_to_text(r.updated_at),
        "warehouse_id": r.warehouse_id,
        "refund_id": r.refund_id,
        "refunded": f.money_doc(r.refunded),
        "shipment_id": r.shipment_id,
        "replacement_id": r.replacement_id,
    }


def request_from_doc(d: Mapping[str, Any]) -> AfterSalesRequest:
    with f.guard("after-sales request", d.get("_id")):
        r = AfterSalesRequest(
            id=f.text(d, "_id"),
            order_id=f.text(d, "order_id"),
            customer_id=f.text(d, "customer_id"),
            kind=RequestKind(f.text(d, "kind")),
            lines=tuple(
                RequestLine(f.whole(x, "line"), f.text(x, "sku"), f.whole(x, "quantity"))
                for x in f.docs(d, "lines")
            ),
            reason=Reason(f.text(d, "reason")),
            description=f.text(d, "description"),
            photos=tuple(f.text_list(d, "photos")),
            status=RequestStatus(f.text(d, "status")),
            created_at=f.time(d, "created_at"),
            updated_at=f.time(d, "updated_at"),
            steps=tuple(
                RequestStep(
                    RequestStatus(f.text(x, "status")),
                    f.time(x, "at"),
                    f.text(x, "actor_id"),
                    f.text(x, "actor_role"),
                    f.text(x, "note"),
                )
                for x in f.docs(d, "steps")
            ),
            warehouse_id=f.opt_text(d, "warehouse_id"),
            refund_id=f.opt_text(d, "refund_id"),
            refunded=f.opt_money(d, "refunded"),
            shipment_id=f.opt_text(d, "shipment_id"),
            replacement_id=f.opt_text(d, "replacement_id"),
        )
    return f.canonical("after-sales request", d, r, request_to_doc)


def complaint_to_doc(c: Complaint) -> Doc:
    return {
        "_id": c.id,
        "customer_id": c.customer_id,
        "order_id": c.order_id,
        "subject": c.subject,
        "status": c.status.value,
        "messages": [
            {
                "at": f.time_to_text(m.at),
                "author_id": m.author_id,
                "author_role": m.author_role,
                "body": m.body,
                "staff": m.staff,
            }
            for m in c.messages
        ],
        "created_at": f.time_to_text(c.created_at),
        "updated_at": f.time_to_text(c.updated_at),
    }


def complaint_from_doc(d: Mapping[str, Any]) -> Complaint:
    with f.guard("complaint", d.get("_id")):
        c = Complaint(
            id=f.text(d, "_id"),
            customer_id=f.text(d, "customer_id"),
            subject=f.text(d, "subject"),
            status=ComplaintStatus(f.text(d, "status")),
            created_at=f.time(d, "created_at"),
            updated_at=f.time(d, "updated_at"),
            messages=tuple(
                ComplaintMessage(
                    f.time(x, "at"),
                    f.text(x, "author_id"),
                    f.text(x, "author_role"),
                    f.text(x, "body"),
                    f.boolean(x, "staff"),
                )
                for x in f.docs(d, "messages")
            ),
            order_id=f.opt_text(d, "order_id"),
        )
    return f.canonical("complaint", d, c, complaint_to_doc)


class MongoAfterSales(_Repo):
    collection = s.AFTERSALES_REQUESTS

    def add(self, request: AfterSalesRequest) -> None:
        self._insert(request_to_doc(request))

    def get(self, request_id: str, *, for_update: bool = False) -> AfterSalesRequest | None:
        d = self._get(request_id, for_update)
        return None if d is None else request_from_doc(d)

    def update(self, request: AfterSalesRequest) -> None:
        self._replace(request_to_doc(request), "after-sales request")

    def list_for_order(self, order_id: str) -> list[AfterSalesRequest]:
        return [request_from_doc(d) for d in self._all({"order_id": order_id}, _OLDEST)]

    def list(self, customer_id: str | None = None, limit: int = 100) -> list[AfterSalesRequest]:
        query = {} if customer_id is None else {"customer_id": customer_id}
        return [request_from_doc(d) for d in self._all(query, _NEWEST, limit)]


class MongoComplaints(_Repo):
    collection = s.COMPLAINTS

    def add(self, complaint: Complaint) -> None:
        self._insert(complaint_to_doc(complaint))

    def get(self, complaint_id: str, *, for_update: bool = False) -> Complaint | None:
        d = self._get(complaint_id, for_update)
        return None if d is None else complaint_from_doc(d)

    def update(self, complaint: Complaint) -> None:
        self._replace(complaint_to_doc(complaint), "complaint")

    def list(self, customer_id: str | None = None, limit: int = 100) -> list[Complaint]:
        query = {} if customer_id is None else {"customer_id": customer_id}
        return [complaint_from_doc(d) for d in self._all(query, _NEWEST, limit)]
