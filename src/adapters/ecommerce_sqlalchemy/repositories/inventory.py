"""Warehouses, stock levels and reservations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from ecommerce_core.domain.errors import NotFound
from ecommerce_core.domain.inventory import Reservation, StockLevel, Warehouse
from ecommerce_sqlalchemy import mapping as m
from ecommerce_sqlalchemy import tables as t
from ecommerce_sqlalchemy.pricing import bump_catalogue
from ecommerce_sqlalchemy.repositories._base import (
    _bind,
    _head,
    _Joined,
    _many,
    _param,
    _records,
    _Repo,
    _rows,
)
from ecommerce_sqlalchemy.statements import Append, only
from ecommerce_sqlalchemy.types import UTCDateTime

# -- inventory -------------------------------------------------------------------------------
_WAREHOUSE_INSERT = sa.insert(t.warehouses)
_WAREHOUSES = sa.select(t.warehouses).order_by(t.warehouses.c.id)


_WAREHOUSE_UPDATE = (
    sa.update(t.warehouses)
    .where(t.warehouses.c.id == _param("key"))
    .values(name=_param("name"), priority=_param("priority"), regions=_param("regions"))
)


class SqlWarehouses(_Repo):
    def add(self, warehouse: Warehouse) -> None:
        self._c.execute(_WAREHOUSE_INSERT, m.warehouse_to_row(warehouse))
        bump_catalogue(self._c)  # allocation caches the warehouses under the catalogue version

    def update(self, warehouse: Warehouse) -> None:
        row = m.warehouse_to_row(warehouse)
        row["key"] = row.pop("id")
        if self._c.execute(_WAREHOUSE_UPDATE, row).rowcount != 1:
            raise NotFound("no such warehouse", id=warehouse.id)
        bump_catalogue(self._c)

    def list(self) -> list[Warehouse]:
        return [m.warehouse_from_row(r) for r in self._c.execute(_WAREHOUSES).mappings()]


_S = t.stock_levels
_STOCK_ONE = sa.select(_S).where(_S.c.sku == _param("sku"), _S.c.warehouse_id == _param("wh"))
# one global lock order, (sku, warehouse): two checkouts can never deadlock each other
_STOCK_FOR = sa.select(_S).where(_S.c.sku.in_(_many("skus"))).order_by(_S.c.sku, _S.c.warehouse_id)
_STOCK_FOR_LOCKED = _STOCK_FOR.with_for_update()
_READS_STOCK = frozenset({_S.name})
_STOCK_ALL = sa.select(_S).order_by(_S.c.sku, _S.c.warehouse_id)
_STOCK_INSERT = sa.insert(_S)
_STOCK_KEYS = sa.select(_S.c.sku, _S.c.warehouse_id).where(_S.c.sku.in_(_many("skus")))
_STOCK_BATCH = 32  # levels per UPDATE statement
_STOCK_CONFIGURE = (
    sa.update(_S)
    .where(_S.c.sku == _param("s"), _S.c.warehouse_id == _param("w"))
    .values(
        safety_stock=_param("safety"),
        low_stock_threshold=_param("low"),
        backorder_limit=_param("backorder"),
        available_from=sa.bindparam("release", type_=UTCDateTime),
    )
)
_stock_updates: dict[int, sa.Update] = {}


def _stock_update(n: int) -> sa.Update:
    """``UPDATE`` of ``n`` levels in one statement: a ``CASE`` per column, matched by key."""
    statement = _stock_updates.get(n)
    if statement is None:
        keys = [
            sa.and_(_S.c.sku == _param(f"s{i}"), _S.c.warehouse_id == _param(f"w{i}"))
            for i in range(n)
        ]
        if n == 1:
            values: dict[str, Any] = {"on_hand": _param("h0"), "reserved": _param("r0")}
        else:
            values = {
                column: sa.case(
                    *(
                        (key, sa.bindparam(f"{p}{i}", type_=sa.Integer))
                        for i, key in enumerate(keys)
                    ),
                    else_=_S.c[column],
                )
                for column, p in (("on_hand", "h"), ("reserved", "r"))
            }
        statement = _stock_updates[n] = sa.update(_S).where(sa.or_(*keys)).values(values)
    return statement


def _stock_upsert() -> Any:
    """PostgreSQL: the levels from arrays, inserted or (the usual case) their on-hand and
    reserved units set, like ``save`` does elsewhere in two steps."""
    statement = _rows(_S, "st", exclude=(), insert=pg.insert)
    return statement.on_conflict_do_update(
        index_elements=[_S.c.sku, _S.c.warehouse_id],
        set_={"on_hand": statement.excluded.on_hand, "reserved": statement.excluded.reserved},
    )


def _bind_levels(batches: Sequence[dict[tuple[str, str], StockLevel]]) -> dict[str, Any]:
    last: dict[tuple[str, str], StockLevel] = {}
    for batch in batches:
        last.update(batch)  # a level saved twice is written once, as last saved
    return _records("st", (m.stock_to_row(last[key]) for key in sorted(last)))


#: PostgreSQL: levels are held and sent with the unit of work's next statement (statements.py);
#: their rows were locked by ``for_skus(for_update=True)`` before, so nothing waits on the result
LEVELS = Append("stock", [_stock_upsert()], _bind_levels)


class SqlStock(_Repo):
    def get(self, sku: str, warehouse_id: str) -> StockLevel | None:
        row = self._c.execute(_STOCK_ONE, {"sku": sku, "wh": warehouse_id}).mappings().first()
        return None if row is None else m.stock_from_row(row)

    def for_skus(self, skus: Iterable[str], *, for_update: bool = False) -> list[StockLevel]:
        wanted = sorted(set(skus))
        if not wanted:
            return []
        query = _STOCK_FOR_LOCKED if for_update and self._locking else _STOCK_FOR
        if self._c.holds:  # a checkout's held order goes with the read that locks its stock
            rows = self._c.read_carrying(query, {"skus": wanted}, _READS_STOCK)
        else:
            rows = self._c.execute(query, {"skus": wanted})
        return [m.stock_from_row(r) for r in rows.mappings()]

    def save(self, levels: Sequence[StockLevel]) -> None:
        # Every use case has locked these rows with for_skus(for_update=True) first, in the
        # global order; this writes them with as few statements as it can.
        if self._c.holds:
            if levels:
                self._c.append(LEVELS, {lv.key: lv for lv in levels})
            return
        ordered = sorted({lv.key: lv for lv in levels}.values(), key=lambda lv: lv.key)
        for start in range(0, len(ordered), _STOCK_BATCH):
            batch = ordered[start : start + _STOCK_BATCH]
            params: dict[str, Any] = {}
            for i, lv in enumerate(batch):
                params[f"s{i}"], params[f"w{i}"] = lv.sku, lv.warehouse_id
                params[f"h{i}"], params[f"r{i}"] = lv.on_hand, lv.reserved
            if self._c.execute(_stock_update(len(batch)), params).rowcount != len(batch):
                self._insert_missing(batch)

    def _insert_missing(self, batch: Sequence[StockLevel]) -> None:
        stored = {
            (r[0], r[1])
            for r in self._c.execute(_STOCK_KEYS, {"skus": sorted({lv.sku for lv in batch})})
        }
        missing = [m.stock_to_row(lv) for lv in batch if lv.key not in stored]
        if missing:
            self._c.execute(_STOCK_INSERT, missing)

    def configure(self, levels: Sequence[StockLevel]) -> None:
        ordered = sorted({lv.key: lv for lv in levels}.values(), key=lambda lv: lv.key)
        inserted = []
        for lv in ordered:
            params = {
                "s": lv.sku,
                "w": lv.warehouse_id,
                "safety": lv.safety_stock,
                "low": lv.low_stock_threshold,
                "backorder": lv.backorder_limit,
                "release": lv.available_from,
            }
            if self._c.execute(_STOCK_CONFIGURE, params).rowcount != 1:
                inserted.append(m.stock_to_row(lv))
        if inserted:
            self._c.execute(_STOCK_INSERT, inserted)

    def list(self) -> list[StockLevel]:
        return [m.stock_from_row(r) for r in self._c.execute(_STOCK_ALL).mappings()]


_RESERVATION_INSERT = sa.insert(t.reservations)
_RESERVATION_LINES_INSERT = sa.insert(t.reservation_lines)
_RESERVATIONS = _Joined(
    t.reservations,
    t.reservation_lines,
    t.reservation_lines.c.reservation_id == t.reservations.c.id,
    t.reservation_lines.c.sku,
    t.reservation_lines.c.warehouse_id,
)


#: PostgreSQL: a new reservation is held and sent with the unit of work's next statement
RESERVATION = Append(
    "reservation",
    [
        _head(t.reservations, "r"),
        _rows(t.reservation_lines, "rl", exclude=(), parent=("reservation_id", "r_id")),
    ],
    only,
    merge=False,
)
_RESERVATION_BY_ID = _RESERVATIONS.query.where(t.reservations.c.id == _param("id"))
# the reservation's own row is locked; its lines never change
_RESERVATION_BY_ID_LOCKED = _RESERVATION_BY_ID.with_for_update(of=t.reservations)
_RESERVATION_UPDATE = (
    sa.update(t.reservations)
    .where(t.reservations.c.id == _param("key"))
    .values(status=_param("new_status"))
)


class SqlReservations(_Repo):
    def add(self, reservation: Reservation) -> None:
        r = reservation
        head = {
            "id": r.id,
            "order_id": r.order_id,
            "status": r.status.value,
            "created_at": r.created_at,
            "expires_at": r.expires_at,
        }
        lines = [
            {
                "reservation_id": r.id,
                "sku": ln.sku,
                "warehouse_id": ln.warehouse_id,
                "quantity": ln.quantity,
            }
            for ln in r.lines
        ]
        if self._c.holds:
            params: dict[str, Any] = {}
            _bind("r", head, params)
            params.update(_records("rl", lines))
            self._c.append(RESERVATION, params)
            return
        self._c.execute(_RESERVATION_INSERT, head)
        if lines:
            self._c.execute(_RESERVATION_LINES_INSERT, lines)

    def get(self, reservation_id: str, *, for_update: bool = False) -> Reservation | None:
        query = _RESERVATION_BY_ID_LOCKED if for_update and self._locking else _RESERVATION_BY_ID
        found = _RESERVATIONS.group(self._c.execute(query, {"id": reservation_id}).mappings())
        return m.reservation_from_rows(*found[0]) if found else None

    def update(self, reservation: Reservation) -> None:
        # the lines of a reservation never change; only its status does
        self._c.execute(
            _RESERVATION_UPDATE, {"key": reservation.id, "new_status": reservation.status.value}
        )

    def expired(self, now: datetime, limit: int = 100) -> list[Reservation]:
        r = t.reservations
        query = (
            sa.select(r.c.id)
            .where(r.c.status == "active", r.c.expires_at <= now)
            .order_by(r.c.expires_at, r.c.id)
            .limit(limit)
        )
        found = [self.get(row[0]) for row in self._c.execute(query)]
        return [x for x in found if x is not None]
