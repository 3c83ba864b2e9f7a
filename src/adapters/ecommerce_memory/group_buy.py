"""In-memory group-buy campaigns. A memory unit of work holds the store's lock from start to
end, so each conditional update is one atomic step."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from ecommerce_core.domain.errors import AlreadyExists
from ecommerce_core.domain.group_buy import GroupBuy, GroupBuyStatus
from ecommerce_core.domain.pricing import RedemptionKind

if TYPE_CHECKING:
    from ecommerce_memory.storage import MemoryUnitOfWork

__all__ = ["GROUP_BUY_KEYS", "GROUP_BUY_TABLES", "MemoryGroupBuys"]

GROUP_BUY_TABLES = ("group_buys",)
#: how the archive keys each kind
GROUP_BUY_KEYS: dict[str, Any] = {"group_buys": lambda g: g.id}


class MemoryGroupBuys:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def _rows(self) -> dict[str, GroupBuy]:
        return self._uow.working["group_buys"]

    def add(self, campaign: GroupBuy) -> None:
        if campaign.id in self._rows():
            raise AlreadyExists("that group-buy campaign exists", id=campaign.id)
        self._rows()[campaign.id] = campaign

    def get(self, campaign_id: str) -> GroupBuy | None:
        return self._rows().get(campaign_id)

    def due(self, now: datetime, limit: int = 100) -> list[GroupBuy]:
        found = [
            g
            for g in self._rows().values()
            if g.status is GroupBuyStatus.OPEN and g.deadline <= now
        ]
        return sorted(found, key=lambda g: (g.deadline, g.id))[: max(0, limit)]

    def take_join(self, campaign_id: str) -> bool:
        g = self.get(campaign_id)
        if g is None or g.status is GroupBuyStatus.FAILED or g.full:
            return False
        self._rows()[campaign_id] = attrs.evolve(g, joined=g.joined + 1)
        return True

    def order_ids(self, campaign_id: str) -> list[str]:
        return sorted(
            r.order_id
            for r in self._uow.working["redemptions"].values()
            if r.kind is RedemptionKind.GROUP_BUY and r.source_id == campaign_id
        )

    def give_back(self, campaign_id: str) -> bool:
        g = self.get(campaign_id)
        if g is None or g.joined < 1:
            return False
        self._rows()[campaign_id] = attrs.evolve(g, joined=g.joined - 1)
        return True

    def settle(self, campaign_id: str, status: GroupBuyStatus, at: datetime) -> bool:
        g = self.get(campaign_id)
        if g is None or g.status is not GroupBuyStatus.OPEN:
            return False
        self._rows()[campaign_id] = attrs.evolve(g, status=status, settled_at=at)
        return True

    def list(self) -> list[GroupBuy]:
        return sorted(self._rows().values(), key=lambda g: g.id)
