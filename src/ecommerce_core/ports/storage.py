"""The storage port: a unit of work over repositories, one repository per aggregate.

Adapters implement these Protocols and pass ``tests/contract``. Every method that changes data
changes it only inside the unit of work, and nothing is visible to others until ``commit``.
Methods with ``for_update`` lock what they return until the unit of work ends; several rows are
always locked in one global order (sorted keys), so two units of work never deadlock each other.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from ecommerce_core.domain.cart import Cart
from ecommerce_core.domain.catalog import Category, Product
from ecommerce_core.domain.customers import Customer
from ecommerce_core.domain.events import DomainEvent
from ecommerce_core.domain.group_buy import GroupBuy, GroupBuyStatus
from ecommerce_core.domain.inventory import Reservation, StockLevel, Warehouse
from ecommerce_core.domain.loyalty import Membership, PointsEntry
from ecommerce_core.domain.orders import Order
from ecommerce_core.domain.payments import Payment
from ecommerce_core.domain.pricing import (
    Coupon,
    CouponClaim,
    CouponCode,
    Promotion,
    Redemption,
    RedemptionKind,
)
from ecommerce_core.domain.shipping import Shipment
from ecommerce_core.domain.stock_control import Stocktake
from ecommerce_core.domain.stock_ledger import LedgerEntry, MovementKind
from ecommerce_core.ports.aftersales import AfterSalesRepository, ComplaintRepository

__all__ = [
    "ArchiveRepository",
    "CartRepository",
    "CategoryRepository",
    "CouponRepository",
    "CustomerRepository",
    "MembershipRepository",
    "OrderRepository",
    "Outbox",
    "PaymentRepository",
    "ProcessedNotifications",
    "ProductRepository",
    "PromotionRepository",
    "RedemptionRepository",
    "ReservationRepository",
    "ShipmentRepository",
    "StockLedger",
    "StockRepository",
    "StocktakeRepository",
    "Storage",
    "StoredEvent",
    "UnitOfWork",
    "WarehouseRepository",
]


class CategoryRepository(Protocol):
    def add(self, category: Category) -> None:
        """:raises AlreadyExists: the id or slug is taken. Moves the catalogue version on
        (:meth:`PromotionRepository.catalogue_version`) in the same unit of work."""

    def update(self, category: Category) -> None:
        """Replace its slug, names and parent, and move the catalogue version on in the same unit
        of work. :raises NotFound: no such category. :raises AlreadyExists: the slug is taken."""

    def get(self, category_id: str) -> Category | None: ...

    def lineage(self, category_ids: Iterable[str]) -> list[Category]:
        """These categories and every ancestor of theirs up to the roots, each once, in no
        particular order (unknown ids are left out; a cycle ends the walk). What pricing needs of
        the tree for a cart, without reading the whole tree."""

    def list(self) -> list[Category]: ...


class ProductRepository(Protocol):
    def add(self, product: Product) -> None:
        """:raises AlreadyExists: the id, slug or one of the SKUs is taken."""

    def get(self, product_id: str) -> Product | None: ...

    def get_by_sku(self, sku: str) -> Product | None: ...

    def get_by_skus(self, skus: Iterable[str]) -> dict[str, Product]:
        """The product of each known SKU (unknown SKUs are absent from the answer)."""

    def list(self, category_ids: Iterable[str] | None = None) -> list[Product]:
        """Active and inactive products, ordered by id; only those in ``category_ids`` if given."""


class CustomerRepository(Protocol):
    def add(self, customer: Customer) -> None:
        """:raises AlreadyExists: the e-mail address is taken."""

    def get(self, customer_id: str) -> Customer | None: ...

    def get_by_email(self, email: str) -> Customer | None:
        """Case-insensitive on the whole address."""

    def update(self, customer: Customer) -> None: ...


class CartRepository(Protocol):
    def get(self, cart_id: str) -> Cart | None: ...

    def get_for_customer(self, customer_id: str, *, for_update: bool = False) -> Cart | None:
        """The customer's cart; ``for_update`` locks it until the unit of work ends, so that
        two checkouts of one cart are serialised and the second finds it emptied."""

    def save(self, cart: Cart) -> None:
        """Insert or replace the cart and its lines."""


class WarehouseRepository(Protocol):
    def add(self, warehouse: Warehouse) -> None:
        """Moves the catalogue version on (:meth:`PromotionRepository.catalogue_version`) in the
        same unit of work."""

    def update(self, warehouse: Warehouse) -> None:
        """Replace its name, priority and regions, and move the catalogue version on in the same
        unit of work. :raises NotFound: no such warehouse."""

    def list(self) -> list[Warehouse]: ...


class StockRepository(Protocol):
    def get(self, sku: str, warehouse_id: str) -> StockLevel | None: ...

    def for_skus(self, skus: Iterable[str], *, for_update: bool = False) -> list[StockLevel]:
        """Every level of these SKUs, sorted by (sku, warehouse); locked in that order if asked."""

    def save(self, levels: Sequence[StockLevel]) -> None:
        """Insert levels, or update their counts (the database refuses reserved > on hand or a
        negative count). Settings are written only for a level inserted here."""

    def configure(self, levels: Sequence[StockLevel]) -> None:
        """Write the settings (safety stock, low-stock threshold) of these levels, inserting a
        level that does not exist yet with its counts; the counts of existing levels are kept."""

    def list(self) -> list[StockLevel]: ...


class StockLedger(Protocol):
    """The append-only stock ledger. There is no way to change or remove an entry."""

    def add(self, entries: Sequence[LedgerEntry]) -> None:
        """Append entries, in this order, in one statement where the database allows; each gets
        a new ``id``, greater than every id handed out before (ids of entries passed are ignored).
        Written in the same unit of work as the levels they explain."""

    def list(
        self,
        *,
        sku: str | None = None,
        warehouse_id: str | None = None,
        order_id: str | None = None,
        reference: str | None = None,
        kinds: Iterable[MovementKind] | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[LedgerEntry]:
        """Entries matching every filter given, newest (highest id) first; only ids below
        ``before_id`` when given (to page back)."""

    def balances(self, skus: Iterable[str] | None = None) -> dict[tuple[str, str], tuple[int, int]]:
        """``(sum of on-hand deltas, sum of reserved deltas)`` per (SKU, warehouse), of these SKUs
        or of all: what the stock levels must equal."""


class StocktakeRepository(Protocol):
    def add(self, stocktake: Stocktake) -> None:
        """:raises AlreadyExists: the id is taken."""

    def get(self, stocktake_id: str, *, for_update: bool = False) -> Stocktake | None: ...

    def update(self, stocktake: Stocktake) -> None:
        """Replace its status, counts and closing time. :raises NotFound: no such stocktake."""

    def list(self) -> list[Stocktake]:
        """Every stocktake, newest first (by opening time, then id)."""


class ReservationRepository(Protocol):
    def add(self, reservation: Reservation) -> None: ...

    def get(self, reservation_id: str, *, for_update: bool = False) -> Reservation | None: ...

    def update(self, reservation: Reservation) -> None: ...

    def expired(self, now: datetime, limit: int = 100) -> list[Reservation]:
        """Active reservations whose time ran out at or before ``now``, the oldest first."""


class OrderRepository(Protocol):
    def add(self, order: Order) -> None:
        """:raises AlreadyExists: the number, or the customer's idempotency key, is taken."""

    def get(self, order_id: str, *, for_update: bool = False) -> Order | None: ...

    def get_by_number(self, number: str) -> Order | None: ...

    def get_by_idempotency_key(self, customer_id: str, key: str) -> Order | None: ...

    def update(self, order: Order) -> None: ...

    def list(self, customer_id: str | None = None, limit: int = 100) -> list[Order]:
        """Newest first; only the customer's orders when ``customer_id`` is given."""

    def has_orders(self, customer_id: str) -> bool:
        """True if the customer ever placed an order, whatever became of it (one indexed probe,
        not a read of the order: pricing asks it on every quote for "first order" conditions)."""

    def in_status(
        self, status: str, *, updated_before: datetime, limit: int = 100
    ) -> builtins.list[Order]:
        """Orders in ``status`` last changed at or before ``updated_before``, the oldest change
        first (``(updated_at, id)``), at most ``limit``: what a sweep such as auto-complete works
        through. Backed by an index on (status, updated_at)."""


