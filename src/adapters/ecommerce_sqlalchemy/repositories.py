"""Repositories over one SQLAlchemy Connection (Core, not ORM: the domain objects are frozen).

Fast paths, none of which gives up a lock or a constraint:

* Statements are built once, at import, with bound parameters, so that each call costs a cache
  hit rather than building, compiling and hashing a new statement.
* An aggregate and its parts are read in one statement (an outer join) where that does not
  multiply rows by more than one child table; locked reads lock the aggregate's own row
  (``FOR UPDATE OF`` where the database has it).
* Several stock levels are written by one ``UPDATE`` (a ``CASE`` per column).
* On PostgreSQL an order or a reservation with all its rows is written by one statement
  (data-modifying ``WITH``, the child rows from arrays), and a cart is emptied by one.
* A repository lives as long as its unit of work (one transaction). It remembers what it read
  and wrote in that transaction: a cart read twice is read once; the number of an order's stored
  status changes and a payment's stored refunds are not read again before an update.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.engine import Connection

from ecommerce_core.domain.cart import Cart
from ecommerce_core.domain.catalog import Category, Product
from ecommerce_core.domain.customers import Customer
from ecommerce_core.domain.events import DomainEvent, event_from_dict
from ecommerce_core.domain.inventory import Reservation, StockLevel, Warehouse
from ecommerce_core.domain.orders import Order
from ecommerce_core.domain.payments import Payment
from ecommerce_core.domain.shipping import Shipment
from ecommerce_sqlalchemy import mapping as m
from ecommerce_sqlalchemy import tables as t

Row = Mapping[Any, Any]  # a RowMapping, or a dict of one


def _param(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name)


def _many(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name, expanding=True)


class _Joined:
    """``parent LEFT OUTER JOIN child``: the parent's columns by name, the child's prefixed."""

    def __init__(self, parent: sa.Table, child: sa.Table, on: Any, *order_by: Any) -> None:
        self.names = [c.name for c in child.c]
        self.present = f"c_{next(iter(child.primary_key.columns)).name}"
        self.query = (
            sa.select(*parent.c, *(c.label(f"c_{c.name}") for c in child.c))
            .select_from(parent.outerjoin(child, on))
            .order_by(*order_by)
        )

    def group(self, rows: Iterable[Row], key: str = "id") -> list[tuple[Row, list[Row]]]:
        """Each parent row once, in the order met, with its child rows."""
        found: dict[Any, tuple[Row, list[Row]]] = {}
        for row in rows:
            entry = found.get(row[key])
            if entry is None:
                entry = found[row[key]] = (row, [])
            if row[self.present] is not None:
                entry[1].append({name: row[f"c_{name}"] for name in self.names})
        return list(found.values())


def _head(table: sa.Table, prefix: str) -> sa.Insert:
    """``INSERT`` of one row, every column a parameter named ``{prefix}_{column}``."""
    return sa.insert(table).values({c.name: sa.bindparam(f"{prefix}_{c.name}") for c in table.c})


def _parts(table: sa.Table, parent: str, parent_param: str, prefix: str) -> sa.Insert:
    """PostgreSQL: ``INSERT`` of any number of rows of one parent from one array per column
    (``unnest``), so that the statement, and its compiled form, is the same for any count."""
    columns = [c for c in table.c if c.name != parent]
    arrays = [sa.bindparam(f"{prefix}_{c.name}", type_=pg.ARRAY(c.type)) for c in columns]
    rows = sa.func.unnest(*arrays).table_valued(*(c.name for c in columns)).render_derived()
    query = sa.select(
        sa.bindparam(parent_param, type_=table.c[parent].type), *(rows.c[c.name] for c in columns)
    )
    return sa.insert(table).from_select([parent, *(c.name for c in columns)], query)


def _bind(prefix: str, row: Mapping[str, Any], into: dict[str, Any]) -> None:
    for name, value in row.items():
        into[f"{prefix}_{name}"] = value


def _bind_arrays(
    prefix: str,
    table: sa.Table,
    parent: str,
    rows: Sequence[Mapping[str, Any]],
    into: dict[str, Any],
) -> None:
    for c in table.c:
        if c.name != parent:
            into[f"{prefix}_{c.name}"] = [row[c.name] for row in rows]


class _Repo:
    def __init__(self, conn: Connection, locking: bool) -> None:
        self._c = conn
        # SQLite serialises writers with BEGIN IMMEDIATE instead of row locks
        self._locking = locking
        # PostgreSQL writes an aggregate's rows in one statement (data-modifying WITH): its
        # foreign keys are checked at the end of the statement, when every row is there
        self._chain = conn.dialect.name == "postgresql"

    def _lock(self, query: sa.Select[Any], for_update: bool) -> sa.Select[Any]:
        return query.with_for_update() if for_update and self._locking else query


# -- catalog ---------------------------------------------------------------------------------
_CATEGORY_INSERT = sa.insert(t.categories)
_CATEGORY_BY_ID = sa.select(t.categories).where(t.categories.c.id == _param("id"))
_CATEGORIES = sa.select(t.categories).order_by(t.categories.c.id)


class SqlCategories(_Repo):
    def add(self, category: Category) -> None:
        self._c.execute(_CATEGORY_INSERT, m.category_to_row(category))

    def get(self, category_id: str) -> Category | None:
        row = self._c.execute(_CATEGORY_BY_ID, {"id": category_id}).mappings().first()
        return None if row is None else m.category_from_row(row)

    def list(self) -> list[Category]:
        return [m.category_from_row(r) for r in self._c.execute(_CATEGORIES).mappings()]


_PRODUCT_INSERT = sa.insert(t.products)
_VARIANT_INSERT = sa.insert(t.variants)
_PRODUCTS = _Joined(
    t.products,
    t.variants,
    t.variants.c.product_id == t.products.c.id,
    t.products.c.id,
    t.variants.c.position,
)
_SKU = t.variants.alias("sku_of")
_PRODUCT_BY_ID = _PRODUCTS.query.where(t.products.c.id == _param("id"))
_PRODUCTS_BY_SKUS = _PRODUCTS.query.where(
    t.products.c.id.in_(sa.select(_SKU.c.product_id).where(_SKU.c.sku.in_(_many("skus"))))
)
_PRODUCTS_IN = _PRODUCTS.query.where(t.products.c.category_id.in_(_many("categories")))


class SqlProducts(_Repo):
    def add(self, product: Product) -> None:
        head, variants = m.product_to_rows(product)
        self._c.execute(_PRODUCT_INSERT, head)
        self._c.execute(_VARIANT_INSERT, variants)

    def _load(self, statement: Any, params: Mapping[str, Any] | None = None) -> list[Product]:
        return [
            m.product_from_rows(head, variants)
            for head, variants in _PRODUCTS.group(self._c.execute(statement, params).mappings())
        ]

    def get(self, product_id: str) -> Product | None:
        found = self._load(_PRODUCT_BY_ID, {"id": product_id})
        return found[0] if found else None

    def get_by_sku(self, sku: str) -> Product | None:
        return self.get_by_skus([sku]).get(sku)

    def get_by_skus(self, skus: Iterable[str]) -> dict[str, Product]:
        wanted = sorted(set(skus))
        if not wanted:
            return {}
        products = self._load(_PRODUCTS_BY_SKUS, {"skus": wanted})
        chosen = set(wanted)
        return {v.sku: p for p in products for v in p.variants if v.sku in chosen}

    def list(self, category_ids: Iterable[str] | None = None) -> list[Product]:
        if category_ids is None:
            return self._load(_PRODUCTS.query)
        wanted = sorted(set(category_ids))
        return self._load(_PRODUCTS_IN, {"categories": wanted}) if wanted else []


# -- customers and carts ---------------------------------------------------------------------
_CUSTOMER_INSERT = sa.insert(t.customers)
_CUSTOMER_BY_ID = sa.select(t.customers).where(t.customers.c.id == _param("key"))
_CUSTOMER_BY_EMAIL = sa.select(t.customers).where(t.customers.c.email_key == _param("key"))
_CUSTOMER_UPDATE = sa.update(t.customers).where(t.customers.c.id == _param("key"))


class SqlCustomers(_Repo):
    def add(self, customer: Customer) -> None:
        self._c.execute(_CUSTOMER_INSERT, m.customer_to_row(customer))

    def _one(self, statement: Any, key: str) -> Customer | None:
        row = self._c.execute(statement, {"key": key}).mappings().first()
        return None if row is None else m.customer_from_row(row)

    def get(self, customer_id: str) -> Customer | None:
        return self._one(_CUSTOMER_BY_ID, customer_id)

    def get_by_email(self, email: str) -> Customer | None:
        return self._one(_CUSTOMER_BY_EMAIL, email.lower())

    def update(self, customer: Customer) -> None:
        self._c.execute(_CUSTOMER_UPDATE, {"key": customer.id, **m.customer_to_row(customer)})


_CARTS = _Joined(
    t.carts,
    t.cart_lines,
    t.cart_lines.c.cart_id == t.carts.c.id,
    t.cart_lines.c.position,
)
_CART_BY_ID = _CARTS.query.where(t.carts.c.id == _param("key"))
_CART_BY_CUSTOMER = _CARTS.query.where(t.carts.c.customer_id == _param("key"))
_CART_INSERT = sa.insert(t.carts)
_CART_UPDATE = sa.update(t.carts).where(t.carts.c.id == _param("key"))
_CART_LINES_DELETE = sa.delete(t.cart_lines).where(t.cart_lines.c.cart_id == _param("key"))
_CART_LINES_INSERT = sa.insert(t.cart_lines)
_CART_UPDATE_EMPTYING = _CART_UPDATE.add_cte(_CART_LINES_DELETE.cte("w_cart_lines"))


class SqlCarts(_Repo):
    def __init__(self, conn: Connection, locking: bool) -> None:
        super().__init__(conn, locking)
        # the carts this transaction read or wrote, by cart id and by customer id (immutable)
        self._by_id: dict[str, Cart | None] = {}
        self._by_customer: dict[str, Cart | None] = {}

    def _remember(self, cart: Cart) -> Cart:
        self._by_id[cart.id] = self._by_customer[cart.customer_id] = cart
        return cart

    def _one(self, statement: Any, key: str) -> Cart | None:
        found = _CARTS.group(self._c.execute(statement, {"key": key}).mappings())
        return self._remember(m.cart_from_rows(*found[0])) if found else None

    def get(self, cart_id: str) -> Cart | None:
        if cart_id in self._by_id:
            return self._by_id[cart_id]
        return self._one(_CART_BY_ID, cart_id)

    def get_for_customer(self, customer_id: str) -> Cart | None:
        if customer_id in self._by_customer:
            return self._by_customer[customer_id]
        return self._one(_CART_BY_CUSTOMER, customer_id)

    def save(self, cart: Cart) -> None:
        head = {
            "id": cart.id,
            "customer_id": cart.customer_id,
            "currency": cart.currency,
            "updated_at": cart.updated_at,
        }
        if self._chain:  # the old lines go in the same statement
            if self._c.execute(_CART_UPDATE_EMPTYING, {"key": cart.id, **head}).rowcount == 0:
                self._c.execute(_CART_INSERT, head)
        elif self._c.execute(_CART_UPDATE, {"key": cart.id, **head}).rowcount == 0:
            self._c.execute(_CART_INSERT, head)
        else:
            self._c.execute(_CART_LINES_DELETE, {"key": cart.id})
        if cart.lines:
            self._c.execute(
                _CART_LINES_INSERT,
                [
                    {"cart_id": cart.id, "position": i, "sku": ln.sku, "quantity": ln.quantity}
                    for i, ln in enumerate(cart.lines)
                ],
            )
        self._remember(cart)


# -- inventory -------------------------------------------------------------------------------
_WAREHOUSE_INSERT = sa.insert(t.warehouses)
_WAREHOUSES = sa.select(t.warehouses).order_by(t.warehouses.c.id)


class SqlWarehouses(_Repo):
    def add(self, warehouse: Warehouse) -> None:
        self._c.execute(
            _WAREHOUSE_INSERT,
            {"id": warehouse.id, "name": warehouse.name, "priority": warehouse.priority},
        )

    def list(self) -> list[Warehouse]:
        return [m.warehouse_from_row(r) for r in self._c.execute(_WAREHOUSES).mappings()]


_S = t.stock_levels
_STOCK_ONE = sa.select(_S).where(_S.c.sku == _param("sku"), _S.c.warehouse_id == _param("wh"))
# one global lock order, (sku, warehouse): two checkouts can never deadlock each other
_STOCK_FOR = sa.select(_S).where(_S.c.sku.in_(_many("skus"))).order_by(_S.c.sku, _S.c.warehouse_id)
_STOCK_FOR_LOCKED = _STOCK_FOR.with_for_update()
_STOCK_ALL = sa.select(_S).order_by(_S.c.sku, _S.c.warehouse_id)
_STOCK_INSERT = sa.insert(_S)
_STOCK_KEYS = sa.select(_S.c.sku, _S.c.warehouse_id).where(_S.c.sku.in_(_many("skus")))
_STOCK_BATCH = 32  # levels per UPDATE statement
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


class SqlStock(_Repo):
    def get(self, sku: str, warehouse_id: str) -> StockLevel | None:
        row = self._c.execute(_STOCK_ONE, {"sku": sku, "wh": warehouse_id}).mappings().first()
        return None if row is None else m.stock_from_row(row)

    def for_skus(self, skus: Iterable[str], *, for_update: bool = False) -> list[StockLevel]:
        wanted = sorted(set(skus))
        if not wanted:
            return []
        query = _STOCK_FOR_LOCKED if for_update and self._locking else _STOCK_FOR
        return [m.stock_from_row(r) for r in self._c.execute(query, {"skus": wanted}).mappings()]

    def save(self, levels: Sequence[StockLevel]) -> None:
        # Every use case has locked these rows with for_skus(for_update=True) first, in the
        # global order; this writes them with as few statements as it can.
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
        missing = [
            {
                "sku": lv.sku,
                "warehouse_id": lv.warehouse_id,
                "on_hand": lv.on_hand,
                "reserved": lv.reserved,
            }
            for lv in batch
            if lv.key not in stored
        ]
        if missing:
            self._c.execute(_STOCK_INSERT, missing)

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
_RESERVATION_INSERT_PG = _parts(t.reservation_lines, "reservation_id", "r_id", "l").add_cte(
    _head(t.reservations, "r").cte("w_reservation")
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
        if self._chain:
            params: dict[str, Any] = {}
            _bind("r", head, params)
            _bind_arrays("l", t.reservation_lines, "reservation_id", lines, params)
            self._c.execute(_RESERVATION_INSERT_PG, params)
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


# -- orders ----------------------------------------------------------------------------------
_ORDER_INSERT = sa.insert(t.orders)
_ORDER_LINES_INSERT = sa.insert(t.order_lines)
_HISTORY_INSERT = sa.insert(t.order_history)
_ORDER_INSERT_PG = _parts(t.order_history, "order_id", "o_id", "h").add_cte(
    _head(t.orders, "o").cte("w_order"),
    _parts(t.order_lines, "order_id", "o_id", "l").cte("w_order_lines"),
)
_ORDERS = _Joined(
    t.orders,
    t.order_lines,
    t.order_lines.c.order_id == t.orders.c.id,
    t.order_lines.c.position,
)
_ORDER_BY_ID = _ORDERS.query.where(t.orders.c.id == _param("a"))
_ORDER_BY_ID_LOCKED = _ORDER_BY_ID.with_for_update(of=t.orders)
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


_ORDERS_RECENT = _recent_orders(sa.true())
_ORDERS_RECENT_OF = _recent_orders(t.orders.c.customer_id == _param("customer"))


class SqlOrders(_Repo):
    def __init__(self, conn: Connection, locking: bool) -> None:
        super().__init__(conn, locking)
        # how many status changes of each order this transaction has read or written
        self._stored_history: dict[str, int] = {}

    def add(self, order: Order) -> None:
        head = m.order_to_row(order)
        lines = [
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
            }
            for i, ln in enumerate(order.lines)
        ]
        history = self._history_rows(order, 0)
        self._stored_history[order.id] = len(history)
        if self._chain:
            params: dict[str, Any] = {}
            _bind("o", head, params)
            _bind_arrays("l", t.order_lines, "order_id", lines, params)
            _bind_arrays("h", t.order_history, "order_id", history, params)
            self._c.execute(_ORDER_INSERT_PG, params)
            return
        self._c.execute(_ORDER_INSERT, head)
        for statement, rows in ((_ORDER_LINES_INSERT, lines), (_HISTORY_INSERT, history)):
            if rows:
                self._c.execute(statement, rows)

    @staticmethod
    def _history_rows(order: Order, start: int) -> list[dict[str, Any]]:
        return [
            {
                "order_id": order.id,
                "position": i,
                "status": h.status.value,
                "at": h.at,
                "note": h.note,
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
        return orders

    def _one(self, statement: Any, a: str, b: str = "") -> Order | None:
        found = self._orders(_ORDERS.group(self._c.execute(statement, {"a": a, "b": b}).mappings()))
        return found[0] if found else None

    def get(self, order_id: str, *, for_update: bool = False) -> Order | None:
        locked = for_update and self._locking
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


# -- payments --------------------------------------------------------------------------------
_PAYMENT_INSERT = sa.insert(t.payments)
_REFUND_INSERT = sa.insert(t.refunds)
_PAYMENTS = _Joined(
    t.payments,
    t.refunds,
    t.refunds.c.payment_id == t.payments.c.id,
    t.payments.c.created_at,
    t.payments.c.id,
    t.refunds.c.created_at,
    t.refunds.c.id,
)
_PAYMENT_BY_ID = _PAYMENTS.query.where(t.payments.c.id == _param("a"))
_PAYMENT_BY_ID_LOCKED = _PAYMENT_BY_ID.with_for_update(of=t.payments)
_PAYMENT_BY_KEY = _PAYMENTS.query.where(
    t.payments.c.order_id == _param("a"), t.payments.c.idempotency_key == _param("b")
)
_PAYMENT_BY_REF = _PAYMENTS.query.where(
    t.payments.c.gateway == _param("a"), t.payments.c.provider_ref == _param("b")
)
_PAYMENTS_OF_ORDER = _PAYMENTS.query.where(t.payments.c.order_id == _param("a"))
_PAYMENT_UPDATE = sa.update(t.payments).where(t.payments.c.id == _param("key"))
_REFUNDS_OF = sa.select(t.refunds).where(t.refunds.c.payment_id == _param("id"))
_REFUND_UPDATE = sa.update(t.refunds).where(t.refunds.c.id == _param("key"))
_REFUND_CHANGES = ("status", "provider_ref")


class SqlPayments(_Repo):
    def __init__(self, conn: Connection, locking: bool) -> None:
        super().__init__(conn, locking)
        # the refund rows of each payment as this transaction read or wrote them
        self._stored_refunds: dict[str, dict[str, dict[str, Any]]] = {}

    def _remember(self, payment_id: str, refunds: Iterable[Row]) -> None:
        self._stored_refunds[payment_id] = {
            r["id"]: {k: r[k] for k in _REFUND_CHANGES} for r in refunds
        }

    def add(self, payment: Payment) -> None:
        self._c.execute(_PAYMENT_INSERT, m.payment_to_row(payment))
        refunds = [m.refund_to_row(payment.id, r) for r in payment.refunds]
        if refunds:
            self._c.execute(_REFUND_INSERT, refunds)
        self._remember(payment.id, refunds)

    def _load(self, statement: Any, a: str, b: str = "") -> list[Payment]:
        found = _PAYMENTS.group(self._c.execute(statement, {"a": a, "b": b}).mappings())
        payments = []
        for head, refunds in found:
            payments.append(m.payment_from_rows(head, refunds))
            self._remember(head["id"], refunds)
        return payments

    def get(self, payment_id: str, *, for_update: bool = False) -> Payment | None:
        locked = for_update and self._locking
        found = self._load(_PAYMENT_BY_ID_LOCKED if locked else _PAYMENT_BY_ID, payment_id)
        return found[0] if found else None

    def get_by_idempotency_key(self, order_id: str, key: str) -> Payment | None:
        found = self._load(_PAYMENT_BY_KEY, order_id, key)
        return found[0] if found else None

    def get_by_provider_ref(self, gateway: str, provider_ref: str) -> Payment | None:
        if not provider_ref:
            return None
        found = self._load(_PAYMENT_BY_REF, gateway, provider_ref)
        return found[0] if found else None

    def list_for_order(self, order_id: str) -> list[Payment]:
        return self._load(_PAYMENTS_OF_ORDER, order_id)

    def update(self, payment: Payment) -> None:
        self._c.execute(_PAYMENT_UPDATE, {"key": payment.id, **m.payment_to_row(payment)})
        stored = self._stored_refunds.get(payment.id)
        if stored is None:
            stored = {
                r["id"]: {k: r[k] for k in _REFUND_CHANGES}
                for r in self._c.execute(_REFUNDS_OF, {"id": payment.id}).mappings()
            }
        rows = [m.refund_to_row(payment.id, refund) for refund in payment.refunds]
        new = [row for row in rows if row["id"] not in stored]
        if new:
            self._c.execute(_REFUND_INSERT, new)
        for row in rows:
            known = stored.get(row["id"])
            if known is not None and any(known[k] != row[k] for k in _REFUND_CHANGES):
                self._c.execute(_REFUND_UPDATE, {"key": row["id"], **row})
        self._remember(payment.id, [*({"id": k, **v} for k, v in stored.items()), *rows])


# -- shipping, notifications, outbox ---------------------------------------------------------
_SHIPMENT_INSERT = sa.insert(t.shipments)
_EVENTS_DELETE = sa.delete(t.tracking_events).where(t.tracking_events.c.shipment_id == _param("id"))
_EVENTS_INSERT = sa.insert(t.tracking_events)
_SHIPMENTS = _Joined(
    t.shipments,
    t.tracking_events,
    t.tracking_events.c.shipment_id == t.shipments.c.id,
    t.shipments.c.created_at,
    t.shipments.c.id,
    t.tracking_events.c.position,
)
_SHIPMENT_BY_ID = _SHIPMENTS.query.where(t.shipments.c.id == _param("a"))
_SHIPMENTS_OF_ORDER = _SHIPMENTS.query.where(t.shipments.c.order_id == _param("a"))


class SqlShipments(_Repo):
    def add(self, shipment: Shipment) -> None:
        s = shipment
        self._c.execute(
            _SHIPMENT_INSERT,
            {
                "id": s.id,
                "order_id": s.order_id,
                "carrier": s.carrier,
                "tracking_number": s.tracking_number,
                "created_at": s.created_at,
            },
        )
        self._events(s, stored=False)

    def _events(self, s: Shipment, stored: bool = True) -> None:
        if stored:
            self._c.execute(_EVENTS_DELETE, {"id": s.id})
        if s.events:
            self._c.execute(
                _EVENTS_INSERT,
                [
                    {
                        "shipment_id": s.id,
                        "position": i,
                        "at": e.at,
                        "status": e.status.value,
                        "description": e.description,
                        "location": e.location,
                    }
                    for i, e in enumerate(s.events)
                ],
            )

    def _load(self, statement: Any, a: str) -> list[Shipment]:
        found = _SHIPMENTS.group(self._c.execute(statement, {"a": a}).mappings())
        return [m.shipment_from_rows(head, events) for head, events in found]

    def get(self, shipment_id: str) -> Shipment | None:
        found = self._load(_SHIPMENT_BY_ID, shipment_id)
        return found[0] if found else None

    def list_for_order(self, order_id: str) -> list[Shipment]:
        return self._load(_SHIPMENTS_OF_ORDER, order_id)

    def update(self, shipment: Shipment) -> None:
        self._events(shipment)


_N = t.processed_notifications
_NOTIFICATION_SEEN = sa.select(_N.c.event_id).where(
    _N.c.provider == _param("provider"), _N.c.event_id == _param("event_id")
)
_NOTIFICATION_INSERT = sa.insert(_N)


class SqlNotifications(_Repo):
    def record(self, provider: str, event_id: str) -> bool:
        key = {"provider": provider, "event_id": event_id}
        if self._c.execute(_NOTIFICATION_SEEN, key).first() is not None:
            return False
        # a concurrent twin that inserts first makes this insert fail at the primary key,
        # which rolls this whole unit of work back: the state change happens once (PAY-3)
        self._c.execute(_NOTIFICATION_INSERT, key)
        return True


_OUTBOX_INSERT = sa.insert(t.outbox)


class SqlOutbox(_Repo):
    def add(self, events: Iterable[DomainEvent]) -> None:
        rows = [
            {"name": e.name, "payload": e.payload(), "occurred_at": e.occurred_at} for e in events
        ]
        if rows:
            self._c.execute(_OUTBOX_INSERT, rows)

    def list(self, after_id: int = 0, limit: int = 100) -> list[tuple[int, DomainEvent]]:
        o = t.outbox
        rows = self._c.execute(
            sa.select(o).where(o.c.id > after_id).order_by(o.c.id).limit(limit)
        ).mappings()
        return [(int(r["id"]), event_from_dict(r["name"], dict(r["payload"]))) for r in rows]
