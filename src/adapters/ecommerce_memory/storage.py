"""A transactional in-memory store: one lock serialises units of work; commit swaps in copies."""

from __future__ import annotations

import builtins
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self

import attrs

from ecommerce_core.archive import parents_first
from ecommerce_core.domain.cart import Cart
from ecommerce_core.domain.catalog import Category, Product
from ecommerce_core.domain.customers import Customer
from ecommerce_core.domain.errors import AlreadyExists, NotFound
from ecommerce_core.domain.events import DomainEvent
from ecommerce_core.domain.inventory import Reservation, StockLevel, Warehouse
from ecommerce_core.domain.orders import Order
from ecommerce_core.domain.payments import Payment
from ecommerce_core.domain.shipping import Shipment
from ecommerce_memory.aftersales import (
    AFTERSALES_KEYS,
    AFTERSALES_TABLES,
    MemoryAfterSales,
    MemoryComplaints,
)
from ecommerce_memory.group_buy import GROUP_BUY_KEYS, GROUP_BUY_TABLES, MemoryGroupBuys
from ecommerce_memory.inventory import INVENTORY_TABLES, MemoryStockLedger, MemoryStocktakes
from ecommerce_memory.loyalty import (
    LOYALTY_KEYS,
    LOYALTY_TABLES,
    MemoryMemberships,
    MemoryRedemptions,
)
from ecommerce_memory.pricing import (
    CATALOGUE,
    PRICING_TABLES,
    MemoryCoupons,
    MemoryPromotions,
    bump_catalogue,
)

__all__ = ["MemoryStorage", "MemoryUnitOfWork"]

_TABLES = (
    "categories", "products", "customers", "carts", "warehouses", "stock", "reservations",
    "orders", "payments", "shipments", "promotions", "notifications", "outbox", "deliveries",
    "consumers",
    *PRICING_TABLES, *INVENTORY_TABLES, *LOYALTY_TABLES, *AFTERSALES_TABLES,
    *GROUP_BUY_TABLES,
)  # fmt: skip


class MemoryStorage:
    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self.lock = threading.RLock()
        self.tables: dict[str, dict[Any, Any]] = {name: {} for name in _TABLES}
        self.outbox_seq = 0

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)

    def migrate(self) -> None:
        return None

    def close(self) -> None:
        return None


class _Repo:
    table = ""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    @property
    def rows(self) -> dict[Any, Any]:
        return self._uow.working[self.table]

    def _insert(self, key: Any, value: Any, what: str) -> None:
        if key in self.rows:
            raise AlreadyExists(f"that {what} exists", id=str(key))
        self.rows[key] = value

    def _replace(self, key: Any, value: Any, what: str) -> None:
        if key not in self.rows:
            raise NotFound(f"no such {what}", id=str(key))
        self.rows[key] = value


class _Categories(_Repo):
    table = "categories"

    def add(self, category: Category) -> None:
        if any(c.slug == category.slug for c in self.rows.values()):
            raise AlreadyExists("a category with that slug exists", slug=category.slug)
        self._insert(category.id, category, "category")
        bump_catalogue(self._uow.working)  # pricing caches the tree under the catalogue version

    def update(self, category: Category) -> None:
        if any(c.slug == category.slug and c.id != category.id for c in self.rows.values()):
            raise AlreadyExists("a category with that slug exists", slug=category.slug)
        self._replace(category.id, category, "category")
        bump_catalogue(self._uow.working)

    def get(self, category_id: str) -> Category | None:
        return self.rows.get(category_id)

    def lineage(self, category_ids: Iterable[str]) -> list[Category]:
        found: dict[str, Category] = {}
        for start in category_ids:
            current = self.rows.get(start)
            while current is not None and current.id not in found:
                found[current.id] = current
                current = None if current.parent_id is None else self.rows.get(current.parent_id)
        return list(found.values())

    def list(self) -> list[Category]:
        return list(self.rows.values())


class _Products(_Repo):
    table = "products"

    def add(self, product: Product) -> None:
        skus = {x.sku for x in product.variants}
        for other in self.rows.values():
            if other.slug == product.slug:
                raise AlreadyExists("a product with that slug exists", slug=product.slug)
            if skus & {x.sku for x in other.variants}:
                raise AlreadyExists("a SKU is already in the catalog")
        self._insert(product.id, product, "product")

    def get(self, product_id: str) -> Product | None:
        return self.rows.get(product_id)

    def get_by_sku(self, sku: str) -> Product | None:
        return self.get_by_skus([sku]).get(sku)

    def get_by_skus(self, skus: Iterable[str]) -> dict[str, Product]:
        wanted = set(skus)
        return {x.sku: p for p in self.rows.values() for x in p.variants if x.sku in wanted}

    def list(self, category_ids: Iterable[str] | None = None) -> list[Product]:
        scope = None if category_ids is None else set(category_ids)
        found = [p for p in self.rows.values() if scope is None or p.category_id in scope]
        return sorted(found, key=lambda p: p.id)