class PaymentRepository(Protocol):
    def add(self, payment: Payment) -> None:
        """:raises AlreadyExists: the (order, idempotency key) pair is taken."""

    def get(self, payment_id: str, *, for_update: bool = False) -> Payment | None: ...

    def get_by_idempotency_key(self, order_id: str, key: str) -> Payment | None: ...

    def get_by_provider_ref(self, gateway: str, provider_ref: str) -> Payment | None: ...

    def list_for_order(self, order_id: str) -> list[Payment]: ...

    def update(self, payment: Payment) -> None: ...


class ShipmentRepository(Protocol):
    def add(self, shipment: Shipment) -> None: ...

    def get(self, shipment_id: str) -> Shipment | None: ...

    def list_for_order(self, order_id: str) -> list[Shipment]: ...

    def update(self, shipment: Shipment) -> None: ...


class PromotionRepository(Protocol):
    def add(self, promotion: Promotion) -> None:
        """:raises AlreadyExists: the id is taken."""

    def get(self, promotion_id: str) -> Promotion | None: ...

    def list(self) -> list[Promotion]:
        """Every promotion, active or not, ordered by id, with ``used`` and ``discount_given``."""

    def set_active(self, promotion_id: str, active: bool) -> None:
        """:raises NotFound: no such promotion."""

    def take_use(self, promotion_id: str, discount: int) -> bool:
        """Count one more order and ``discount`` more minor units given, in one conditional update
        (``used < usage_limit`` and ``discount_given + discount <= budget``); True if it was taken.
        Never read-then-write: two units of work can never both take the last use."""

    def give_back(self, promotion_id: str, discount: int) -> bool:
        """Undo one :meth:`take_use` (``used - 1``, ``discount_given - discount``), guarded so
        that neither goes below zero; True if given back."""

    def catalogue_version(self) -> int:
        """A number that changes, in the same unit of work, whenever a promotion is added or
        changed (:meth:`add`, :meth:`set_active`), a category or a warehouse is added or changed
        (``categories.add``/``update``, ``warehouses.add``/``update``) and when a backup is
        restored; never by :meth:`take_use` or :meth:`give_back`. Services cache the promotions,
        the category tree and the warehouses under it (services/catalogue_cache.py)."""

    def usage(self, promotion_ids: Collection[str]) -> dict[str, tuple[int, int]]:
        """``(used, discount_given)`` of each of these promotions that exists, as stored now."""


