"""The relational schema: one table per aggregate root, child tables for its parts (a cart's
lines are a JSON column of its row instead: see ``carts``).

Constraints back the domain up: stock can never go negative nor be over-reserved, order numbers,
idempotency keys and (provider, event id) pairs are unique.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ecommerce_sqlalchemy.types import UTCDateTime

__all__ = ["metadata"]

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = 64


def _id(name: str, *args: Any, **kw: Any) -> sa.Column[str]:
    return sa.Column(name, sa.String(ID), *args, **kw)


categories = sa.Table(
    "ec_categories",
    metadata,
    _id("id", primary_key=True),
    sa.Column("slug", sa.String(100), nullable=False, unique=True),
    sa.Column("names", sa.JSON, nullable=False),
    _id("parent_id", sa.ForeignKey("ec_categories.id"), nullable=True),
)

products = sa.Table(
    "ec_products",
    metadata,
    _id("id", primary_key=True),
    sa.Column("slug", sa.String(100), nullable=False, unique=True),
    sa.Column("names", sa.JSON, nullable=False),
    _id("category_id", sa.ForeignKey("ec_categories.id"), nullable=False, index=True),
    sa.Column("brand", sa.String(200), nullable=False, default=""),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
)

variants = sa.Table(
    "ec_variants",
    metadata,
    sa.Column("sku", sa.String(64), primary_key=True),
    _id("product_id", sa.ForeignKey("ec_products.id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("price_amount", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("attributes", sa.JSON, nullable=False),
    sa.Column("weight_grams", sa.Integer, nullable=False, default=0),
    sa.CheckConstraint("price_amount >= 0", name="price_not_negative"),
)

customers = sa.Table(
    "ec_customers",
    metadata,
    _id("id", primary_key=True),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("email_key", sa.String(254), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("display_name", sa.String(100), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

carts = sa.Table(
    "ec_carts",
    metadata,
    _id("id", primary_key=True),
    _id("customer_id", nullable=False, unique=True),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # the lines, in order: [{"sku": ..., "quantity": ...}, ...]. One row per cart, so a locked
    # read is one statement (PostgreSQL re-reads a locked row whole, never the rows joined to it)
    # and a save is one statement; mapping.cart_from_row checks what it reads (CorruptData)
    sa.Column("lines", sa.JSON, nullable=False),
    # PostgreSQL's json and MariaDB's JSON refuse text that is not JSON; SQLite stores any text
    sa.CheckConstraint("json_valid(lines)", name="lines_json").ddl_if(dialect="sqlite"),
)

warehouses = sa.Table(
    "ec_warehouses",
    metadata,
    _id("id", primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    # the ISO 3166 codes it ships to, comma-separated; empty: everywhere
    sa.Column("regions", sa.String(500), nullable=False, server_default=""),
)

stock_levels = sa.Table(
    "ec_stock_levels",
    metadata,
    sa.Column("sku", sa.String(64), primary_key=True),
    _id("warehouse_id", sa.ForeignKey("ec_warehouses.id"), primary_key=True),
    sa.Column("on_hand", sa.Integer, nullable=False),
    sa.Column("reserved", sa.Integer, nullable=False),
    sa.Column("safety_stock", sa.Integer, nullable=False, server_default="0"),
    sa.Column("low_stock_threshold", sa.Integer, nullable=True),
    # units that may be promised beyond on hand (backorders); 0: none (docs/inventory.md)
    sa.Column("backorder_limit", sa.Integer, nullable=False, server_default="0"),
    # a preorder's release: no unit ships before it; NULL: any time
    sa.Column("available_from", UTCDateTime, nullable=True),
    sa.CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    sa.CheckConstraint("reserved <= on_hand + backorder_limit", name="not_over_reserved"),
    sa.CheckConstraint("safety_stock >= 0", name="safety_not_negative"),
    sa.CheckConstraint("backorder_limit >= 0", name="backorder_not_negative"),
    sa.CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
)

# the append-only stock ledger: every level is the sum of its entries (docs/inventory.md)
stock_ledger = sa.Table(
    "ec_stock_ledger",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("sku", sa.String(64), nullable=False),
    _id("warehouse_id", sa.ForeignKey("ec_warehouses.id"), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("on_hand_delta", sa.Integer, nullable=False),
    sa.Column("reserved_delta", sa.Integer, nullable=False),
    _id("actor", nullable=False),
    sa.Column("reason", sa.String(500), nullable=False),
    _id("reference", nullable=False),
    _id("order_id", nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_ec_stock_ledger_level", "sku", "warehouse_id", "id"),
    sa.Index("ix_ec_stock_ledger_order", "order_id", "id"),
    sa.Index("ix_ec_stock_ledger_reference", "reference"),
)

# a count of one warehouse; its counts, few and always read together, as JSON
stocktakes = sa.Table(
    "ec_stocktakes",
    metadata,
    _id("id", primary_key=True),
    _id("warehouse_id", sa.ForeignKey("ec_warehouses.id"), nullable=False),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    _id("opened_by", nullable=False),
    sa.Column("note", sa.String(500), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("counts", sa.JSON, nullable=False),
    sa.Column("closed_at", UTCDateTime, nullable=True),
)

reservations = sa.Table(
    "ec_reservations",
    metadata,
    _id("id", primary_key=True),
    _id("order_id", nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
)

reservation_lines = sa.Table(
    "ec_reservation_lines",
    metadata,
    _id("reservation_id", sa.ForeignKey("ec_reservations.id"), primary_key=True),
    sa.Column("sku", sa.String(64), primary_key=True),
    _id("warehouse_id", primary_key=True),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
)

orders = sa.Table(
    "ec_orders",
    metadata,
    _id("id", primary_key=True),
    sa.Column("number", sa.String(40), nullable=False, unique=True),
    _id("customer_id", nullable=False, index=True),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("subtotal", sa.BigInteger, nullable=False),
    sa.Column("discount", sa.BigInteger, nullable=False),
    sa.Column("shipping", sa.BigInteger, nullable=False),
    sa.Column("tax", sa.BigInteger, nullable=False),
    sa.Column("total", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("placed_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    _id("reservation_id", nullable=True),
    _id("idempotency_key", nullable=True),
    sa.Column("shipping_address", sa.JSON, nullable=True),
    sa.Column("payment_status", sa.String(30), nullable=False, server_default="unpaid"),
    sa.Column("fulfilment_status", sa.String(30), nullable=False, server_default="unfulfilled"),
    # the coupon codes applied at placement, a JSON list; NULL on orders stored before
    sa.Column("coupon_codes", sa.JSON, nullable=True),
    sa.UniqueConstraint("customer_id", "idempotency_key", name="uq_ec_orders_idempotency"),
    # the sweeps (auto-complete) take orders in one status, oldest change first
    sa.Index("ix_ec_orders_status_updated", "status", "updated_at"),
    sa.CheckConstraint("total >= 0", name="total_not_negative"),
)

order_lines = sa.Table(
    "ec_order_lines",
    metadata,
    _id("order_id", sa.ForeignKey("ec_orders.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("sku", sa.String(64), nullable=False),
    _id("product_id", nullable=False),
    sa.Column("name", sa.String(400), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", sa.BigInteger, nullable=False),
    sa.Column("discount", sa.BigInteger, nullable=False),
    sa.Column("total", sa.BigInteger, nullable=False),
    sa.Column("tax", sa.BigInteger, nullable=True),
    sa.Column("gift", sa.Boolean, nullable=False, server_default=sa.false()),
)

order_history = sa.Table(
    "ec_order_history",
    metadata,
    _id("order_id", sa.ForeignKey("ec_orders.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("note", sa.String(500), nullable=False, default=""),
    sa.Column("action", sa.String(40), nullable=False, server_default=""),
    sa.Column("actor", sa.String(ID), nullable=False, server_default=""),
    sa.Column("internal", sa.Boolean, nullable=False, server_default=sa.false()),
)

payments = sa.Table(
    "ec_payments",
    metadata,
    _id("id", primary_key=True),
    _id("order_id", nullable=False, index=True),
    _id("customer_id", nullable=False),
    sa.Column("gateway", sa.String(40), nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    _id("idempotency_key", nullable=False),
    sa.Column("provider_ref", sa.String(128), nullable=False, default=""),
    sa.Column("captured", sa.BigInteger, nullable=True),
    sa.Column("failure", sa.String(500), nullable=False, default=""),
    sa.UniqueConstraint("order_id", "idempotency_key", name="uq_ec_payments_idempotency"),
    sa.Index("ix_ec_payments_provider_ref", "gateway", "provider_ref"),
)

refunds = sa.Table(
    "ec_refunds",
    metadata,
    _id("id", primary_key=True),
    _id("payment_id", sa.ForeignKey("ec_payments.id"), nullable=False, index=True),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    _id("idempotency_key", nullable=False),
    sa.Column("reason", sa.String(500), nullable=False, default=""),
    sa.Column("provider_ref", sa.String(128), nullable=False, default=""),
    # a refund of order lines: [{"line", "sku", "quantity", "amount"}], and the shipping part
    sa.Column("lines", sa.JSON, nullable=True),
    sa.Column("shipping", sa.BigInteger, nullable=True),
    sa.UniqueConstraint("payment_id", "idempotency_key", name="uq_ec_refunds_idempotency"),
    sa.CheckConstraint("amount > 0", name="amount_positive"),
)

shipments = sa.Table(
    "ec_shipments",
    metadata,
    _id("id", primary_key=True),
    _id("order_id", nullable=False, index=True),
    sa.Column("carrier", sa.String(40), nullable=False),
    sa.Column("tracking_number", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # [[sku, warehouse_id, quantity], ...]; NULL for parcels stored before parcels had lines
    sa.Column("lines", sa.JSON, nullable=True),
)

tracking_events = sa.Table(
    "ec_tracking_events",
    metadata,
    _id("shipment_id", sa.ForeignKey("ec_shipments.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("description", sa.String(500), nullable=False),
    sa.Column("location", sa.String(200), nullable=False, default=""),
)

promotions = sa.Table(
    "ec_promotions",
    metadata,
    _id("id", primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    # text, so that the exact Decimal survives every database; NULL when a benefit is given
    sa.Column("percent", sa.String(20), nullable=True),
    sa.Column("category_ids", sa.JSON, nullable=False),
    sa.Column("skus", sa.JSON, nullable=False),
    sa.Column("starts_at", UTCDateTime, nullable=True),
    sa.Column("ends_at", UTCDateTime, nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
    # the rule as data (benefit, condition, scope, stacking, per-order cap); NULL: percent only
    sa.Column("rule", sa.JSON, nullable=True),
    sa.Column("usage_limit", sa.Integer, nullable=True),
    sa.Column("used", sa.Integer, nullable=False, server_default="0"),
    sa.Column("budget", sa.BigInteger, nullable=True),
    sa.Column("budget_currency", sa.String(3), nullable=True),
    sa.Column("discount_given", sa.BigInteger, nullable=False, server_default="0"),
    # backstops for the conditional updates that count uses and spend the budget
    sa.CheckConstraint("usage_limit IS NULL OR used <= usage_limit", name="uses_within_limit"),
    sa.CheckConstraint("budget IS NULL OR discount_given <= budget", name="within_budget"),
)

#: one row (id 1): the promotion catalogue version, moved on by every promotion added or changed
#: and by a restore (never by the counts of uses); the store's own, not backed up
promotion_catalogue = sa.Table(
    "ec_promotion_catalogue",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)

coupons = sa.Table(
    "ec_coupons",
    metadata,
    _id("id", primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    # benefit, scope, condition, stacking and minimum spend, as data
    sa.Column("rule", sa.JSON, nullable=False),
    sa.Column("starts_at", UTCDateTime, nullable=True),
    sa.Column("ends_at", UTCDateTime, nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("usage_limit", sa.Integer, nullable=True),
    sa.Column("per_customer_limit", sa.Integer, nullable=True),
    sa.Column("requires_claim", sa.Boolean, nullable=False),
    sa.Column("used", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("used >= 0", name="used_not_negative"),
    sa.CheckConstraint("usage_limit IS NULL OR used <= usage_limit", name="uses_within_limit"),
)

coupon_codes = sa.Table(
    "ec_coupon_codes",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    _id("coupon_id", sa.ForeignKey("ec_coupons.id"), nullable=False, index=True),
    _id("customer_id", nullable=True),
    sa.Column("personal", sa.Boolean, nullable=False),
)

coupon_claims = sa.Table(
    "ec_coupon_claims",
    metadata,
    _id("coupon_id", sa.ForeignKey("ec_coupons.id"), primary_key=True),
    _id("customer_id", primary_key=True, index=True),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("used", sa.Integer, nullable=False, server_default="0"),
    sa.Column("claimed", sa.Boolean, nullable=False),
    sa.Column("claimed_at", UTCDateTime, nullable=True),
    sa.CheckConstraint("used >= 0", name="used_not_negative"),
)

memberships = sa.Table(
    "ec_memberships",
    metadata,
    _id("customer_id", primary_key=True),
    sa.Column("groups", sa.JSON, nullable=False),
    sa.Column("tier", sa.String(ID), nullable=False, server_default=""),
    sa.Column("contracts", sa.JSON, nullable=False),
    # changed only by conditional updates with an entry in ec_points_ledger
    sa.Column("points", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("updated_at", UTCDateTime, nullable=True),
    sa.CheckConstraint("points >= 0", name="points_not_negative"),
)

points_ledger = sa.Table(
    "ec_points_ledger",
    metadata,
    _id("id", primary_key=True),
    _id("customer_id", nullable=False, index=True),
    sa.Column("delta", sa.BigInteger, nullable=False),
    sa.Column("reason", sa.String(20), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    _id("order_id", nullable=True),
    sa.Column("note", sa.String(200), nullable=False, server_default=""),
)

redemptions = sa.Table(
    "ec_redemptions",
    metadata,
    _id("order_id", primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    _id("source_id", primary_key=True),
    _id("customer_id", nullable=False, index=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("code", sa.String(32), nullable=False, server_default=""),
    sa.Column("points", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("settled_at", UTCDateTime, nullable=True),
)

group_buys = sa.Table(
    "ec_group_buys",
    metadata,
    _id("id", primary_key=True),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("price", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("min_buyers", sa.Integer, nullable=False),
    sa.Column("max_buyers", sa.Integer, nullable=True),
    sa.Column("per_buyer_limit", sa.Integer, nullable=True),
    sa.Column("starts_at", UTCDateTime, nullable=False),
    sa.Column("deadline", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("joined", sa.Integer, nullable=False),
    sa.Column("settled_at", UTCDateTime, nullable=True),
    sa.Index("ix_ec_group_buys_status_deadline", "status", "deadline"),
)

processed_notifications = sa.Table(
    "ec_processed_notifications",
    metadata,
    sa.Column("provider", sa.String(40), primary_key=True),
    sa.Column("event_id", sa.String(128), primary_key=True),
)

outbox = sa.Table(
    "ec_outbox",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
)

outbox_consumers = sa.Table(
    "ec_outbox_consumers",
    metadata,
    sa.Column("consumer", sa.String(ID), primary_key=True),
)

outbox_deliveries = sa.Table(
    "ec_outbox_deliveries",
    metadata,
    sa.Column(
        "consumer", sa.String(ID), sa.ForeignKey("ec_outbox_consumers.consumer"), primary_key=True
    ),
    sa.Column(
        "event_id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        sa.ForeignKey("ec_outbox.id"),
        primary_key=True,
    ),
)

# -- after-sales: requests' lines, photos and steps, and complaints' messages, are JSON lists
aftersales_requests = sa.Table(
    "ec_aftersales_requests",
    metadata,
    _id("id", primary_key=True),
    _id("order_id", sa.ForeignKey("ec_orders.id"), nullable=False, index=True),
    _id("customer_id", nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(30), nullable=False),
    sa.Column("description", sa.String(2000), nullable=False, default=""),
    sa.Column("lines", sa.JSON, nullable=False),
    sa.Column("photos", sa.JSON, nullable=False),
    sa.Column("steps", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    _id("warehouse_id", nullable=True),
    _id("refund_id", nullable=True),
    sa.Column("refunded", sa.BigInteger, nullable=True),
    sa.Column("currency", sa.String(3), nullable=True),
    _id("shipment_id", nullable=True),
    _id("replacement_id", nullable=True),
)

complaints = sa.Table(
    "ec_complaints",
    metadata,
    _id("id", primary_key=True),
    _id("customer_id", nullable=False, index=True),
    _id("order_id", nullable=True),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("messages", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
