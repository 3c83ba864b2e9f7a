"""Group-buy campaigns in MongoDB: their documents (pure mapping, unit-tested through BSON) and
their repository. ``joined`` changes only by one guarded ``$inc``: never read-then-write."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo.collection import Collection
from pymongo.database import Database

from ecommerce_core.domain.group_buy import GroupBuy, GroupBuyStatus
from ecommerce_core.domain.pricing import RedemptionKind
from ecommerce_mongo import fields as f
from ecommerce_mongo import schema as s
from ecommerce_mongo.fields import Doc
from ecommerce_mongo.repositories import BY_ID, find_all
from ecommerce_mongo.session import Session

__all__ = ["MongoGroupBuys", "group_buy_from_doc", "group_buy_to_doc"]

_OPEN = GroupBuyStatus.OPEN.value
#: a place is left: no maximum, or fewer joined than the maximum
_PLACE_LEFT = {
    "$or": [
        {"$eq": [{"$ifNull": ["$max_buyers", None]}, None]},
        {"$lt": ["$joined", "$max_buyers"]},
    ]
}


def group_buy_to_doc(g: GroupBuy) -> Doc:
    return {
        "_id": g.id,
        "sku": g.sku,
        "price": f.money_doc(g.price),
        "min_buyers": g.min_buyers,
        "max_buyers": g.max_buyers,
        "per_buyer_limit": g.per_buyer_limit,
        "starts_at": f.time_to_text(g.starts_at),
        "deadline": f.time_to_text(g.deadline),
        "status": g.status.value,
        "joined": g.joined,
        "settled_at": f.opt_time_text(g.settled_at),
    }


def group_buy_from_doc(d: Mapping[str, Any]) -> GroupBuy:
    with f.guard("group-buy campaign", d.get("_id")):
        price = f.opt_money(d, "price")
        if price is None:
            raise TypeError("price is not a document")
        g = GroupBuy(
            id=f.text(d, "_id"),
            sku=f.text(d, "sku"),
            price=price,
            min_buyers=f.whole(d, "min_buyers"),
            max_buyers=f.opt_whole(d, "max_buyers"),
            per_buyer_limit=f.opt_whole(d, "per_buyer_limit"),
            starts_at=f.time(d, "starts_at"),
            deadline=f.time(d, "deadline"),
            status=f.text(d, "status"),
            joined=f.whole(d, "joined"),
            settled_at=f.opt_time(d, "settled_at"),
        )
    return f.canonical("group-buy campaign", d, g, group_buy_to_doc)


class MongoGroupBuys:
    def __init__(self, db: Database[Doc], tx: Session) -> None:
        self._col: Collection[Doc] = db[s.GROUP_BUYS]
        self._redemptions: Collection[Doc] = db[s.REDEMPTIONS]
        self._tx = tx

    def add(self, campaign: GroupBuy) -> None:
        self._tx.write(self._col.insert_one, group_buy_to_doc(campaign))

    def get(self, campaign_id: str) -> GroupBuy | None:
        d = self._tx.read(self._col.find_one, {"_id": campaign_id})
        return None if d is None else group_buy_from_doc(d)

    def due(self, now: datetime, limit: int = 100) -> list[GroupBuy]:
        if limit <= 0:
            return []
        query = {"status": _OPEN, "deadline": {"$lte": f.time_to_text(now)}}
        found = self._tx.read(find_all, self._col, query, [("deadline", 1), ("_id", 1)], limit)
        return [group_buy_from_doc(d) for d in found]

    def take_join(self, campaign_id: str) -> bool:
        done = self._tx.write(
            self._col.update_one,
            {
                "_id": campaign_id,
                "status": {"$ne": GroupBuyStatus.FAILED.value},
                "$expr": _PLACE_LEFT,
            },
            {"$inc": {"joined": 1}},
        )
        return done.modified_count == 1

    def order_ids(self, campaign_id: str) -> list[str]:
        query = {"_id.kind": RedemptionKind.GROUP_BUY.value, "_id.source_id": campaign_id}
        found = self._tx.read(find_all, self._redemptions, query, [("order_id", 1)])
        return [f.text(d, "order_id") for d in found]

    def give_back(self, campaign_id: str) -> bool:
        done = self._tx.write(
            self._col.update_one,
            {"_id": campaign_id, "joined": {"$gt": 0}},
            {"$inc": {"joined": -1}},
        )
        return done.modified_count == 1

    def settle(self, campaign_id: str, status: GroupBuyStatus, at: datetime) -> bool:
        done = self._tx.write(
            self._col.update_one,
            {"_id": campaign_id, "status": _OPEN},
            {"$set": {"status": GroupBuyStatus(status).value, "settled_at": f.time_to_text(at)}},
        )
        return done.modified_count == 1

    def list(self) -> list[GroupBuy]:
        return [group_buy_from_doc(d) for d in self._tx.read(find_all, self._col, {}, BY_ID)]