class CouponRepository(Protocol):
    """Coupons, their codes and the customers' wallets. Counts change only by conditional updates."""

    def add(self, coupon: Coupon) -> None:
        """:raises AlreadyExists: the id is taken."""

    def get(self, coupon_id: str) -> Coupon | None:
        """The coupon with its current ``used`` count."""

    def add_codes(self, codes: Sequence[CouponCode]) -> None:
        """:raises AlreadyExists: a code is taken (codes are unique across all coupons)."""

    def get_code(self, code: str) -> CouponCode | None: ...

    def codes(self, coupon_id: str) -> list[CouponCode]:
        """The coupon's codes, ordered by code (for export)."""

    def bind_code(self, code: str, customer_id: str) -> bool:
        """Bind an unbound personal code to a customer; False if it is bound already (to anyone)
        or shared. A conditional update: of two customers claiming one code, one gets it."""

    def add_claim(self, claim: CouponClaim) -> None:
        """:raises AlreadyExists: the customer holds this coupon already."""

    def claim_of(self, coupon_id: str, customer_id: str) -> CouponClaim | None: ...

    def claims_of(self, customer_id: str) -> list[CouponClaim]:
        """The customer's wallet, ordered by coupon id."""

    def take_use(self, coupon_id: str) -> bool:
        """``used = used + 1`` where ``used < usage_limit`` (or no limit): True if taken (CPN-1)."""

    def take_customer_use(
        self, coupon_id: str, customer_id: str, code: str, limit: int | None, at: datetime
    ) -> bool:
        """One more use by the customer, creating the wallet row unclaimed if there is none, with
        a conditional update (``used < limit``); True if taken."""

    def give_back(self, coupon_id: str, customer_id: str) -> bool:
        """Undo one use of the coupon and one of the customer's (``used - 1`` on both, each
        guarded by ``used > 0``); True if the coupon's use was given back."""

    def list(self) -> list[Coupon]:
        """Ordered by id."""


