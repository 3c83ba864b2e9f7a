"""Payments with their refunds."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from ecommerce_core.domain.payments import Payment
from ecommerce_sqlalchemy import mapping as m
from ecommerce_sqlalchemy import tables as t
from ecommerce_sqlalchemy.repositories._base import (
    Row,
    _Joined,
    _param,
    _Repo,
)
from ecommerce_sqlalchemy.statements import Statements

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
# the row alone: see SqlPayments.get
_PAYMENT_LOCK = sa.select(t.payments.c.id).where(t.payments.c.id == _param("a")).with_for_update()
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
    def __init__(self, conn: Statements, locking: bool) -> None:
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
        # Lock the row first, then read it with its refunds in a second statement. One joined
        # ``SELECT ... FOR UPDATE OF`` that waited for the lock sees, in PostgreSQL's READ
        # COMMITTED, the newest version of the payment row but the refund rows as they were
        # when it started: a refund committed while it waited would be missed, and two refunds
        # could then take more than was captured (PAY-5).
        locked = for_update and self._locking
        if locked and self._c.execute(_PAYMENT_LOCK, {"a": payment_id}).first() is None:
            return None
        found = self._load(_PAYMENT_BY_ID, payment_id)
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
