"""Memberships, the points ledger and the orders' redemptions in SQL. A points balance changes
only by ``UPDATE ... SET points = points + :d WHERE ... points + :d >= 0`` (its row count says
whether this unit of work may spend them), and a redemption is settled only by ``UPDATE ...
WHERE settled_at IS NULL``: never read-then-write."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

from ecommerce_core.domain.errors import CorruptData, EcommerceError
from ecommerce_core.domain.loyalty import MAX_POINTS, Membership, PointsEntry
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.pricing import Redemption, RedemptionKind
from ecommerce_sqlalchemy import tables as t
from ecommerce_sqlalchemy.statements import Statements

__all__ = ["SqlMemberships", "SqlRedemptions"]

Row = Mapping[Any, Any]
_M, _L, _R = t.memberships, t.points_ledger, t.redemptions

_ADD_POINTS = (
    sa.update(_M)
    .where(
        _M.c.customer_id == sa.bindparam("who"),
        _M.c.points + sa.bindparam("d") >= 0,
        _M.c.points + sa.bindparam("d") <= MAX_POINTS,
    )
    .values(points=_M.c.points + sa.bindparam("d"))
)


def _corrupt(what: str, key: object, exc: Exception) -> CorruptData:
    return CorruptData(f"the stored {what} {key} is not valid: {exc}", what=what, key=str(key))


def membership_from_row(row: Row) -> Membership:
    try:
        return Membership(
            customer_id=row["customer_id"],
            groups=row["groups"],
            tier=row["tier"],
            contracts=row["contracts"],
            points=int(row["points"]),
            updated_at=row["updated_at"],
        )
    except (EcommerceError, TypeError, ValueError) as exc:
        raise _corrupt("membership", row["customer_id"], exc) from exc


def membership_to_row(m: Membership) -> dict[str, Any]:
    return {
        "customer_id": m.customer_id,
        "groups": sorted(m.groups),
        "tier": m.tier,
        "contracts": sorted(m.contracts),
        "points": m.points,
        "updated_at": m.updated_at,
    }


def entry_from_row(row: Row) -> PointsEntry:
    try:
        return PointsEntry(
            id=row["id"],
            customer_id=row["customer_id"],
            delta=int(row["delta"]),
            reason=row["reason"],
            at=row["at"],
            order_id=row["order_id"],
            note=row["note"],
        )
    except (EcommerceError, TypeError, ValueError) as exc:
        raise _corrupt("points entry", row["id"], exc) from exc


def entry_to_row(e: PointsEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "customer_id": e.customer_id,
        "delta": e.delta,
        "reason": e.reason.value,
        "at": e.at,
        "order_id": e.order_id,
        "note": e.note,
    }


def redemption_from_row(row: Row) -> Redemption:
    try:
        return Redemption(
            order_id=row["order_id"],
            kind=row["kind"],
            source_id=row["source_id"],
            customer_id=row["customer_id"],
            at=row["at"],
            amount=Money(int(row["amount"]), row["currency"]),
            code=row["code"],
            points=int(row["points"]),
            settled_at=row["settled_at"],
        )
    except (EcommerceError, TypeError, ValueError) as exc:
        raise _corrupt("redemption", (row["order_id"], row["kind"]), exc) from exc


def redemption_to_row(r: Redemption) -> dict[str, Any]:
    return {
        "order_id": r.order_id,
        "kind": r.kind.value,
        "source_id": r.source_id,
        "customer_id": r.customer_id,
        "at": r.at,
        "amount": r.amount.amount,
        "currency": r.amount.currency,
        "code": r.code,
        "points": r.points,
        "settled_at": r.settled_at,
    }


def _insert_if_absent(dialect: str, row: dict[str, Any]) -> sa.Executable:
    """An insert that leaves an existing membership alone (and waits for a concurrent twin)."""
    if dialect == "postgresql":
        return postgresql.insert(_M).values(row).on_conflict_do_nothing()
    if dialect in ("mysql", "mariadb"):
        return mysql.insert(_M).values(row).on_duplicate_key_update(points=_M.c.points)
    return sqlite.insert(_M).values(row).on_conflict_do_nothing()


class SqlMemberships:
    def __init__(self, conn: Statements, locking: bool) -> None:
        self._c = conn

    def get(self, customer_id: str) -> Membership | None:
        query = sa.select(_M).where(_M.c.customer_id == customer_id)
        row = self._c.execute(query).mappings().first()
        return None if row is None else membership_from_row(row)

    def save(self, membership: Membership) -> None:
        row = membership_to_row(membership)
        self._c.execute(_insert_if_absent(self._c.dialect.name, row))
        changed = {k: row[k] for k in ("groups", "tier", "contracts", "updated_at")}
        self._c.execute(
            sa.update(_M).where(_M.c.customer_id == membership.customer_id).values(changed)
        )

    def add_points(self, entry: PointsEntry) -> bool:
        if entry.delta > 0:
            fresh = membership_to_row(Membership(entry.customer_id))
            self._c.execute(_insert_if_absent(self._c.dialect.name, fresh))
        taken = self._c.execute(_ADD_POINTS, {"who": entry.customer_id, "d": entry.delta})
        if taken.rowcount != 1:
            return False
        self._c.execute(sa.insert(_L).values(entry_to_row(entry)))
        return True

    def ledger(self, customer_id: str, limit: int = 100) -> list[PointsEntry]:
        query = (
            sa.select(_L)
            .where(_L.c.customer_id == customer_id)
            .order_by(_L.c.at.desc(), _L.c.id.desc())
            .limit(max(0, limit))
        )
        return [entry_from_row(r) for r in self._c.execute(query).mappings()]

    def entries(self) -> list[PointsEntry]:
        rows = self._c.execute(sa.select(_L).order_by(_L.c.id)).mappings()
        return [entry_from_row(r) for r in rows]

    def add_entries(self, entries: Sequence[PointsEntry]) -> None:
        if entries:
            self._c.execute(sa.insert(_L), [entry_to_row(e) for e in entries])

    def list(self) -> list[Membership]:
        rows = self._c.execute(sa.select(_M).order_by(_M.c.customer_id)).mappings()
        return [membership_from_row(r) for r in rows]


class SqlRedemptions:
    def __init__(self, conn: Statements, locking: bool) -> None:
        self._c = conn

    def add(self, redemptions: Sequence[Redemption]) -> None:
        if redemptions:
            self._c.execute(sa.insert(_R), [redemption_to_row(r) for r in redemptions])

    def for_order(self, order_id: str) -> list[Redemption]:
        query = sa.select(_R).where(_R.c.order_id == order_id).order_by(_R.c.kind, _R.c.source_id)
        return [redemption_from_row(r) for r in self._c.execute(query).mappings()]

    def settle(
        self, order_id: str, kinds: Sequence[RedemptionKind], at: datetime
    ) -> list[Redemption]:
        open_ = [r for r in self.for_order(order_id) if r.kind in kinds and r.settled_at is None]
        settled = []
        for r in open_:
            done = self._c.execute(
                sa.update(_R)
                .where(
                    _R.c.order_id == order_id,
                    _R.c.kind == r.kind.value,
                    _R.c.source_id == r.source_id,
                    _R.c.settled_at.is_(None),
                )
                .values(settled_at=at)
            )
            if done.rowcount == 1:
                settled.append(attrs.evolve(r, settled_at=at))
        return settled

    def list(self) -> list[Redemption]:
        query = sa.select(_R).order_by(_R.c.order_id, _R.c.kind, _R.c.source_id)
        return [redemption_from_row(r) for r in self._c.execute(query).mappings()]
