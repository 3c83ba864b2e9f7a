"""Customers and their carts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ecommerce_core.domain.cart import Cart
from ecommerce_core.domain.customers import Customer
from ecommerce_sqlalchemy import mapping as m
from ecommerce_sqlalchemy import tables as t
from ecommerce_sqlalchemy.repositories._base import _param, _Repo
from ecommerce_sqlalchemy.statements import Append, Statements, only

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


# A cart is one row, its lines a JSON column (tables.carts): a locked read is one
# ``SELECT ... FOR UPDATE`` on every database (PostgreSQL re-reads a row whole once the lock it
# waited for is granted: a cart emptied meanwhile is read empty), and a save is one statement.
_CART_BY_ID = sa.select(t.carts).where(t.carts.c.id == _param("key"))
_CART_BY_CUSTOMER = sa.select(t.carts).where(t.carts.c.customer_id == _param("key"))
_CART_BY_CUSTOMER_LOCKED = _CART_BY_CUSTOMER.with_for_update()
_CART_INSERT = sa.insert(t.carts)
_CART_UPDATE = sa.update(t.carts).where(t.carts.c.id == _param("key"))  # SET: the parameters


#: PostgreSQL: the update of a cart whose row this transaction locked (so it is there, and stays
#: as it read it) is held and sent with the unit of work's next statement (statements.py): a
#: checkout's emptied cart goes with its order and the read that locks its stock rows
CART = Append(
    "cart",
    [
        sa.update(t.carts)
        .where(t.carts.c.id == sa.bindparam("ct_key", type_=t.carts.c.id.type))
        .values(
            {
                name: sa.bindparam(f"ct_{name}", type_=t.carts.c[name].type)
                for name in ("currency", "updated_at", "lines")
            }
        )
    ],
    only,
    merge=False,
)


def _changes(row: dict[str, Any]) -> dict[str, Any]:
    """The parameters of _CART_UPDATE: what a cart's life changes (never its id or customer)."""
    return {
        "key": row["id"],
        "currency": row["currency"],
        "updated_at": row["updated_at"],
        "lines": row["lines"],
    }


class SqlCarts(_Repo):
    def __init__(self, conn: Statements, locking: bool) -> None:
        super().__init__(conn, locking)
        # the carts this transaction read or wrote, by cart id and by customer id (immutable);
        # None by customer: it read that the customer has no cart
        self._by_id: dict[str, Cart] = {}
        self._by_customer: dict[str, Cart | None] = {}
        self._locked: set[str] = set()  # customers whose cart this transaction locked

    def _remember(self, cart: Cart) -> Cart:
        self._by_id[cart.id] = self._by_customer[cart.customer_id] = cart
        return cart

    def _one(self, statement: Any, key: str) -> Cart | None:
        row = self._c.execute(statement, {"key": key}).mappings().first()
        return None if row is None else self._remember(m.cart_from_row(row))

    def get(self, cart_id: str) -> Cart | None:
        if cart_id in self._by_id:
            return self._by_id[cart_id]
        return self._one(_CART_BY_ID, cart_id)

    def get_for_customer(self, customer_id: str, *, for_update: bool = False) -> Cart | None:
        locking = for_update and self._locking  # SQLite: BEGIN IMMEDIATE holds the lock already
        if customer_id in self._by_customer and (not locking or customer_id in self._locked):
            return self._by_customer[customer_id]
        if locking:
            self._locked.add(customer_id)
        cart = self._one(_CART_BY_CUSTOMER_LOCKED if locking else _CART_BY_CUSTOMER, customer_id)
        if cart is None:
            self._by_customer[customer_id] = None
        return cart

    def save(self, cart: Cart) -> None:
        """One statement: an ``UPDATE`` of a cart this transaction read or wrote (held on
        PostgreSQL when it locked the cart, see CART), an ``INSERT`` of one for a customer it
        read had none. Otherwise (a restore) an ``UPDATE``, then an ``INSERT`` if there was no
        such cart. Not an upsert: MariaDB's ``ON DUPLICATE KEY``
        would also match the customer's unique key, and overwrite the cart of a concurrent
        first ``add_item`` instead of refusing the second cart (``AlreadyExists``)."""
        row = m.cart_to_row(cart)
        locked = (
            self._by_customer.get(cart.customer_id) if cart.customer_id in self._locked else None
        )
        if self._c.holds and locked is not None and locked.id == cart.id:
            self._c.append(CART, {f"ct_{k}": v for k, v in _changes(row).items()})
            self._remember(cart)
            return
        known_new = cart.id not in self._by_id and (
            cart.customer_id in self._by_customer and self._by_customer[cart.customer_id] is None
        )
        if known_new or self._c.execute(_CART_UPDATE, _changes(row)).rowcount == 0:
            self._c.execute(_CART_INSERT, row)
        self._remember(cart)
