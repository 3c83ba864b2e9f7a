"""In-memory memberships, the points ledger and the orders' redemptions. A memory unit of work
holds the store's lock from start to end, so each check-and-write is one atomic step."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from ecommerce_core.domain.errors import AlreadyExists
from ecommerce_core.domain.loyalty import MAX_POINTS, Membership, PointsEntry
from ecommerce_core.domain.pricing import Redemption, RedemptionKind

if TYPE_CHECKING:
    from ecommerce_memory.storage import MemoryUnitOfWork

__all__ = ["LOYALTY_KEYS", "LOYALTY_TABLES", "MemoryMemberships", "MemoryRedemptions"]

LOYALTY_TABLES = ("memberships", "points_ledger", "redemptions")
#: how the archive keys each kind
LOYALTY_KEYS: dict[str, Any] = {
    "memberships": lambda m: m.customer_id,
    "points_ledger": lambda e: e.id,
    "redemptions": lambda r: r.key,
}


class _Tables:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def _rows(self, table: str) -> dict[Any, Any]:
        return self._uow.working[table]


class MemoryMemberships(_Tables):
    def get(self, customer_id: str) -> Membership | None:
        found: Membership | None = self._rows("memberships").get(customer_id)
        return found

    def save(self, membership: Membership) -> None:
        current = self.get(membership.customer_id)
        if current is not None:
            membership = attrs.evolve(membership, points=current.points)
        self._rows("memberships")[membership.customer_id] = membership

    def add_points(self, entry: PointsEntry) -> bool:
        current = self.get(entry.customer_id) or Membership(entry.customer_id)
        balance = current.points + entry.delta
        if balance < 0 or balance > MAX_POINTS:
            return False
        ledger = self._rows("points_ledger")
        if entry.id in ledger:
            raise AlreadyExists("that ledger entry exists", id=entry.id)
        self._rows("memberships")[entry.customer_id] = attrs.evolve(current, points=balance)
        ledger[entry.id] = entry
        return True

    def ledger(self, customer_id: str, limit: int = 100) -> list[PointsEntry]:
        found = [e for e in self._rows("points_ledger").values() if e.customer_id == customer_id]
        return sorted(found, key=lambda e: (e.at, e.id), reverse=True)[: max(0, limit)]

    def entries(self) -> list[PointsEntry]:
        return sorted(self._rows("points_ledger").values(), key=lambda e: e.id)

    def add_entries(self, entries: Sequence[PointsEntry]) -> None:
        ledger = self._rows("points_ledger")
        for entry in entries:
            if entry.id in ledger:
                raise AlreadyExists("that ledger entry exists", id=entry.id)
            ledger[entry.id] = entry

    def list(self) -> list[Membership]:
        return sorted(self._rows("memberships").values(), key=lambda m: m.customer_id)


class MemoryRedemptions(_Tables):
    def add(self, redemptions: Sequence[Redemption]) -> None:
        rows = self._rows("redemptions")
        keys = [r.key for r in redemptions]
        if len(set(keys)) != len(keys) or any(key in rows for key in keys):
            raise AlreadyExists("that redemption is recorded already")
        for redemption in redemptions:
            rows[redemption.key] = redemption

    def for_order(self, order_id: str) -> list[Redemption]:
        found = [r for r in self._rows("redemptions").values() if r.order_id == order_id]
        return sorted(found, key=lambda r: r.key)

    def settle(
        self, order_id: str, kinds: Sequence[RedemptionKind], at: datetime
    ) -> list[Redemption]:
        rows = self._rows("redemptions")
        settled = []
        for redemption in self.for_order(order_id):
            if redemption.kind in kinds and redemption.settled_at is None:
                done = attrs.evolve(redemption, settled_at=at)
                rows[done.key] = done
                settled.append(done)
        return settled

    def list(self) -> list[Redemption]:
        return sorted(self._rows("redemptions").values(), key=lambda r: r.key)