class _Customers(_Repo):
    table = "customers"

    def add(self, customer: Customer) -> None:
        if self.get_by_email(customer.email) is not None:
            raise AlreadyExists("an account with that e-mail address exists")
        self._insert(customer.id, customer, "customer")

    def get(self, customer_id: str) -> Customer | None:
        return self.rows.get(customer_id)

    def get_by_email(self, email: str) -> Customer | None:
        wanted = email.lower()
        return next((c for c in self.rows.values() if c.email.lower() == wanted), None)

    def update(self, customer: Customer) -> None:
        self._replace(customer.id, customer, "customer")


class _Carts(_Repo):
    table = "carts"

    def get(self, cart_id: str) -> Cart | None:
        return self.rows.get(cart_id)

    def get_for_customer(self, customer_id: str, *, for_update: bool = False) -> Cart | None:
        # units of work run one at a time here: nothing to lock
        return next((c for c in self.rows.values() if c.customer_id == customer_id), None)

    def save(self, cart: Cart) -> None:
        self.rows[cart.id] = cart


class _Warehouses(_Repo):
    table = "warehouses"

    def add(self, warehouse: Warehouse) -> None:
        self._insert(warehouse.id, warehouse, "warehouse")
        bump_catalogue(self._uow.working)  # allocation caches them under the catalogue version

    def update(self, warehouse: Warehouse) -> None:
        self._replace(warehouse.id, warehouse, "warehouse")
        bump_catalogue(self._uow.working)

    def list(self) -> list[Warehouse]:
        return list(self.rows.values())


class _Stock(_Repo):
    table = "stock"

    def get(self, sku: str, warehouse_id: str) -> StockLevel | None:
        return self.rows.get((sku, warehouse_id))

    def for_skus(self, skus: Iterable[str], *, for_update: bool = False) -> list[StockLevel]:
        wanted = set(skus)
        return sorted((lv for lv in self.rows.values() if lv.sku in wanted), key=lambda x: x.key)

    def save(self, levels: Sequence[StockLevel]) -> None:
        for level in levels:
            stored = self.rows.get(level.key)
            # as every backend: the counts are saved, the settings only with a new level
            self.rows[level.key] = (
                level
                if stored is None
                else attrs.evolve(stored, on_hand=level.on_hand, reserved=level.reserved)
            )

    def configure(self, levels: Sequence[StockLevel]) -> None:
        for level in levels:
            stored = self.rows.get(level.key)
            self.rows[level.key] = (
                level
                if stored is None
                else stored.configured(
                    level.safety_stock,
                    level.low_stock_threshold,
                    level.backorder_limit,
                    level.available_from,
                )
            )

    def list(self) -> list[StockLevel]:
        return sorted(self.rows.values(), key=lambda x: x.key)


class _Reservations(_Repo):
    table = "reservations"

    def add(self, reservation: Reservation) -> None:
        self._insert(reservation.id, reservation, "reservation")

    def get(self, reservation_id: str, *, for_update: bool = False) -> Reservation | None:
        return self.rows.get(reservation_id)

    def update(self, reservation: Reservation) -> None:
        self._replace(reservation.id, reservation, "reservation")

    def expired(self, now: datetime, limit: int = 100) -> list[Reservation]:
        found = [r for r in self.rows.values() if r.is_expired(now)]
        return sorted(found, key=lambda r: (r.expires_at, r.id))[:limit]


