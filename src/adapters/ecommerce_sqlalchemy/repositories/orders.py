"""Orders with their lines and status history."""

from __future__ import annotations

import builtins
from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ecommerce_core.domain.orders import Order, OrderLine
from ecommerce_sqlalchemy import mapping as m
from ecommerce_sqlalchemy import tables as t
from ecommerce_sqlalchemy.repositories._base import (
    Row,
    _bind,
    _head,
    _Joined,
    _many,
    _param,
    _records,
    _Repo,
    _rows,
)
from ecommerce_sqlalchemy.statements import Append, Statements, only

# -- orders ----------------------------------------------------------------------------------
_ORDER_INSERT = sa.insert(t.orders)
_ORDER_LINES_INSERT = sa.insert(t.order_lines)
_HISTORY_INSERT = sa.insert(t.order_history)


#: PostgreSQL: a new order with its lines and history is held and sent with the unit of work's
#: next statement (statements.py); a key or number used before fails there, or at the commit
ORDER = Append(
    "order",
    [
        _head(t.orders, "o"),
        _rows(t.order_lines, "ol", exclude=(), parent=("order_id", "o_id")),
        _rows(t.order_history, "oh", exclude=(), parent=("order_id", "o_id")),
    ],
    only,
    merge=False,
)
_ORDERS = _Joined(
    t.orders,
    t.order_lines,
    t.order_lines.c.order_id == t.orders.c.id,
    t.order_lines.c.position,
)
_ORDER_BY_ID = _ORDERS.query.where(t.orders.c.id == _param("a"))
_ORDER_BY_ID_LOCKED = _ORDER_BY_ID.with_for_update(of=t.orders)
# PostgreSQL: the lock by a statement of its own, the order read by the next (see get)
_ORDER_LOCK = sa.select(t.orders.c.id).where(t.orders.c.id == _param("a")).with_for_update()
_ORDER_BY_NUMBER = _ORDERS.query.where(t.orders.c.number == _param("a"))
_ORDER_BY_KEY = _ORDERS.query.where(
    t.orders.c.customer_id == _param("a"), t.orders.c.idempotency_key == _param("b")
)
_HISTORY_OF = sa.select(t.order_history).where(t.order_history.c.order_id.in_(_many("ids")))
_HISTORY_COUNT = (
    sa.select(sa.func.count())
    .select_from(t.order_history)
    .where(t.order_history.c.order_id == _param("id"))
)
_ORDER_UPDATE = sa.update(t.orders).where(t.orders.c.id == _param("key"))
_LINES_DELETE = sa.delete(t.order_lines).where(t.order_lines.c.order_id == _param("id"))
# the (customer_id, idempotency_key) unique index answers it without reading an order
_HAS_ORDERS = sa.select(sa.literal(1)).where(t.orders.c.customer_id == _param("c")).limit(1)


def _recent_orders(where: Any) -> sa.Select[Any]:
    """The newest ``limit`` orders matching ``where``, with their lines, in one statement."""
    o = t.orders
    newest = o.c.placed_at.desc(), o.c.id.desc()
    heads = sa.select(o).where(where).order_by(*newest).limit(_param("limit")).subquery("o")
    lines = t.order_lines
    return (
        sa.select(*heads.c, *(c.label(f"c_{c.name}") for c in lines.c))
        .select_from(heads.outerjoin(lines, lines.c.order_id == heads.c.id))
        .order_by(heads.c.placed_at.desc(), heads.c.id.desc(), lines.c.position)
    )


def _settled_orders() -> sa.Select[Any]:
    """Orders in a status last changed before a time, oldest change first, with their lines."""
    o = t.orders
    heads = (
        sa.select(o)
        .where(o.c.status == _param("status"), o.c.updated_at <= _param("before"))
        .order_by(o.c.updated_at, o.c.id)
        .limit(_param("limit"))
        .subquery("o")
    )
    lines = t.order_lines
    return (
        sa.select(*heads.c, *(c.label(f"c_{c.name}") for c in lines.c))
        .select_from(heads.outerjoin(lines, lines.c.order_id == heads.c.id))
        .order_by(heads.c.updated_at, heads.c.id, lines.c.position)
    )


_ORDERS_IN_STATUS = _settled_orders()
_ORDERS_RECENT = _recent_orders(sa.true())
_ORDERS_RECENT_OF = _recent_orders(t.orders.c.customer_id == _param("customer"))


