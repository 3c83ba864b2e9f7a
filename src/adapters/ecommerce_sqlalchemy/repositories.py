"""Repositories over one SQLAlchemy Connection (Core, not ORM: the domain objects are frozen)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ecommerce_core.domain.cart import Cart
from ecommerce_core.domain.catalog import Category, Product
from ecommerce_core.domain.customers import Customer
from ecommerce_core.domain.events import DomainEvent, event_from_dict
from ecommerce_core.domain.inventory import Reservation, StockLevel, Warehouse
from ecommerce_core.domain.orders import Order
from ecommerce_core.domain.payments import Payment
from ecommerce_core.domain.pricing import Promotion
from ecommerce_core.domain.shipping import Shipment
from ecommerce_sqlalchemy import mapping as m
from ecommerce_sqlalchemy import tables as t


def _children(
    conn: Connection, table: sa.Table, column: str, keys: Sequence[str]
) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    if keys:
        for row in conn.execute(sa.select(table).where(table.c[column].in_(keys))).mappings():
            grouped[row[column]].append(row)
    return grouped


class _Repo:
    def __init__(self, conn: Connection, locking: bool) -> None:
        self._c = conn
        # SQLite serialises writers with BEGIN IMMEDIATE instead of row locks
        self._locking = locking

    def _lock(self, query: sa.Select[Any], for_update: bool) -> sa.Select[Any]:
        return query.with_for_update() if for_update and self._locking else query


class SqlCategories(_Repo):
    def add(self, category: Category) -> None:
        self._c.execute(sa.insert(t.categories).values(m.category_to_row(category)))

    def get(self, category_id: str) -> Category | None:
        row = (
            self._c.execute(sa.select(t.categories).where(t.categories.c.id == category_id))
            .mappings()
            .first()
        )
        return None if row is None else m.category_from_row(row)

    def list(self) -> list[Category]:
        rows = self._c.execute(sa.select(t.categories).order_by(t.categories.c.id)).mappings()
        return [m.category_from_row(r) for r in rows]


class SqlProducts(_Repo):
    def add(self, product: Product) -> None:
        head, variants = m.product_to_rows(product)
        self._c.execute(sa.insert(t.products).values(head))
        self._c.execute(sa.insert(t.variants), variants)

    def _load(self, where: Any) -> list[Product]:
        rows = list(
            self._c.execute(sa.select(t.products).where(where).order_by(t.products.c.id)).mappings()
        )
        variants = _children(self._c, t.variants, "product_id", [r["id"] for r in rows])
        return [m.product_from_rows(r, variants[r["id"]]) for r in rows]

    def get(self, product_id: str) -> Product | None:
        found = self._load(t.products.c.id == product_id)
        return found[0] if found else None

    def get_by_sku(self, sku: str) -> Product | None:
        return self.get_by_skus([sku]).get(sku)

    def get_by_skus(self, skus: Iterable[str]) -> dict[str, Product]:
        wanted = sorted(set(skus))
        if not wanted:
            return {}
        ids = sa.select(t.variants.c.product_id).where(t.variants.c.sku.in_(wanted))
        products = self._load(t.products.c.id.in_(ids))
        return {v.sku: p for p in products for v in p.variants if v.sku in wanted}

    def list(self, category_ids: Iterable[str] | None = None) -> list[Product]:
        if category_ids is None:
            return self._load(sa.true())
        return self._load(t.products.c.category_id.in_(sorted(set(category_ids))))


class SqlCustomers(_Repo):
    def add(self, customer: Customer) -> None:
        self._c.execute(sa.insert(t.customers).values(m.customer_to_row(customer)))

    def _one(self, where: Any) -> Customer | None:
        row = self._c.execute(sa.select(t.customers).where(where)).mappings().first()
        return None if row is None else m.customer_from_row(row)

    def get(self, customer_id: str) -> Customer | None:
        return self._one(t.customers.c.id == customer_id)

    def get_by_email(self, email: str) -> Customer | None:
        return self._one(t.customers.c.email_key == email.lower())

    def update(self, customer: Customer) -> None:
        row = m.customer_to_row(customer)
        self._c.execute(sa.update(t.customers).where(t.customers.c.id == customer.id).values(row))


class SqlCarts(_Repo):
    def _one(self, where: Any) -> Cart | None:
        row = self._c.execute(sa.select(t.carts).where(where)).mappings().first()
        if row is None:
            return None
        lines = self._c.execute(
            sa.select(t.cart_lines).where(t.cart_lines.c.cart_id == row["id"])
        ).mappings()
        return m.cart_from_rows(row, list(lines))

    def get(self, cart_id: str) -> Cart | None:
        return self._one(t.carts.c.id == cart_id)

    def get_for_customer(self, customer_id: str) -> Cart | None:
        return self._one(t.carts.c.customer_id == customer_id)

    def save(self, cart: Cart) -> None:
        head = {
            "id": cart.id,
            "customer_id": cart.customer_id,
            "currency": cart.currency,
            "updated_at": cart.updated_at,
        }
        updated = self._c.execute(sa.update(t.carts).where(t.carts.c.id == cart.id).values(head))
        if updated.rowcount == 0:
            self._c.execute(sa.insert(t.carts).values(head))
        else:
            self._c.execute(sa.delete(t.cart_lines).where(t.cart_lines.c.cart_id == cart.id))
        if cart.lines:
            self._c.execute(
                sa.insert(t.cart_lines),
                [
                    {"cart_id": cart.id, "position": i, "sku": ln.sku, "quantity": ln.quantity}
                    for i, ln in enumerate(cart.lines)
                ],
            )


class SqlWarehouses(_Repo):
    def add(self, warehouse: Warehouse) -> None:
        self._c.execute(
            sa.insert(t.warehouses).values(
                id=warehouse.id, name=warehouse.name, priority=warehouse.priority
            )
        )

    def list(self) -> list[Warehouse]:
        return [
            m.warehouse_from_row(r)
            for r in self._c.execute(sa.select(t.warehouses).order_by(t.warehouses.c.id)).mappings()
        ]


class SqlStock(_Repo):
    def get(self, sku: str, warehouse_id: str) -> StockLevel | None:
        s = t.stock_levels
        row = (
            self._c.execute(sa.select(s).where(s.c.sku == sku, s.c.warehouse_id == warehouse_id))
            .mappings()
            .first()
        )
        return None if row is None else m.stock_from_row(row)

    def for_skus(self, skus: Iterable[str], *, for_update: bool = False) -> list[StockLevel]:
        s = t.stock_levels
        wanted = sorted(set(skus))
        if not wanted:
            return []
        # one global lock order, (sku, warehouse): two checkouts can never deadlock each other
        query = sa.select(s).where(s.c.sku.in_(wanted)).order_by(s.c.sku, s.c.warehouse_id)
        return [
            m.stock_from_row(r) for r in self._c.execute(self._lock(query, for_update)).mappings()
        ]

    def save(self, levels: Sequence[StockLevel]) -> None:
        s = t.stock_levels
        for level in sorted(levels, key=lambda lv: lv.key):
            values = {"on_hand": level.on_hand, "reserved": level.reserved}
            done = self._c.execute(
                sa.update(s)
                .where(s.c.sku == level.sku, s.c.warehouse_id == level.warehouse_id)
                .values(values)
            )
            if done.rowcount == 0:
                self._c.execute(
                    sa.insert(s).values(sku=level.sku, warehouse_id=level.warehouse_id, **values)
                )

    def list(self) -> list[StockLevel]:
        s = t.stock_levels
        return [
            m.stock_from_row(r)
            for r in self._c.execute(sa.select(s).order_by(s.c.sku, s.c.warehouse_id)).mappings()
        ]


class SqlReservations(_Repo):
    def add(self, reservation: Reservation) -> None:
        r = reservation
        self._c.execute(
            sa.insert(t.reservations).values(
                id=r.id,
                order_id=r.order_id,
                status=r.status.value,
                created_at=r.created_at,
                expires_at=r.expires_at,
            )
        )
        if r.lines:
            self._c.execute(
                sa.insert(t.reservation_lines),
                [
                    {
                        "reservation_id": r.id,
                        "sku": ln.sku,
                        "warehouse_id": ln.warehouse_id,
                        "quantity": ln.quantity,
                    }
                    for ln in r.lines
                ],
            )

    def get(self, reservation_id: str, *, for_update: bool = False) -> Reservation | None:
        query = self._lock(
            sa.select(t.reservations).where(t.reservations.c.id == reservation_id), for_update
        )
        row = self._c.execute(query).mappings().first()
        if row is None:
            return None
        lines = self._c.execute(
            sa.select(t.reservation_lines).where(
                t.reservation_lines.c.reservation_id == reservation_id
            )
        ).mappings()
        return m.reservation_from_rows(row, list(lines))

    def update(self, reservation: Reservation) -> None:
        # the lines of a reservation never change; only its status does
        self._c.execute(
            sa.update(t.reservations)
            .where(t.reservations.c.id == reservation.id)
            .values(status=reservation.status.value)
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


class SqlOrders(_Repo):
    def add(self, order: Order) -> None:
        self._c.execute(sa.insert(t.orders).values(m.order_to_row(order)))
        self._c.execute(
            sa.insert(t.order_lines),
            [
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
            ],
        )
        self._history(order, 0)

    def _history(self, order: Order, start: int) -> None:
        rows = [
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
        if rows:
            self._c.execute(sa.insert(t.order_history), rows)

    def _load(
        self, where: Any, for_update: bool = False, order_by: Any = None, limit: int | None = None
    ) -> list[Order]:
        query = sa.select(t.orders).where(where)
        if order_by is not None:
            query = query.order_by(*order_by)
        if limit is not None:
            query = query.limit(limit)
        rows = list(self._c.execute(self._lock(query, for_update)).mappings())
        ids = [r["id"] for r in rows]
        lines = _children(self._c, t.order_lines, "order_id", ids)
        history = _children(self._c, t.order_history, "order_id", ids)
        return [m.order_from_rows(r, lines[r["id"]], history[r["id"]]) for r in rows]

    def get(self, order_id: str, *, for_update: bool = False) -> Order | None:
        found = self._load(t.orders.c.id == order_id, for_update)
        return found[0] if found else None

    def get_by_number(self, number: str) -> Order | None:
        found = self._load(t.orders.c.number == number)
        return found[0] if found else None

    def get_by_idempotency_key(self, customer_id: str, key: str) -> Order | None:
        found = self._load(
            sa.and_(t.orders.c.customer_id == customer_id, t.orders.c.idempotency_key == key)
        )
        return found[0] if found else None

    def update(self, order: Order) -> None:
        known = self._c.execute(
            sa.select(sa.func.count())
            .select_from(t.order_history)
            .where(t.order_history.c.order_id == order.id)
        ).scalar_one()
        row = m.order_to_row(order)
        self._c.execute(sa.update(t.orders).where(t.orders.c.id == order.id).values(row))
        self._history(order, int(known))

    def list(self, customer_id: str | None = None, limit: int = 100) -> list[Order]:
        where = sa.true() if customer_id is None else t.orders.c.customer_id == customer_id
        return self._load(
            where, order_by=(t.orders.c.placed_at.desc(), t.orders.c.id.desc()), limit=limit
        )


class SqlPayments(_Repo):
    def add(self, payment: Payment) -> None:
        self._c.execute(sa.insert(t.payments).values(m.payment_to_row(payment)))
        if payment.refunds:
            self._c.execute(
                sa.insert(t.refunds), [m.refund_to_row(payment.id, r) for r in payment.refunds]
            )

    def _load(self, where: Any, for_update: bool = False) -> list[Payment]:
        query = self._lock(
            sa.select(t.payments).where(where).order_by(t.payments.c.created_at, t.payments.c.id),
            for_update,
        )
        rows = list(self._c.execute(query).mappings())
        refunds = _children(self._c, t.refunds, "payment_id", [r["id"] for r in rows])
        return [m.payment_from_rows(r, refunds[r["id"]]) for r in rows]

    def get(self, payment_id: str, *, for_update: bool = False) -> Payment | None:
        found = self._load(t.payments.c.id == payment_id, for_update)
        return found[0] if found else None

    def get_by_idempotency_key(self, order_id: str, key: str) -> Payment | None:
        found = self._load(
            sa.and_(t.payments.c.order_id == order_id, t.payments.c.idempotency_key == key)
        )
        return found[0] if found else None

    def get_by_provider_ref(self, gateway: str, provider_ref: str) -> Payment | None:
        if not provider_ref:
            return None
        found = self._load(
            sa.and_(t.payments.c.gateway == gateway, t.payments.c.provider_ref == provider_ref)
        )
        return found[0] if found else None

    def list_for_order(self, order_id: str) -> list[Payment]:
        return self._load(t.payments.c.order_id == order_id)

    def update(self, payment: Payment) -> None:
        self._c.execute(
            sa.update(t.payments)
            .where(t.payments.c.id == payment.id)
            .values(m.payment_to_row(payment))
        )
        stored = {
            r["id"]: r
            for r in self._c.execute(
                sa.select(t.refunds).where(t.refunds.c.payment_id == payment.id)
            ).mappings()
        }
        for refund in payment.refunds:
            row = m.refund_to_row(payment.id, refund)
            if refund.id not in stored:
                self._c.execute(sa.insert(t.refunds).values(row))
            elif any(stored[refund.id][k] != row[k] for k in ("status", "provider_ref")):
                self._c.execute(sa.update(t.refunds).where(t.refunds.c.id == refund.id).values(row))


class SqlShipments(_Repo):
    def add(self, shipment: Shipment) -> None:
        s = shipment
        self._c.execute(
            sa.insert(t.shipments).values(
                id=s.id,
                order_id=s.order_id,
                carrier=s.carrier,
                tracking_number=s.tracking_number,
                created_at=s.created_at,
            )
        )
        self._events(s)

    def _events(self, s: Shipment) -> None:
        self._c.execute(sa.delete(t.tracking_events).where(t.tracking_events.c.shipment_id == s.id))
        if s.events:
            self._c.execute(
                sa.insert(t.tracking_events),
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

    def _load(self, where: Any) -> list[Shipment]:
        rows = list(
            self._c.execute(
                sa.select(t.shipments)
                .where(where)
                .order_by(t.shipments.c.created_at, t.shipments.c.id)
            ).mappings()
        )
        events = _children(self._c, t.tracking_events, "shipment_id", [r["id"] for r in rows])
        return [m.shipment_from_rows(r, events[r["id"]]) for r in rows]

    def get(self, shipment_id: str) -> Shipment | None:
        found = self._load(t.shipments.c.id == shipment_id)
        return found[0] if found else None

    def list_for_order(self, order_id: str) -> list[Shipment]:
        return self._load(t.shipments.c.order_id == order_id)

    def update(self, shipment: Shipment) -> None:
        self._events(shipment)


class SqlPromotions(_Repo):
    def add(self, promotion: Promotion) -> None:
        self._c.execute(sa.insert(t.promotions).values(m.promotion_to_row(promotion)))

    def list(self) -> list[Promotion]:
        rows = self._c.execute(sa.select(t.promotions).order_by(t.promotions.c.id)).mappings()
        return [m.promotion_from_row(r) for r in rows]


class SqlNotifications(_Repo):
    def record(self, provider: str, event_id: str) -> bool:
        n = t.processed_notifications
        seen = self._c.execute(
            sa.select(n.c.event_id).where(n.c.provider == provider, n.c.event_id == event_id)
        ).first()
        if seen is not None:
            return False
        # a concurrent twin that inserts first makes this insert fail at the primary key,
        # which rolls this whole unit of work back: the state change happens once (PAY-3)
        self._c.execute(sa.insert(n).values(provider=provider, event_id=event_id))
        return True


class SqlOutbox(_Repo):
    def add(self, events: Iterable[DomainEvent]) -> None:
        rows = [
            {"name": e.name, "payload": e.payload(), "occurred_at": e.occurred_at} for e in events
        ]
        if rows:
            self._c.execute(sa.insert(t.outbox), rows)

    def list(self, after_id: int = 0, limit: int = 100) -> list[tuple[int, DomainEvent]]:
        o = t.outbox
        rows = self._c.execute(
            sa.select(o).where(o.c.id > after_id).order_by(o.c.id).limit(limit)
        ).mappings()
        return [(int(r["id"]), event_from_dict(r["name"], dict(r["payload"]))) for r in rows]
