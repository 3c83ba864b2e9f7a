"""Domain objects to MongoDB documents and back: pure functions, no driver, no I/O.

One document per aggregate, its parts embedded. Money is an integer count of minor units beside
the aggregate's currency; Decimals are text; times are fixed-width UTC text with microseconds
(see ``fields.py``). Reading is strict: a missing field, a value of the wrong type, a state the
domain refuses or a form this library never writes (a document edited by hand) is reported as
:class:`CorruptData` naming the document, never fixed.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ecommerce_core.domain.cart import Cart, CartLine
from ecommerce_core.domain.catalog import Category, Product, Variant
from ecommerce_core.domain.customers import Customer
from ecommerce_core.domain.events import DomainEvent, event_from_dict
from ecommerce_core.domain.inventory import (
    Reservation,
    ReservationLine,
    ReservationStatus,
    StockLevel,
    Warehouse,
)
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.orders import (
    Address,
    FulfilmentStatus,
    Order,
    OrderLine,
    PaymentState,
    StatusChange,
    order_state,
)
from ecommerce_core.domain.payments import (
    Payment,
    PaymentStatus,
    Refund,
    RefundLine,
    RefundStatus,
)
from ecommerce_core.domain.pricing import (
    Benefit,
    Condition,
    Coupon,
    CouponClaim,
    CouponCode,
    CouponKind,
    Promotion,
    Scope,
    StackingPolicy,
)
from ecommerce_core.domain.security import Role
from ecommerce_core.domain.shipping import Shipment, ShipmentLine, TrackingEvent, TrackingStatus
from ecommerce_mongo import fields as f
from ecommerce_mongo.fields import Doc, time_from_text, time_to_text

__all__ = [
    "Doc",
    "cart_from_doc",
    "cart_to_doc",
    "category_from_doc",
    "category_to_doc",
    "claim_from_doc",
    "claim_to_doc",
    "code_from_doc",
    "code_to_doc",
    "coupon_from_doc",
    "coupon_to_doc",
    "customer_from_doc",
    "customer_to_doc",
    "delivery_from_doc",
    "event_from_doc",
    "event_to_doc",
    "notification_from_doc",
    "order_from_doc",
    "order_to_doc",
    "payment_from_doc",
    "payment_to_doc",
    "product_from_doc",
    "product_to_doc",
    "promotion_from_doc",
    "promotion_to_doc",
    "reservation_from_doc",
    "reservation_to_doc",
    "shipment_from_doc",
    "shipment_to_doc",
    "stock_from_doc",
    "stock_to_doc",
    "time_from_text",
    "time_to_text",
    "warehouse_from_doc",
    "warehouse_to_doc",
]


# -- catalog ---------------------------------------------------------------------------------
def category_to_doc(c: Category) -> Doc:
    return {"_id": c.id, "slug": c.slug, "names": dict(c.names), "parent_id": c.parent_id}


def category_from_doc(d: Mapping[str, Any]) -> Category:
    with f.guard("category", d.get("_id")):
        c = Category(
            f.text(d, "_id"), f.text(d, "slug"), f.texts(d, "names"), f.opt_text(d, "parent_id")
        )
    return f.canonical("category", d, c, category_to_doc)


def product_to_doc(p: Product) -> Doc:
    return {
        "_id": p.id,
        "slug": p.slug,
        "names": dict(p.names),
        "category_id": p.category_id,
        "brand": p.brand,
        "description": p.description,
        "active": p.active,
        "variants": [
            {
                "sku": v.sku,
                "price": v.price.amount,
                "currency": v.price.currency,
                "attributes": [[name, value] for name, value in v.attributes.items()],
                "weight_grams": v.weight_grams,
            }
            for v in p.variants
        ],
    }


def product_from_doc(d: Mapping[str, Any]) -> Product:
    with f.guard("product", d.get("_id")):
        p = Product(
            id=f.text(d, "_id"),
            slug=f.text(d, "slug"),
            names=f.texts(d, "names"),
            category_id=f.text(d, "category_id"),
            variants=tuple(
                Variant(
                    sku=f.text(v, "sku"),
                    price=Money(f.whole(v, "price"), f.currency(v, "currency")),
                    attributes=f.pairs(v, "attributes"),
                    weight_grams=f.whole(v, "weight_grams"),
                )
                for v in f.docs(d, "variants")
            ),
            brand=f.text(d, "brand"),
            description=f.text(d, "description"),
            active=f.boolean(d, "active"),
        )
    return f.canonical("product", d, p, product_to_doc)


# -- customers and carts ---------------------------------------------------------------------
def customer_to_doc(c: Customer) -> Doc:
    return {
        "_id": c.id,
        "email": c.email,
        # the unique index that makes addresses unique whatever their case
        "email_key": c.email.lower(),
        "password_hash": c.password_hash,
        "role": c.role.value,
        "display_name": c.display_name,
        "created_at": f.time_to_text(c.created_at),
    }


def customer_from_doc(d: Mapping[str, Any]) -> Customer:
    with f.guard("customer", d.get("_id")):
        c = Customer(
            id=f.text(d, "_id"),
            email=f.text(d, "email"),
            password_hash=f.text(d, "password_hash"),
            role=Role(f.text(d, "role")),
            display_name=f.text(d, "display_name"),
            created_at=f.time(d, "created_at"),
        )
    return f.canonical("customer", d, c, customer_to_doc)


def cart_to_doc(c: Cart) -> Doc:
    return {
        "_id": c.id,
        "customer_id": c.customer_id,
        "currency": c.currency,
        "updated_at": f.time_to_text(c.updated_at),
        "lines": [{"sku": ln.sku, "quantity": ln.quantity} for ln in c.lines],
    }


def cart_from_doc(d: Mapping[str, Any]) -> Cart:
    with f.guard("cart", d.get("_id")):
        c = Cart(
            f.text(d, "_id"),
            f.text(d, "customer_id"),
            f.currency(d, "currency"),
            f.time(d, "updated_at"),
            tuple(
                CartLine(f.text(ln, "sku"), f.whole(ln, "quantity")) for ln in f.docs(d, "lines")
            ),
        )
    return f.canonical("cart", d, c, cart_to_doc)


# -- inventory -------------------------------------------------------------------------------
def warehouse_to_doc(w: Warehouse) -> Doc:
    doc: Doc = {"_id": w.id, "name": w.name, "priority": w.priority}
    if w.regions:  # absent: everywhere (as documents written before regions existed)
        doc["regions"] = list(w.regions)
    return doc


def warehouse_from_doc(d: Mapping[str, Any]) -> Warehouse:
    with f.guard("warehouse", d.get("_id")):
        regions = f.text_list(d, "regions") if "regions" in d else []
        w = Warehouse(f.text(d, "_id"), f.text(d, "name"), f.whole(d, "priority"), regions)
    return f.canonical("warehouse", d, w, warehouse_to_doc)


def stock_to_doc(s: StockLevel) -> Doc:
    doc: Doc = {
        "sku": s.sku,
        "warehouse_id": s.warehouse_id,
        "on_hand": s.on_hand,
        "reserved": s.reserved,
    }
    # settings are written only when set, so documents from before they existed stay canonical
    if s.safety_stock:
        doc["safety_stock"] = s.safety_stock
    if s.low_stock_threshold is not None:
        doc["low_stock_threshold"] = s.low_stock_threshold
    if s.backorder_limit:
        doc["backorder_limit"] = s.backorder_limit
    if s.available_from is not None:
        doc["available_from"] = f.time_to_text(s.available_from)
    return doc


def stock_from_doc(d: Mapping[str, Any]) -> StockLevel:
    with f.guard("stock level", (d.get("sku"), d.get("warehouse_id"))):
        s = StockLevel(
            f.text(d, "sku"),
            f.text(d, "warehouse_id"),
            f.whole(d, "on_hand"),
            f.whole(d, "reserved"),
            f.whole(d, "safety_stock") if "safety_stock" in d else 0,
            f.opt_whole(d, "low_stock_threshold") if "low_stock_threshold" in d else None,
            f.whole(d, "backorder_limit") if "backorder_limit" in d else 0,
            f.opt_time(d, "available_from") if "available_from" in d else None,
        )
    return f.canonical("stock level", d, s, stock_to_doc)


def reservation_to_doc(r: Reservation) -> Doc:
    return {
        "_id": r.id,
        "order_id": r.order_id,
        "lines": [
            {"sku": ln.sku, "warehouse_id": ln.warehouse_id, "quantity": ln.quantity}
            for ln in r.lines
        ],
        "created_at": f.time_to_text(r.created_at),
        "expires_at": f.time_to_text(r.expires_at),
        "status": r.status.value,
    }


def reservation_from_doc(d: Mapping[str, Any]) -> Reservation:
    with f.guard("reservation", d.get("_id")):
        r = Reservation(
            id=f.text(d, "_id"),
            order_id=f.text(d, "order_id"),
            lines=tuple(
                ReservationLine(
                    f.text(ln, "sku"), f.text(ln, "warehouse_id"), f.whole(ln, "quantity")
                )
                for ln in f.docs(d, "lines")
            ),
            created_at=f.time(d, "created_at"),
            expires_at=f.time(d, "expires_at"),
            status=ReservationStatus(f.text(d, "status")),
        )
    return f.canonical("reservation", d, r, reservation_to_doc)


# -- orders ----------------------------------------------------------------------------------
_ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country", "phone")


def order_to_doc(o: Order) -> Doc:
    cur = o.currency
    a = o.shipping_address
    return {
        "_id": o.id,
        "number": o.number,
        "customer_id": o.customer_id,
        "currency": cur,
        "lines": [
            {
                "sku": ln.sku,
                "product_id": ln.product_id,
                "name": ln.name,
                "quantity": ln.quantity,
                "unit_price": f.minor(ln.unit_price, cur, "a line's unit price"),
                "discount": f.minor(ln.discount, cur, "a line's discount"),
                "total": f.minor(ln.total, cur, "a line's total"),
                # absent on lines stored before line taxes were recorded
                **({} if ln.tax is None else {"tax": f.minor(ln.tax, cur, "a line's tax")}),
                # absent unless a promotion gave it (as on lines stored before gifts were marked)
                **({"gift": True} if ln.gift else {}),
            }
            for ln in o.lines
        ],
        # absent when the order applied no coupon (as on orders stored before codes were kept)
        **({"coupon_codes": list(o.coupon_codes)} if o.coupon_codes else {}),
        "subtotal": f.minor(o.subtotal, cur, "the subtotal"),
        "discount": f.minor(o.discount, cur, "the discount"),
        "shipping": f.minor(o.shipping, cur, "the shipping"),
        "tax": f.minor(o.tax, cur, "the tax"),
        "total": f.minor(o.total, cur, "the total"),
        "status": str(o.status),
        "payment_status": o.payment_status.value,
        "fulfilment_status": o.fulfilment_status.value,
        "placed_at": f.time_to_text(o.placed_at),
        "updated_at": f.time_to_text(o.updated_at),
        "reservation_id": o.reservation_id,
        "idempotency_key": o.idempotency_key,
        "shipping_address": None if a is None else {k: getattr(a, k) for k in _ADDRESS_FIELDS},
        "history": [
            {
                "status": str(h.status),
                "at": f.time_to_text(h.at),
                "note": h.note,
                "action": h.action,
                "actor": h.actor,
                "internal": h.internal,
            }
            for h in o.history
        ],
    }


def _address(d: Mapping[str, Any]) -> Address | None:
    a = f.opt_doc(d, "shipping_address")
    return None if a is None else Address(**{k: f.text(a, k) for k in _ADDRESS_FIELDS})


def order_from_doc(d: Mapping[str, Any]) -> Order:
    with f.guard("order", d.get("_id")):
        cur = f.currency(d, "currency")

        def money(m: Mapping[str, Any], key: str) -> Money:
            return Money(f.whole(m, key), cur)

        o = Order(
            id=f.text(d, "_id"),
            number=f.text(d, "number"),
            customer_id=f.text(d, "customer_id"),
            currency=cur,
            lines=tuple(
                OrderLine(
                    sku=f.text(ln, "sku"),
                    product_id=f.text(ln, "product_id"),
                    name=f.text(ln, "name"),
                    quantity=f.whole(ln, "quantity"),
                    unit_price=money(ln, "unit_price"),
                    discount=money(ln, "discount"),
                    total=money(ln, "total"),
                    tax=money(ln, "tax") if "tax" in ln else None,
                    gift=f.boolean(ln, "gift") if "gift" in ln else False,
                )
                for ln in f.docs(d, "lines")
            ),
            coupon_codes=tuple(f.text_list(d, "coupon_codes")) if "coupon_codes" in d else (),
            subtotal=money(d, "subtotal"),
            discount=money(d, "discount"),
            shipping=money(d, "shipping"),
            tax=money(d, "tax"),
            total=money(d, "total"),
            status=order_state(f.text(d, "status")),
            placed_at=f.time(d, "placed_at"),
            updated_at=f.time(d, "updated_at"),
            reservation_id=f.opt_text(d, "reservation_id"),
            idempotency_key=f.opt_text(d, "idempotency_key"),
            shipping_address=_address(d),
            history=tuple(
                StatusChange(
                    order_state(f.text(h, "status")),
                    f.time(h, "at"),
                    f.text(h, "note"),
                    f.text(h, "action"),
                    f.text(h, "actor"),
                    f.boolean(h, "internal"),
                )
                for h in f.docs(d, "history")
            ),
            payment_status=PaymentState(f.text(d, "payment_status")),
            fulfilment_status=FulfilmentStatus(f.text(d, "fulfilment_status")),
        )
    return f.canonical("order", d, o, order_to_doc)


# -- payments --------------------------------------------------------------------------------
def payment_to_doc(p: Payment) -> Doc:
    cur = p.amount.currency
    return {
        "_id": p.id,
        "order_id": p.order_id,
        "customer_id": p.customer_id,
        "gateway": p.gateway,
        "amount": p.amount.amount,
        "currency": cur,
        "status": p.status.value,
        "created_at": f.time_to_text(p.created_at),
        "updated_at": f.time_to_text(p.updated_at),
        "idempotency_key": p.idempotency_key,
        "provider_ref": p.provider_ref,
        "captured": None if p.captured is None else f.minor(p.captured, cur, "the capture"),
        "refunds": [
            {
                "id": r.id,
                "amount": f.minor(r.amount, cur, "a refund"),
                "status": r.status.value,
                "created_at": f.time_to_text(r.created_at),
                "idempotency_key": r.idempotency_key,
                "reason": r.reason,
                "provider_ref": r.provider_ref,
                **_refund_parts(r, cur),
            }
            for r in p.refunds
        ],
        "failure": p.failure,
    }


def _refund_parts(r: Refund, cur: str) -> Doc:
    """The lines and shipping a line refund covers; absent from a refund of an amount."""
    parts: Doc = {}
    if r.lines:
        parts["lines"] = [
            {
                "line": x.line,
                "sku": x.sku,
                "quantity": x.quantity,
                "amount": f.minor(x.amount, cur, "a refunded line"),
            }
            for x in r.lines
        ]
    if r.shipping is not None:
        parts["shipping"] = f.minor(r.shipping, cur, "a refunded shipping")
    return parts


def payment_from_doc(d: Mapping[str, Any]) -> Payment:
    with f.guard("payment", d.get("_id")):
        cur = f.currency(d, "currency")
        captured = f.opt_whole(d, "captured")
        p = Payment(
            id=f.text(d, "_id"),
            order_id=f.text(d, "order_id"),
            customer_id=f.text(d, "customer_id"),
            gateway=f.text(d, "gateway"),
            amount=Money(f.whole(d, "amount"), cur),
            status=PaymentStatus(f.text(d, "status")),
            created_at=f.time(d, "created_at"),
            updated_at=f.time(d, "updated_at"),
            idempotency_key=f.text(d, "idempotency_key"),
            provider_ref=f.text(d, "provider_ref"),
            captured=None if captured is None else Money(captured, cur),
            refunds=tuple(
                Refund(
                    id=f.text(r, "id"),
                    amount=Money(f.whole(r, "amount"), cur),
                    status=RefundStatus(f.text(r, "status")),
                    created_at=f.time(r, "created_at"),
                    idempotency_key=f.text(r, "idempotency_key"),
                    reason=f.text(r, "reason"),
                    provider_ref=f.text(r, "provider_ref"),
                    lines=tuple(
                        RefundLine(
                            f.whole(x, "line"),
                            f.text(x, "sku"),
                            f.whole(x, "quantity"),
                            Money(f.whole(x, "amount"), cur),
                        )
                        for x in (f.docs(r, "lines") if "lines" in r else ())
                    ),
                    shipping=Money(f.whole(r, "shipping"), cur) if "shipping" in r else None,
                )
                for r in f.docs(d, "refunds")
            ),
            failure=f.text(d, "failure"),
        )
    return f.canonical("payment", d, p, payment_to_doc)


# -- shipping and promotions -----------------------------------------------------------------
def shipment_to_doc(s: Shipment) -> Doc:
    return {
        "_id": s.id,
        "order_id": s.order_id,
        "carrier": s.carrier,
        "tracking_number": s.tracking_number,
        "created_at": f.time_to_text(s.created_at),
        "events": [
            {
                "at": f.time_to_text(e.at),
                "status": e.status.value,
                "description": e.description,
                "location": e.location,
            }
            for e in s.events
        ],
        "lines": [
            {"sku": ln.sku, "warehouse_id": ln.warehouse_id, "quantity": ln.quantity}
            for ln in s.lines
        ],
    }


def shipment_from_doc(d: Mapping[str, Any]) -> Shipment:
    with f.guard("shipment", d.get("_id")):
        s = Shipment(
            id=f.text(d, "_id"),
            order_id=f.text(d, "order_id"),
            carrier=f.text(d, "carrier"),
            tracking_number=f.text(d, "tracking_number"),
            created_at=f.time(d, "created_at"),
            events=tuple(
                TrackingEvent(
                    f.time(e, "at"),
                    TrackingStatus(f.text(e, "status")),
                    f.text(e, "description"),
                    f.text(e, "location"),
                )
                for e in f.docs(d, "events")
            ),
            lines=tuple(
                ShipmentLine(f.text(ln, "sku"), f.text(ln, "warehouse_id"), f.whole(ln, "quantity"))
                for ln in f.docs(d, "lines")
            ),
        )
    return f.canonical("shipment", d, s, shipment_to_doc)


def promotion_to_doc(p: Promotion) -> Doc:
    return {
        "_id": p.id,
        "name": p.name,
        "kind": p.kind,
        # text, so that the exact Decimal (12.5, not 12.50000001) survives
        "percent": None if p.percent is None else str(p.percent),
        "category_ids": sorted(p.category_ids),
        "skus": sorted(p.skus),
        "starts_at": f.opt_time_text(p.starts_at),
        "ends_at": f.opt_time_text(p.ends_at),
        "active": p.active,
        # rules are data (a kind and JSON-like parameters): stored as the domain spells them
        "benefit": None if p.benefit is None else f.plain(p.benefit.to_data()),
        "condition": None if p.condition is None else f.plain(p.condition.to_data()),
        "scope": f.plain(p.scope.to_data()),
        "stacking": f.plain(p.stacking.to_data()),
        "max_discount": f.money_doc(p.max_discount),
        "usage_limit": p.usage_limit,
        "budget": f.money_doc(p.budget),
        # the counts conditional updates keep (used < usage_limit, given + discount <= budget)
        "used": p.used,
        "discount_given": p.discount_given,
    }


def promotion_from_doc(d: Mapping[str, Any]) -> Promotion:
    with f.guard("promotion", d.get("_id")):
        percent = f.opt_text(d, "percent")
        benefit = f.opt_data(d, "benefit")
        condition = f.opt_data(d, "condition")
        p = Promotion(
            id=f.text(d, "_id"),
            name=f.text(d, "name"),
            percent=None if percent is None else Decimal(percent),
            category_ids=frozenset(f.text_list(d, "category_ids")),
            skus=frozenset(f.text_list(d, "skus")),
            starts_at=f.opt_time(d, "starts_at"),
            ends_at=f.opt_time(d, "ends_at"),
            active=f.boolean(d, "active"),
            benefit=None if benefit is None else Benefit.from_data(benefit),
            condition=None if condition is None else Condition.from_data(condition),
            scope=Scope.from_data(f.opt_data(d, "scope")),
            stacking=StackingPolicy.from_data(f.opt_data(d, "stacking")),
            max_discount=f.opt_money(d, "max_discount"),
            usage_limit=f.opt_whole(d, "usage_limit"),
            budget=f.opt_money(d, "budget"),
            used=f.whole(d, "used"),
            discount_given=f.whole(d, "discount_given"),
            kind=f.text(d, "kind"),
        )
    return f.canonical("promotion", d, p, promotion_to_doc)


# -- coupons, their codes and the customers' wallets ----------------------------------------
def coupon_to_doc(c: Coupon) -> Doc:
    return {
        "_id": c.id,
        "name": c.name,
        "kind": c.kind.value,
        "benefit": f.plain(c.benefit.to_data()),
        "scope": f.plain(c.scope.to_data()),
        "condition": None if c.condition is None else f.plain(c.condition.to_data()),
        "stacking": f.plain(c.stacking.to_data()),
        "min_spend": f.money_doc(c.min_spend),
        "starts_at": f.opt_time_text(c.starts_at),
        "ends_at": f.opt_time_text(c.ends_at),
        "active": c.active,
        "usage_limit": c.usage_limit,
        "per_customer_limit": c.per_customer_limit,
        "requires_claim": c.requires_claim,
        # the count the conditional update keeps (used < usage_limit)
        "used": c.used,
    }


def coupon_from_doc(d: Mapping[str, Any]) -> Coupon:
    with f.guard("coupon", d.get("_id")):
        condition = f.opt_data(d, "condition")
        c = Coupon(
            id=f.text(d, "_id"),
            name=f.text(d, "name"),
            kind=CouponKind(f.text(d, "kind")),
            benefit=Benefit.from_data(f.data(d, "benefit")),
            scope=Scope.from_data(f.data(d, "scope")),
            min_spend=f.opt_money(d, "min_spend"),
            condition=None if condition is None else Condition.from_data(condition),
            starts_at=f.opt_time(d, "starts_at"),
            ends_at=f.opt_time(d, "ends_at"),
            active=f.boolean(d, "active"),
            usage_limit=f.opt_whole(d, "usage_limit"),
            per_customer_limit=f.opt_whole(d, "per_customer_limit"),
            requires_claim=f.boolean(d, "requires_claim"),
            stacking=StackingPolicy.from_data(f.data(d, "stacking")),
            used=f.whole(d, "used"),
        )
    return f.canonical("coupon", d, c, coupon_to_doc)


def code_to_doc(c: CouponCode) -> Doc:
    # the code is the _id: unique across every coupon
    return {
        "_id": c.code,
        "coupon_id": c.coupon_id,
        "customer_id": c.customer_id,
        "personal": c.personal,
    }


def code_from_doc(d: Mapping[str, Any]) -> CouponCode:
    with f.guard("coupon code", d.get("_id")):
        c = CouponCode(
            f.text(d, "_id"),
            f.text(d, "coupon_id"),
            f.opt_text(d, "customer_id"),
            f.boolean(d, "personal"),
        )
    return f.canonical("coupon code", d, c, code_to_doc)


def claim_to_doc(c: CouponClaim) -> Doc:
    # no _id of ours: one claim per (coupon, customer) is a unique index
    return {
        "coupon_id": c.coupon_id,
        "customer_id": c.customer_id,
        "code": c.code,
        "used": c.used,
        "claimed": c.claimed,
        "claimed_at": f.opt_time_text(c.claimed_at),
    }


def claim_from_doc(d: Mapping[str, Any]) -> CouponClaim:
    key = (d.get("coupon_id"), d.get("customer_id"))
    with f.guard("coupon claim", key):
        used = f.whole(d, "used")
        if used < 0:
            raise ValueError("used is negative")
        c = CouponClaim(
            f.text(d, "coupon_id"),
            f.text(d, "customer_id"),
            f.text(d, "code"),
            used,
            f.boolean(d, "claimed"),
            f.opt_time(d, "claimed_at"),
        )
    return f.canonical("coupon claim", d, c, claim_to_doc, key)


# -- the outbox ------------------------------------------------------------------------------
def event_to_doc(event_id: int, event: DomainEvent) -> Doc:
    return {
        "_id": event_id,
        "name": event.name,
        "payload": f.plain(event.payload()),
        "occurred_at": f.time_to_text(event.occurred_at),
    }


def event_from_doc(d: Mapping[str, Any]) -> tuple[int, DomainEvent]:
    with f.guard("outbox event", d.get("_id")):
        payload = f.opt_doc(d, "payload")
        if payload is None:
            raise TypeError("payload is not a document")
        event_id, event = f.whole(d, "_id"), event_from_dict(f.text(d, "name"), f.plain(payload))
    f.canonical("outbox event", d, event, lambda e: event_to_doc(event_id, e))
    return event_id, event


def notification_from_doc(d: Mapping[str, Any]) -> tuple[str, str]:
    """A processed ``(provider, event_id)`` pair."""
    with f.guard("notification", d.get("_id")):
        return f.text(d, "provider"), f.text(d, "event_id")


def delivery_from_doc(d: Mapping[str, Any]) -> tuple[str, int]:
    """A ``(consumer, event_id)`` delivery."""
    with f.guard("delivery", d.get("_id")):
        return f.text(d, "consumer"), f.whole(d, "event_id")
