"""Whole-store dump and load for backups, through the mapping and the repositories."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from ecommerce_core.archive import parents_first
from ecommerce_core.domain.orders import Order
from ecommerce_sqlalchemy import mapping as m
from ecommerce_sqlalchemy import tables as t
from ecommerce_sqlalchemy.pricing import bump_catalogue, claim_from_row, code_from_row
from ecommerce_sqlalchemy.repositories._base import Row, _Joined
from ecommerce_sqlalchemy.repositories.aftersales import complaint_from_row, request_from_row
from ecommerce_sqlalchemy.repositories.inventory import _RESERVATIONS
from ecommerce_sqlalchemy.repositories.orders import _ORDERS
from ecommerce_sqlalchemy.repositories.payments import _PAYMENTS
from ecommerce_sqlalchemy.repositories.shipping import _SHIPMENTS
from ecommerce_sqlalchemy.statements import Statements

__all__ = ["SqlArchive"]


class SqlArchive:
    def __init__(self, conn: Statements, uow: Any) -> None:
        self._c = conn
        self._uow = uow

    def dump(self) -> dict[str, Any]:
        u, c = self._uow, self._c
        d = t.outbox_deliveries
        return {
            # parents before children, so that a restore satisfies the foreign key
            "categories": parents_first(u.categories.list()),
            "products": u.products.list(),
            "warehouses": u.warehouses.list(),
            "stock": u.stock.list(),
            "stock_ledger": [
                m.ledger_entry_from_row(r)
                for r in c.execute(
                    sa.select(t.stock_ledger).order_by(t.stock_ledger.c.id)
                ).mappings()
            ],
            "customers": [
                m.customer_from_row(r)
                for r in c.execute(sa.select(t.customers).order_by(t.customers.c.id)).mappings()
            ],
            "carts": [
                m.cart_from_row(r)
                for r in c.execute(sa.select(t.carts).order_by(t.carts.c.id)).mappings()
            ],
            "promotions": u.promotions.list(),
            "coupons": u.coupons.list(),
            "coupon_codes": [
                code_from_row(r)
                for r in c.execute(
                    sa.select(t.coupon_codes).order_by(t.coupon_codes.c.code)
                ).mappings()
            ],
            "coupon_claims": [
                claim_from_row(r)
                for r in c.execute(
                    sa.select(t.coupon_claims).order_by(*t.coupon_claims.primary_key.columns)
                ).mappings()
            ],
            # one read per kind (and one of every order's timeline), not one per aggregate
            "stocktakes": sorted(u.stocktakes.list(), key=lambda x: x.id),
            "reservations": [
                m.reservation_from_rows(head, lines) for head, lines in self._every(_RESERVATIONS)
            ],
            "orders": self._orders(),
            "payments": [
                m.payment_from_rows(head, refunds) for head, refunds in self._every(_PAYMENTS)
            ],
            "shipments": [
                m.shipment_from_rows(head, events) for head, events in self._every(_SHIPMENTS)
            ],
            "aftersales_requests": [
                request_from_row(r)
                for r in c.execute(
                    sa.select(t.aftersales_requests).order_by(t.aftersales_requests.c.id)
                ).mappings()
            ],
            "complaints": [
                complaint_from_row(r)
                for r in c.execute(sa.select(t.complaints).order_by(t.complaints.c.id)).mappings()
            ],
            "notifications": [
                (r[0], r[1])
                for r in c.execute(
                    sa.select(t.processed_notifications).order_by(
                        *t.processed_notifications.primary_key.columns
                    )
                )
            ],
            "memberships": u.memberships.list(),
            "points_ledger": u.memberships.entries(),
            "redemptions": u.redemptions.list(),
            "group_buys": u.group_buys.list(),
            "outbox": u.outbox.list(0, limit=2**62),
            "deliveries": [
                (r[0], int(r[1]))
                for r in c.execute(sa.select(d).order_by(d.c.consumer, d.c.event_id))
            ],
        }

    def _every(self, joined: _Joined) -> list[tuple[Row, list[Row]]]:
        return joined.group(self._c.execute(joined.every).mappings())

    def _orders(self) -> list[Order]:
        h = t.order_history
        history: dict[str, list[Row]] = defaultdict(list)
        for row in self._c.execute(sa.select(h).order_by(h.c.order_id, h.c.position)).mappings():
            history[row["order_id"]].append(row)
        return [
            m.order_from_rows(head, lines, history[head["id"]])
            for head, lines in self._every(_ORDERS)
        ]

    def is_empty(self) -> bool:
        for table in t.metadata.sorted_tables:
            if table is t.promotion_catalogue:
                continue
            if self._c.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
                return False
        return True

    def clear(self) -> None:
        self._c.execute(sa.update(t.categories).values(parent_id=None))
        for table in reversed(t.metadata.sorted_tables):
            if table is not t.promotion_catalogue:  # the version only ever moves on
                self._c.execute(sa.delete(table))
        bump_catalogue(self._c)

    def load(self, data: Mapping[str, Sequence[Any]]) -> None:
        u = self._uow
        bump_catalogue(self._c)  # even with no promotion: no cache serves the store before
        # categories (parents first) and warehouses in one statement each: their repositories'
        # add would move the catalogue version on once per row, for nothing
        for table, rows in (
            (t.categories, [m.category_to_row(c) for c in data.get("categories", ())]),
            (t.warehouses, [m.warehouse_to_row(w) for w in data.get("warehouses", ())]),
        ):
            if rows:
                self._c.execute(sa.insert(table), rows)
        adders = {
            "products": u.products.add,
            "customers": u.customers.add,
            "carts": u.carts.save,
            "promotions": u.promotions.add,
            "coupons": u.coupons.add,
            "coupon_codes": lambda code: u.coupons.add_codes([code]),
            "coupon_claims": u.coupons.add_claim,
            "group_buys": u.group_buys.add,
            "stocktakes": u.stocktakes.add,
            "reservations": u.reservations.add,
            "orders": u.orders.add,
            "payments": u.payments.add,
            "shipments": u.shipments.add,
            "memberships": u.memberships.save,
            "points_ledger": lambda entry: u.memberships.add_entries([entry]),
            "redemptions": lambda redemption: u.redemptions.add([redemption]),
            "aftersales_requests": u.aftersales.add,
            "complaints": u.complaints.add,
        }
        for kind, add in adders.items():
            for item in data.get(kind, ()):
                add(item)
        u.stock.save(list(data.get("stock", ())))
        # entries keep their order; the database numbers them afresh, as it does outbox events
        u.stock_ledger.add(list(data.get("stock_ledger", ())))
        for provider, event_id in data.get("notifications", ()):
            u.notifications.record(provider, event_id)
        renumbered: dict[int, int] = {}
        for old_id, event in data.get("outbox", ()):
            row = {"name": event.name, "payload": event.payload(), "occurred_at": event.occurred_at}
            result = self._c.execute(sa.insert(t.outbox).values(row))
            key = result.inserted_primary_key
            assert key is not None
            renumbered[old_id] = int(key[0])
        consumers = sorted({consumer for consumer, _ in data.get("deliveries", ())})
        if consumers:
            self._c.execute(sa.insert(t.outbox_consumers), [{"consumer": x} for x in consumers])
            self._c.execute(
                sa.insert(t.outbox_deliveries),
                [{"consumer": x, "event_id": renumbered[i]} for x, i in data["deliveries"]],
            )