class MembershipRepository(Protocol):
    """Customers' groups, tiers, contracts and points balances, and the append-only ledger.
    A balance changes only with a ledger entry, by one conditional update (never below zero)."""

    def get(self, customer_id: str) -> Membership | None: ...

    def save(self, membership: Membership) -> None:
        """Insert the membership, or update its groups, tier, contracts and ``updated_at``; an
        existing row's points are never written here (only :meth:`add_points` changes them)."""

    def add_points(self, entry: PointsEntry) -> bool:
        """``points = points + entry.delta`` where the result is not negative, creating an empty
        membership first if there is none, and append ``entry`` to the ledger; False (nothing
        written) if the balance does not cover a debit. Two units of work spending the same
        points: one conditional update matches, the other does not."""

    def ledger(self, customer_id: str, limit: int = 100) -> list[PointsEntry]:
        """The customer's entries, newest first."""

    def entries(self) -> list[PointsEntry]:
        """Every ledger entry, ordered by id (for backups)."""

    def add_entries(self, entries: Sequence[PointsEntry]) -> None:
        """Append entries as they are, balances untouched (for restoring a backup)."""

    def list(self) -> list[Membership]:
        """Every membership, ordered by customer id (for backups)."""


class RedemptionRepository(Protocol):
    """What each order took (coupon and promotion uses, points), recorded with the order."""

    def add(self, redemptions: Sequence[Redemption]) -> None:
        """:raises AlreadyExists: one of them is recorded already (order, kind, source)."""

    def for_order(self, order_id: str) -> list[Redemption]:
        """The order's redemptions, ordered by (kind, source id)."""

    def settle(
        self, order_id: str, kinds: Sequence[RedemptionKind], at: datetime
    ) -> list[Redemption]:
        """Mark the order's unsettled redemptions of these kinds settled at ``at``, each by a
        conditional update (``settled_at IS NULL``): the ones this unit of work settled, so that
        each use is given back (or each award credited) exactly once."""

    def list(self) -> list[Redemption]:
        """Every redemption, ordered by (order, kind, source) (for backups)."""


class GroupBuyRepository(Protocol):
    """Group-buy campaigns (团购). ``joined`` changes only by conditional updates."""

    def add(self, campaign: GroupBuy) -> None:
        """:raises AlreadyExists: a campaign with that id exists."""

    def get(self, campaign_id: str) -> GroupBuy | None: ...

    def list(self) -> list[GroupBuy]:
        """Every campaign, by id."""

    def due(self, now: datetime, limit: int = 100) -> builtins.list[GroupBuy]:
        """Open campaigns whose deadline is at or before ``now``, oldest deadline first."""

    def take_join(self, campaign_id: str) -> bool:
        """Count one join by one conditional update (``status != failed AND (max_buyers IS
        NULL OR joined < max_buyers)``); whether it was counted. Never read-then-write."""

    def order_ids(self, campaign_id: str) -> builtins.list[str]:
        """The orders that joined the campaign (its ``group_buy`` redemptions, given back or
        not), by id."""

    def give_back(self, campaign_id: str) -> bool:
        """Uncount one join (``joined > 0``); whether one was uncounted."""

    def settle(self, campaign_id: str, status: GroupBuyStatus, at: datetime) -> bool:
        """Move an open campaign to ``status`` (``WHERE status = 'open'``): whether this unit
        of work did it, so that each campaign succeeds or fails exactly once."""


