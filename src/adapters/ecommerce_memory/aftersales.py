"""In-memory after-sales requests and complaints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecommerce_core.domain.aftersales import AfterSalesRequest
from ecommerce_core.domain.complaints import Complaint
from ecommerce_core.domain.errors import AlreadyExists, NotFound

if TYPE_CHECKING:
    from ecommerce_memory.storage import MemoryUnitOfWork

__all__ = ["AFTERSALES_KEYS", "AFTERSALES_TABLES", "MemoryAfterSales", "MemoryComplaints"]

AFTERSALES_TABLES = ("aftersales_requests", "complaints")
#: kind -> key of each stored object, for the archive
AFTERSALES_KEYS: dict[str, Any] = {
    "aftersales_requests": lambda r: r.id,
    "complaints": lambda c: c.id,
}


class _Table:
    table = ""
    what = ""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    @property
    def rows(self) -> dict[str, Any]:
        return self._uow.working[self.table]

    def _add(self, key: str, value: Any) -> None:
        if key in self.rows:
            raise AlreadyExists(f"that {self.what} exists", id=key)
        self.rows[key] = value

    def _update(self, key: str, value: Any) -> None:
        if key not in self.rows:
            raise NotFound(f"no such {self.what}", id=key)
        self.rows[key] = value


class MemoryAfterSales(_Table):
    table = "aftersales_requests"
    what = "after-sales request"

    def add(self, request: AfterSalesRequest) -> None:
        self._add(request.id, request)

    def get(self, request_id: str, *, for_update: bool = False) -> AfterSalesRequest | None:
        found: AfterSalesRequest | None = self.rows.get(request_id)
        return found

    def update(self, request: AfterSalesRequest) -> None:
        self._update(request.id, request)

    def list_for_order(self, order_id: str) -> list[AfterSalesRequest]:
        found = [r for r in self.rows.values() if r.order_id == order_id]
        return sorted(found, key=lambda r: (r.created_at, r.id))

    def list(self, customer_id: str | None = None, limit: int = 100) -> list[AfterSalesRequest]:
        found = [r for r in self.rows.values() if customer_id in (None, r.customer_id)]
        return sorted(found, key=lambda r: (r.created_at, r.id), reverse=True)[:limit]


class MemoryComplaints(_Table):
    table = "complaints"
    what = "complaint"

    def add(self, complaint: Complaint) -> None:
        self._add(complaint.id, complaint)

    def get(self, complaint_id: str, *, for_update: bool = False) -> Complaint | None:
        found: Complaint | None = self.rows.get(complaint_id)
        return found

    def update(self, complaint: Complaint) -> None:
        self._update(complaint.id, complaint)

    def list(self, customer_id: str | None = None, limit: int = 100) -> list[Complaint]:
        found = [c for c in self.rows.values() if customer_id in (None, c.customer_id)]
        return sorted(found, key=lambda c: (c.created_at, c.id), reverse=True)[:limit]
