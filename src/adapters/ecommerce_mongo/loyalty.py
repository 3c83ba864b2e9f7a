"""Memberships, the points ledger and the orders' redemptions in MongoDB: their documents
(pure mapping, unit-tested through BSON) and their repositories. A balance changes only by one
guarded ``$inc`` (``points >= -delta``), a redemption is settled only where ``settled_at`` is
null: never read-then-write."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
from pymongo.collection import Collection
from pymongo.database import Database

from ecommerce_core.domain.loyalty import MAX_POINTS, Membership, PointsEntry
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.pricing import Redemption, RedemptionKind
from ecommerce_mongo import fields as f
from ecommerce_mongo import schema as s
from ecommerce_mongo.fields import Doc
from ecommerce_mongo.repositories import BY_ID, find_all
from ecommerce_mongo.session import Session

__all__ = [
    "MongoMemberships",
    "MongoRedemptions",
    "entry_from_doc",
    "entry_to_doc",
    "membership_from_doc",
    "membership_to_doc",
    "redemption_from_doc",
    "redemption_to_doc",
]


# -- documents -------------------------------------------------------------------------------
def membership_to_doc(m: Membership) -> Doc:
    return {
        "_id": m.customer_id,
        "groups": sorted(m.groups),
        "tier": m.tier,
        "contracts": sorted(m.contracts),
        "points": m.points,
        "updated_at": f.opt_time_text(m.updated_at),
    }


def membership_from_doc(d: Mapping[str, Any]) -> Membership:
    with f.guard("membership", d.get("_id")):
        m = Membership(
            customer_id=f.text(d, "_id"),
            groups=f.text_list(d, "groups"),
            tier=f.text(d, "tier"),
            contracts=f.text_list(d, "contracts"),
            points=f.whole(d, "points"),
            updated_at=f.opt_time(d, "updated_at"),
        )
    return f.canonical("membership", d, m, membership_to_doc)


def entry_to_doc(e: PointsEntry) -> Doc:
    return {
        "_id": e.id,
        "customer_id": e.customer_id,
        "delta": e.delta,
        "reason": e.reason.value,
        "at": f.time_to_text(e.at),
        "order_id": e.order_id,
        "note": e.note,
    }


def entry_from_doc(d: Mapping[str, Any]) -> PointsEntry:
    with f.guard("points entry", d.get("_id")):
        e = PointsEntry(
            id=f.text(d, "_id"),
            customer_id=f.text(d, "customer_id"),
            delta=f.whole(d, "delta"),
            reason=f.text(d, "reason"),
            at=f.time(d, "at"),
            order_id=f.opt_text(d, "order_id"),
            note=f.text(d, "note"),
        )
    return f.canonical("points entry", d, e, entry_to_doc)


def _redemption_id(order_id: str, kind: str, source_id: str) -> Doc:
    # an embedded document sorts field by field: the same order as (order, kind, source)
    return {"order_id": order_id, "kind": kind, "source_id": source_id}


def redemption_to_doc(r: Redemption) -> Doc:
    return {
        "_id": _redemption_id(r.order_id, r.kind.value, r.source_id),
        "order_id": r.order_id,
        "customer_id": r.customer_id,
        "at": f.time_to_text(r.at),
        "amount": f.money_doc(r.amount),
        "code": r.code,
        "points": r.points,
        "settled_at": f.opt_time_text(r.settled_at),
    }


def redemption_from_doc(d: Mapping[str, Any]) -> Redemption:
    key = d.get("_id")
    with f.guard("redemption", key):
        ident = f.opt_doc(d, "_id") or {}
        amount = f.opt_money(d, "amount")
        if amount is None:
            raise TypeError("amount is not a document")
        r = Redemption(
            order_id=f.text(ident, "order_id"),
            kind=f.text(ident, "kind"),
            source_id=f.text(ident, "source_id"),
            customer_id=f.text(d, "customer_id"),
            at=f.time(d, "at"),
            amount=Money(amount.amount, amount.currency),
            code=f.text(d, "code"),
            points=f.whole(d, "points"),
            settled_at=f.opt_time(d, "settled_at"),
        )
    return f.canonical("redemption", d, r, redemption_to_doc, key)


# -- repositories ----------------------------------------------------------------------------
class MongoMemberships:
    def __init__(self, db: Database[Doc], tx: Session) -> None:
        self._members: Collection[Doc] = db[s.MEMBERSHIPS]
        self._ledger: Collection[Doc] = db[s.POINTS_LEDGER]
        self._tx = tx

    def get(self, customer_id: str) -> Membership | None:
        d = self._tx.read(self._members.find_one, {"_id": customer_id})
        return None if d is None else membership_from_doc(d)

    def save(self, membership: Membership) -> None:
        doc = membership_to_doc(membership)
        changed = {k: doc[k] for k in ("groups", "tier", "contracts", "updated_at")}
        self._tx.write(
            self._members.update_one,
            {"_id": membership.customer_id},
            {"$set": changed, "$setOnInsert": {"points": membership.points}},
            upsert=True,
        )

    def add_points(self, entry: PointsEntry) -> bool:
        who = {"_id": entry.customer_id}
        if entry.delta > 0:
            empty = membership_to_doc(Membership(entry.customer_id))
            empty.pop("_id")
            self._tx.write(self._members.update_one, who, {"$setOnInsert": empty}, upsert=True)
        guard = {"$gte": -entry.delta, "$lte": MAX_POINTS - entry.delta}
        done = self._tx.write(
            self._members.update_one, {**who, "points": guard}, {"$inc": {"points": entry.delta}}
        )
        if done.modified_count != 1:
            return False
        self._tx.write(self._ledger.insert_one, entry_to_doc(entry))
        return True

    def ledger(self, customer_id: str, limit: int = 100) -> list[PointsEntry]:
        if limit <= 0:
            return []
        found = self._tx.read(
            find_all,
            self._ledger,
            {"customer_id": customer_id},
            [("at", -1), ("_id", -1)],
            limit,
        )
        return [entry_from_doc(d) for d in found]

    def entries(self) -> list[PointsEntry]:
        return [entry_from_doc(d) for d in self._tx.read(find_all, self._ledger, {}, BY_ID)]

    def add_entries(self, entries: Sequence[PointsEntry]) -> None:
        if entries:
            self._tx.write(self._ledger.insert_many, [entry_to_doc(e) for e in entries])

    def list(self) -> list[Membership]:
        return [membership_from_doc(d) for d in self._tx.read(find_all, self._members, {}, BY_ID)]


class MongoRedemptions:
    def __init__(self, db: Database[Doc], tx: Session) -> None:
        self._col: Collection[Doc] = db[s.REDEMPTIONS]
        self._tx = tx

    def add(self, redemptions: Sequence[Redemption]) -> None:
        if redemptions:
            self._tx.write(self._col.insert_many, [redemption_to_doc(r) for r in redemptions])

    def for_order(self, order_id: str) -> list[Redemption]:
        found = self._tx.read(find_all, self._col, {"order_id": order_id}, BY_ID)
        return [redemption_from_doc(d) for d in found]

    def settle(
        self, order_id: str, kinds: Sequence[RedemptionKind], at: datetime
    ) -> list[Redemption]:
        settled = []
        for r in self.for_order(order_id):
            if r.kind not in kinds or r.settled_at is not None:
                continue
            done = self._tx.write(
                self._col.update_one,
                {"_id": _redemption_id(r.order_id, r.kind.value, r.source_id), "settled_at": None},
                {"$set": {"settled_at": f.time_to_text(at)}},
            )
            if done.modified_count == 1:
                settled.append(attrs.evolve(r, settled_at=at))
        return settled

    def list(self) -> list[Redemption]:
        return [redemption_from_doc(d) for d in self._tx.read(find_all, self._col, {}, BY_ID)]