class ProcessedNotifications(Protocol):
    def record(self, provider: str, event_id: str) -> bool:
        """True the first time (provider, event id) is seen in a committed unit of work, else False."""


class StoredEvent(Protocol):
    id: int
    name: str
    payload: dict[str, object]


class Outbox(Protocol):
    def add(self, events: Iterable[DomainEvent]) -> None:
        """Store events to publish; they become visible only if the unit of work commits."""

    def undelivered(self, consumer: str, limit: int = 100) -> list[tuple[int, DomainEvent]]:
        """Committed events not yet delivered to ``consumer``, oldest first.

        Locks the consumer until the unit of work ends, so two relays for one consumer take
        turns instead of publishing the same events side by side.
        """

    def mark_delivered(self, consumer: str, event_ids: Iterable[int]) -> None:
        """Record that these events reached ``consumer`` (in the same unit of work)."""

    def prune(self, before: datetime, limit: int = 1000) -> int:
        """Delete up to ``limit`` events that occurred before ``before`` and that every known
        consumer (every one that was ever delivered an event) has received, oldest first, with
        their delivery rows; the number deleted. With no consumer known nothing is deleted: the
        events still wait for their first relay. The newest event is always kept, so that no id
        is ever handed out again (SQLite numbers a row after the highest one left)."""

    def list(self, after_id: int = 0, limit: int = 100) -> list[tuple[int, DomainEvent]]: ...


class ArchiveRepository(Protocol):
    """Whole-store access for backups. Kinds and shapes are those of ``ecommerce_core.archive.KINDS``:
    domain objects, ``(id, event)`` for the outbox, ``(provider, event_id)`` for notifications and
    ``(consumer, event_id)`` for deliveries."""

    def dump(self) -> dict[str, Any]:
        """Every stored object by kind, from this unit of work's snapshot."""

    def is_empty(self) -> bool: ...

    def clear(self) -> None:
        """Remove everything (inside this unit of work)."""

    def load(self, data: Mapping[str, Sequence[Any]]) -> None:
        """Write everything into an empty store. Outbox ids may be renumbered; deliveries follow."""


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``with`` block without ``commit()`` rolls everything back."""

    @property
    def categories(self) -> CategoryRepository: ...

    @property
    def products(self) -> ProductRepository: ...

    @property
    def customers(self) -> CustomerRepository: ...

    @property
    def carts(self) -> CartRepository: ...

    @property
    def warehouses(self) -> WarehouseRepository: ...

    @property
    def stock(self) -> StockRepository: ...

    @property
    def stock_ledger(self) -> StockLedger: ...

    @property
    def stocktakes(self) -> StocktakeRepository: ...

    @property
    def reservations(self) -> ReservationRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def payments(self) -> PaymentRepository: ...

    @property
    def shipments(self) -> ShipmentRepository: ...

    @property
    def promotions(self) -> PromotionRepository: ...

    @property
    def coupons(self) -> CouponRepository: ...

    @property
    def memberships(self) -> MembershipRepository: ...

    @property
    def redemptions(self) -> RedemptionRepository: ...

    @property
    def aftersales(self) -> AfterSalesRepository: ...

    @property
    def complaints(self) -> ComplaintRepository: ...

    @property
    def group_buys(self) -> GroupBuyRepository: ...

    @property
    def notifications(self) -> ProcessedNotifications: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def archive(self) -> ArchiveRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class Storage(Protocol):
    """A storage backend opened from a URL: hands out units of work."""

    url: str

    def unit_of_work(self) -> UnitOfWork: ...

    def migrate(self) -> None:
        """Bring the schema up to date (idempotent)."""

    def close(self) -> None: ...