class SqlOrders(_Repo):
    def __init__(self, conn: Statements, locking: bool) -> None:
        super().__init__(conn, locking)
        # how many status changes of each order this transaction has read or written
        self._stored_history: dict[str, int] = {}
        # the lines of each order as this transaction read or wrote them (an edit changes them)
        self._stored_lines: dict[str, tuple[OrderLine, ...]] = {}

    def add(self, order: Order) -> None:
        head = m.order_to_row(order)
        lines = self._line_rows(order)
        self._stored_lines[order.id] = order.lines
        history = self._history_rows(order, 0)
        self._stored_history[order.id] = len(history)
        if self._c.holds:
            params: dict[str, Any] = {}
            _bind("o", head, params)
            params.update(_records("ol", lines))
            params.update(_records("oh", history))
            self._c.append(ORDER, params)
            return
        self._c.execute(_ORDER_INSERT, head)
        for statement, rows in ((_ORDER_LINES_INSERT, lines), (_HISTORY_INSERT, history)):
            if rows:
                self._c.execute(statement, rows)

    @staticmethod
    def _line_rows(order: Order) -> list[dict[str, Any]]:
        return [
            {
                "order_id": order.id,
                "position": i,
                "sku": ln.sku,
                "product_id": ln.product_id,
                "name": ln.name,
                "quantity": ln.quantity,
                "unit_price": ln.unit_price.amount,
                "discount": ln.discount.amount,
                "total": ln.total.amount,
                "tax": None if ln.tax is None else ln.tax.amount,
                "gift": ln.gift,
            }
            for i, ln in enumerate(order.lines)
        ]

    @staticmethod
    def _history_rows(order: Order, start: int) -> list[dict[str, Any]]:
        return [
            {
                "order_id": order.id,
                "position": i,
                "status": str(h.status),
                "at": h.at,
                "note": h.note,
                "action": h.action,
                "actor": h.actor,
                "internal": h.internal,
            }
            for i, h in enumerate(order.history)
            if i >= start
        ]

    def _orders(self, heads: list[tuple[Row, list[Row]]]) -> list[Order]:
        history: dict[str, list[Row]] = defaultdict(list)
        if heads:
            ids = [head["id"] for head, _ in heads]
            for row in self._c.execute(_HISTORY_OF, {"ids": ids}).mappings():
                history[row["order_id"]].append(row)
        orders = [m.order_from_rows(head, lines, history[head["id"]]) for head, lines in heads]
        for order in orders:
            self._stored_history[order.id] = len(history[order.id])
            self._stored_lines[order.id] = order.lines
        return orders

    def _one(self, statement: Any, a: str, b: str = "") -> Order | None:
        found = self._orders(_ORDERS.group(self._c.execute(statement, {"a": a, "b": b}).mappings()))
        return found[0] if found else None

    def get(self, order_id: str, *, for_update: bool = False) -> Order | None:
        locked = for_update and self._locking
        if locked and self._chain:
            # A joined SELECT ... FOR UPDATE OF that waited for the lock sees, on PostgreSQL,
            # the newest order row but its lines as they were when it started: lines an edit
            # committed meanwhile would be missed. Lock first, then read in a new statement.
            # (MariaDB's locking reads always read the newest rows: one statement there.)
            if self._c.execute(_ORDER_LOCK, {"a": order_id}).first() is None:
                return None
            return self._one(_ORDER_BY_ID, order_id)
        return self._one(_ORDER_BY_ID_LOCKED if locked else _ORDER_BY_ID, order_id)

    def get_by_number(self, number: str) -> Order | None:
        return self._one(_ORDER_BY_NUMBER, number)

    def get_by_idempotency_key(self, customer_id: str, key: str) -> Order | None:
        return self._one(_ORDER_BY_KEY, customer_id, key)

    def update(self, order: Order) -> None:
        known = self._stored_history.get(order.id)
        if known is None:
            known = int(self._c.execute(_HISTORY_COUNT, {"id": order.id}).scalar_one())
        self._c.execute(_ORDER_UPDATE, {"key": order.id, **m.order_to_row(order)})
        if self._stored_lines.get(order.id) != order.lines:
            # only an edit before payment changes lines: rewrite them all, in their new order
            self._c.execute(_LINES_DELETE, {"id": order.id})
            if order.lines:
                self._c.execute(_ORDER_LINES_INSERT, self._line_rows(order))
            self._stored_lines[order.id] = order.lines
        rows = self._history_rows(order, known)
        if rows:
            self._c.execute(_HISTORY_INSERT, rows)
        self._stored_history[order.id] = max(known, len(order.history))

    def list(self, customer_id: str | None = None, limit: int = 100) -> list[Order]:
        if customer_id is None:
            rows = self._c.execute(_ORDERS_RECENT, {"limit": limit})
        else:
            rows = self._c.execute(_ORDERS_RECENT_OF, {"limit": limit, "customer": customer_id})
        return self._orders(_ORDERS.group(rows.mappings()))

    def in_status(
        self, status: str, *, updated_before: datetime, limit: int = 100
    ) -> builtins.list[Order]:
        if limit <= 0:
            return []
        rows = self._c.execute(
            _ORDERS_IN_STATUS,
            {"status": str(status), "before": updated_before, "limit": limit},
        )
        return self._orders(_ORDERS.group(rows.mappings()))

    def has_orders(self, customer_id: str) -> bool:
        return self._c.execute(_HAS_ORDERS, {"c": customer_id}).first() is not None
