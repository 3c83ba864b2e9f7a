"""Customers and their carts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ecommerce_core.domain.cart import Cart
from ecommerce_core.domain.customers import Customer
from ecommerce_sqlalchemy import mapping as m
from ecommerce_sqlalchemy import tables as t
from ecommerce_sqlalchemy.repositories._base import (
    _Joined,
    _param,
    _Repo,
)
from ecommerce_sqlalchemy.statements import Statements

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
_CART_BY_CUSTOMER_LOCKED = _CART_BY_CUSTOMER.with_for_update(of=t.carts)
# PostgreSQL re-reads a locked row once its lock is granted, but not the rows joined to it: a
# cart emptied meanwhile would still show its lines. There the lock is taken by a statement of its
# own and the cart is read by the next one, which sees everything committed before the lock.
_CART_LOCK = sa.select(t.carts.c.id).where(t.carts.c.customer_id == _param("key")).with_for_update()
_CART_INSERT = sa.insert(t.carts)
_CART_UPDATE = sa.update(t.carts).where(t.carts.c.id == _param("key"))
_CART_LINES_DELETE = sa.delete(t.cart_lines).where(t.cart_lines.c.cart_id == _param("key"))
_CART_LINES_INSERT = sa.insert(t.cart_lines)
_CART_UPDATE_EMPTYING = _CART_UPDATE.add_cte(_CART_LINES_DELETE.cte("w_cart_lines"))


class SqlCarts(_Repo):
    def __init__(self, conn: Statements, locking: bool) -> None:
        super().__init__(conn, locking)
        # the carts this transaction read or wrote, by cart id and by customer id (immutable)
        self._by_id: dict[str, Cart | None] = {}
        self._by_customer: dict[str, Cart | None] = {}
        self._locked: set[str] = set()  # customers whose cart this transaction locked

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

    def get_for_customer(self, customer_id: str, *, for_update: bool = False) -> Cart | None:
        locking = for_update and self._locking  # SQLite: BEGIN IMMEDIATE holds the lock already
        if customer_id in self._by_customer and (not locking or customer_id in self._locked):
            return self._by_customer[customer_id]
        if not locking:
            return self._one(_CART_BY_CUSTOMER, customer_id)
        self._locked.add(customer_id)
        if self._chain:  # PostgreSQL: lock, then read (see _CART_LOCK)
            self._c.execute(_CART_LOCK, {"key": customer_id})
            return self._one(_CART_BY_CUSTOMER, customer_id)
        return self._one(_CART_BY_CUSTOMER_LOCKED, customer_id)

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