class _Orders(_Repo):
    table = "orders"

    def add(self, order: Order) -> None:
        for other in self.rows.values():
            if other.number == order.number:
                raise AlreadyExists("an order with that number exists")
            if order.idempotency_key is not None and (other.customer_id, other.idempotency_key) == (
                order.customer_id,
                order.idempotency_key,
            ):
                raise AlreadyExists("an order with that idempotency key exists")
        self._insert(order.id, order, "order")

    def get(self, order_id: str, *, for_update: bool = False) -> Order | None:
        return self.rows.get(order_id)

    def get_by_number(self, number: str) -> Order | None:
        return next((o for o in self.rows.values() if o.number == number), None)

    def get_by_idempotency_key(self, customer_id: str, key: str) -> Order | None:
        return next(
            (
                o
                for o in self.rows.values()
                if o.customer_id == customer_id and o.idempotency_key == key
            ),
            None,
        )

    def update(self, order: Order) -> None:
        self._replace(order.id, order, "order")

    def list(self, customer_id: str | None = None, limit: int = 100) -> list[Order]:
        found = [
            o for o in self.rows.values() if customer_id is None or o.customer_id == customer_id
        ]
        return sorted(found, key=lambda o: (o.placed_at, o.id), reverse=True)[:limit]

    def has_orders(self, customer_id: str) -> bool:
        return any(o.customer_id == customer_id for o in self.rows.values())

    def in_status(
        self, status: str, *, updated_before: datetime, limit: int = 100
    ) -> builtins.list[Order]:
        found = [
            o for o in self.rows.values() if o.status == status and o.updated_at <= updated_before
        ]
        return sorted(found, key=lambda o: (o.updated_at, o.id))[: max(0, limit)]


class _Payments(_Repo):
    table = "payments"

    def add(self, payment: Payment) -> None:
        if self.get_by_idempotency_key(payment.order_id, payment.idempotency_key):
            raise AlreadyExists("a payment with that idempotency key exists")
        self._insert(payment.id, payment, "payment")

    def get(self, payment_id: str, *, for_update: bool = False) -> Payment | None:
        return self.rows.get(payment_id)

    def get_by_idempotency_key(self, order_id: str, key: str) -> Payment | None:
        return next(
            (p for p in self.rows.values() if (p.order_id, p.idempotency_key) == (order_id, key)),
            None,
        )

    def get_by_provider_ref(self, gateway: str, provider_ref: str) -> Payment | None:
        return next(
            (
                p
                for p in self.rows.values()
                if provider_ref and (p.gateway, p.provider_ref) == (gateway, provider_ref)
            ),
            None,
        )

    def list_for_order(self, order_id: str) -> list[Payment]:
        found = [p for p in self.rows.values() if p.order_id == order_id]
        return sorted(found, key=lambda p: (p.created_at, p.id))

    def update(self, payment: Payment) -> None:
        self._replace(payment.id, payment, "payment")


class _Shipments(_Repo):
    table = "shipments"

    def add(self, shipment: Shipment) -> None:
        self._insert(shipment.id, shipment, "shipment")

    def get(self, shipment_id: str) -> Shipment | None:
        return self.rows.get(shipment_id)

    def list_for_order(self, order_id: str) -> list[Shipment]:
        found = [s for s in self.rows.values() if s.order_id == order_id]
        return sorted(found, key=lambda s: (s.created_at, s.id))

    def update(self, shipment: Shipment) -> None:
        self._replace(shipment.id, shipment, "shipment")


class _Notifications(_Repo):
    table = "notifications"

    def record(self, provider: str, event_id: str) -> bool:
        if (provider, event_id) in self.rows:
            return False
        self.rows[(provider, event_id)] = True
        return True


class _Outbox(_Repo):
    table = "outbox"

    def add(self, events: Iterable[DomainEvent]) -> None:
        for event in events:
            self._uow.outbox_seq += 1
            self.rows[self._uow.outbox_seq] = event

    def list(self, after_id: int = 0, limit: int = 100) -> list[tuple[int, DomainEvent]]:
        return sorted(
            ((k, e) for k, e in self.rows.items() if k > after_id), key=lambda item: item[0]
        )[:limit]

    def undelivered(
        self, consumer: str, limit: int = 100
    ) -> builtins.list[tuple[int, DomainEvent]]:
        done = self._uow.working["deliveries"]
        pending = ((k, e) for k, e in self.rows.items() if (consumer, k) not in done)
        return sorted(pending, key=lambda item: item[0])[:limit]

    def mark_delivered(self, consumer: str, event_ids: Iterable[int]) -> None:
        done = self._uow.working["deliveries"]
        for event_id in event_ids:
            if (consumer, event_id) in done:
                raise AlreadyExists("that event was already delivered to that consumer")
            done[(consumer, event_id)] = True
        self._uow.working["consumers"][consumer] = True

    def prune(self, before: datetime, limit: int = 1000) -> int:
        consumers = self._uow.working["consumers"]
        done = self._uow.working["deliveries"]
        if limit <= 0 or not consumers or not self.rows:
            return 0
        newest = max(self.rows)
        gone = [
            event_id
            for event_id, event in sorted(self.rows.items(), key=lambda item: item[0])
            if event_id < newest
            and event.occurred_at < before
            and all((c, event_id) in done for c in consumers)
        ][:limit]
        for event_id in gone:
            del self.rows[event_id]
            for consumer in consumers:
                done.pop((consumer, event_id), None)
        return len(gone)


