"""Storage ports of after-sales: requests (returns, exchanges, refunds) and complaints."""

from __future__ import annotations

from typing import Protocol

from ecommerce_core.domain.aftersales import AfterSalesRequest
from ecommerce_core.domain.complaints import Complaint

__all__ = ["AfterSalesRepository", "ComplaintRepository"]


class AfterSalesRepository(Protocol):
    def add(self, request: AfterSalesRequest) -> None:
        """:raises AlreadyExists: the id is taken."""

    def get(self, request_id: str, *, for_update: bool = False) -> AfterSalesRequest | None: ...

    def update(self, request: AfterSalesRequest) -> None:
        """Replace the stored request (its steps only grow). :raises NotFound: never stored."""

    def list_for_order(self, order_id: str) -> list[AfterSalesRequest]:
        """The order's requests, oldest first (then by id)."""

    def list(self, customer_id: str | None = None, limit: int = 100) -> list[AfterSalesRequest]:
        """Newest first (then by id, descending); only the customer's when ``customer_id``."""


class ComplaintRepository(Protocol):
    def add(self, complaint: Complaint) -> None:
        """:raises AlreadyExists: the id is taken."""

    def get(self, complaint_id: str, *, for_update: bool = False) -> Complaint | None: ...

    def update(self, complaint: Complaint) -> None:
        """Replace the stored complaint (its messages only grow). :raises NotFound: never stored."""

    def list(self, customer_id: str | None = None, limit: int = 100) -> list[Complaint]:
        """Newest first (then by id, descending); only the customer's when ``customer_id``."""
