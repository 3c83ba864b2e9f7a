"""Group-buy campaigns in SQL: one row each; joins are counted by conditional updates only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ecommerce_core.domain.group_buy import GroupBuy, GroupBuyStatus
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.pricing import RedemptionKind
from ecommerce_sqlalchemy import tables as t
from ecommerce_sqlalchemy.mapping import Row, _guard
from ecommerce_sqlalchemy.repositories._base import _param, _Repo

__all__ = ["SqlGroupBuys", "group_buy_from_row", "group_buy_to_row"]

_G = t.group_buys
_BY_ID = sa.select(_G).where(_G.c.id == _param("gid"))
_ALL = sa.select(_G).order_by(_G.c.id)
_OPEN = GroupBuyStatus.OPEN.value
_DUE = (
    sa.select(_G)
    .where(_G.c.status == _OPEN, _G.c.deadline <= _param("now"))
    .order_by(_G.c.deadline, _G.c.id)
)
# one statement each, never read-then-write: of two joins racing for the last place the
# database lets one through (the row is locked by the first update until its commit)
_TAKE = (
    sa.update(_G)
    .where(
        _G.c.id == _param("gid"),
        _G.c.status != GroupBuyStatus.FAILED.value,
        sa.or_(_G.c.max_buyers.is_(None), _G.c.joined < _G.c.max_buyers),
    )
    .values(joined=_G.c.joined + 1)
)
_R = t.redemptions
_ORDERS = (
    sa.select(_R.c.order_id)
    .where(_R.c.kind == RedemptionKind.GROUP_BUY.value, _R.c.source_id == _param("gid"))
    .order_by(_R.c.order_id)
)
_GIVE_BACK = (
    sa.update(_G).where(_G.c.id == _param("gid"), _G.c.joined > 0).values(joined=_G.c.joined - 1)
)
_SETTLE = (
    sa.update(_G)
    .where(_G.c.id == _param("gid"), _G.c.status == _OPEN)
    .values(status=_param("status"), settled_at=_param("at"))
)


def group_buy_to_row(g: GroupBuy) -> dict[str, Any]:
    return {
        "id": g.id,
        "sku": g.sku,
        "price": g.price.amount,
        "currency": g.price.currency,
        "min_buyers": g.min_buyers,
        "max_buyers": g.max_buyers,
        "per_buyer_limit": g.per_buyer_limit,
        "starts_at": g.starts_at,
        "deadline": g.deadline,
        "status": g.status.value,
        "joined": g.joined,
        "settled_at": g.settled_at,
    }


def group_buy_from_row(row: Row) -> GroupBuy:
    with _guard("group-buy campaign", row["id"]):
        return GroupBuy(
            id=row["id"],
            sku=row["sku"],
            price=Money(int(row["price"]), row["currency"]),
            min_buyers=int(row["min_buyers"]),
            max_buyers=row["max_buyers"],
            per_buyer_limit=row["per_buyer_limit"],
            starts_at=row["starts_at"],
            deadline=row["deadline"],
            status=row["status"],
            joined=int(row["joined"]),
            settled_at=row["settled_at"],
        )


class SqlGroupBuys(_Repo):
    def add(self, campaign: GroupBuy) -> None:
        self._c.execute(sa.insert(_G), group_buy_to_row(campaign))

    def get(self, campaign_id: str) -> GroupBuy | None:
        row = self._c.execute(_BY_ID, {"gid": campaign_id}).mappings().first()
        return None if row is None else group_buy_from_row(row)

    def due(self, now: datetime, limit: int = 100) -> list[GroupBuy]:
        rows = self._c.execute(_DUE.limit(max(0, limit)), {"now": now}).mappings()
        return [group_buy_from_row(r) for r in rows]

    def take_join(self, campaign_id: str) -> bool:
        return self._c.execute(_TAKE, {"gid": campaign_id}).rowcount == 1

    def order_ids(self, campaign_id: str) -> list[str]:
        rows = self._c.execute(_ORDERS, {"gid": campaign_id})
        return [str(r[0]) for r in rows]

    def give_back(self, campaign_id: str) -> bool:
        return self._c.execute(_GIVE_BACK, {"gid": campaign_id}).rowcount == 1

    def settle(self, campaign_id: str, status: GroupBuyStatus, at: datetime) -> bool:
        params = {"gid": campaign_id, "status": GroupBuyStatus(status).value, "at": at}
        return self._c.execute(_SETTLE, params).rowcount == 1

    def list(self) -> list[GroupBuy]:
        return [group_buy_from_row(r) for r in self._c.execute(_ALL).mappings()]