_KEYS: dict[str, Any] = {
    "categories": lambda c: c.id,
    "products": lambda p: p.id,
    "warehouses": lambda w: w.id,
    "stock": lambda lv: lv.key,
    "customers": lambda c: c.id,
    "carts": lambda c: c.id,
    "promotions": lambda p: p.id,
    "coupons": lambda c: c.id,
    "coupon_codes": lambda c: c.code,
    "coupon_claims": lambda c: (c.coupon_id, c.customer_id),
    "reservations": lambda r: r.id,
    "orders": lambda o: o.id,
    "payments": lambda p: p.id,
    "shipments": lambda s: s.id,
    "stock_ledger": lambda e: e.id,
    "stocktakes": lambda s: s.id,
    **LOYALTY_KEYS,
    **AFTERSALES_KEYS,
    **GROUP_BUY_KEYS,
}


class _Archive(_Repo):
    def dump(self) -> dict[str, Any]:
        w = self._uow.working
        data: dict[str, Any] = {kind: sorted(w[kind].values(), key=_KEYS[kind]) for kind in _KEYS}
        data["categories"] = parents_first(data["categories"])
        data["notifications"] = sorted(w["notifications"])
        data["outbox"] = sorted(w["outbox"].items(), key=lambda item: item[0])
        data["deliveries"] = sorted(w["deliveries"])
        return data

    def is_empty(self) -> bool:
        return not any(rows for name, rows in self._uow.working.items() if name != CATALOGUE)

    def clear(self) -> None:
        for name, rows in self._uow.working.items():
            if name != CATALOGUE:  # the version only ever moves on: no cache serves old data
                rows.clear()
        bump_catalogue(self._uow.working)

    def load(self, data: Mapping[str, Sequence[Any]]) -> None:
        w = self._uow.working
        bump_catalogue(w)
        for kind, key in _KEYS.items():
            for item in data.get(kind, ()):
                w[kind][key(item)] = item
        for pair in data.get("notifications", ()):
            w["notifications"][tuple(pair)] = True
        for event_id, event in data.get("outbox", ()):
            w["outbox"][event_id] = event
            self._uow.outbox_seq = max(self._uow.outbox_seq, event_id)
        for pair in data.get("deliveries", ()):
            w["deliveries"][tuple(pair)] = True
            w["consumers"][pair[0]] = True


class MemoryUnitOfWork:
    def __init__(self, storage: MemoryStorage) -> None:
        self._storage = storage
        self.working: dict[str, dict[Any, Any]] = {}
        self.outbox_seq = 0
        self.committed = False
        self.categories = _Categories(self)
        self.products = _Products(self)
        self.customers = _Customers(self)
        self.carts = _Carts(self)
        self.warehouses = _Warehouses(self)
        self.stock = _Stock(self)
        self.stock_ledger = MemoryStockLedger(self)
        self.stocktakes = MemoryStocktakes(self)
        self.reservations = _Reservations(self)
        self.orders = _Orders(self)
        self.payments = _Payments(self)
        self.shipments = _Shipments(self)
        self.promotions = MemoryPromotions(self)
        self.coupons = MemoryCoupons(self)
        self.memberships = MemoryMemberships(self)
        self.redemptions = MemoryRedemptions(self)
        self.aftersales = MemoryAfterSales(self)
        self.complaints = MemoryComplaints(self)
        self.group_buys = MemoryGroupBuys(self)
        self.notifications = _Notifications(self)
        self.outbox = _Outbox(self)
        self.archive = _Archive(self)

    def __enter__(self) -> Self:
        self._storage.lock.acquire()
        self._snapshot()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self._storage.lock.release()

    def _snapshot(self) -> None:
        self.working = {name: dict(rows) for name, rows in self._storage.tables.items()}
        self.outbox_seq = self._storage.outbox_seq

    def commit(self) -> None:
        self._storage.tables = self.working
        self._storage.outbox_seq = self.outbox_seq
        self.committed = True
        self._snapshot()

    def rollback(self) -> None:
        self._snapshot()
