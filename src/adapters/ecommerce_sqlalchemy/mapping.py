"""Rows to domain objects and back. Named constructors only: a row is never splatted into a class.

A row that the domain refuses (edited by hand into an illegal state) surfaces as CorruptData.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from ecommerce_core.domain.cart import MAX_CART_LINES, Cart, CartLine
from ecommerce_core.domain.catalog import Category, Product, Variant
from ecommerce_core.domain.customers import Customer
from ecommerce_core.domain.errors import CorruptData, EcommerceError
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
from ecommerce_core.domain.pricing import Promotion
from ecommerce_core.domain.security import Role
from ecommerce_core.domain.shipping import Shipment, ShipmentLine, TrackingEvent, TrackingStatus
from ecommerce_core.domain.stock_ledger import LedgerEntry, MovementKind

Row = Mapping[Any, Any]


@contextmanager
def _guard(what: str, key: object) -> Iterator[None]:
    """Report a row the domain refuses as CorruptData naming the row; never fix it silently."""
    try:
        yield
    except CorruptData:
        raise
    except (EcommerceError, ValueError, KeyError, TypeError) as exc:
        raise CorruptData(
            f"the stored {what} {key} is not valid: {exc}", what=what, key=str(key)
        ) from exc


# -- catalog ---------------------------------------------------------------------------------
def category_from_row(row: Row) -> Category:
    with _guard("category", row["id"]):
        return Category(row["id"], row["slug"], dict(row["names"]), row["parent_id"])


def category_to_row(c: Category) -> dict[str, Any]:
    return {"id": c.id, "slug": c.slug, "names": dict(c.names), "parent_id": c.parent_id}


def product_from_rows(row: Row, variant_rows: Sequence[Row]) -> Product:
    with _guard("product", row["id"]):
        return Product(
            id=row["id"],
            slug=row["slug"],
            names=dict(row["names"]),
            category_id=row["category_id"],
            variants=tuple(
                Variant(
                    sku=v["sku"],
                    price=Money(int(v["price_amount"]), v["currency"]),
                    attributes=dict(v["attributes"]),
                    weight_grams=int(v["weight_grams"]),
                )
                for v in sorted(variant_rows, key=lambda v: v["position"])
            ),
            brand=row["brand"],
            description=row["description"],
            active=bool(row["active"]),
        )


def product_to_rows(p: Product) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    head = {
        "id": p.id,
        "slug": p.slug,
        "names": dict(p.names),
        "category_id": p.category_id,
        "brand": p.brand,
        "description": p.description,
        "active": p.active,
    }
    lines = [
        {
            "sku": v.sku,
            "product_id": p.id,
            "position": i,
            "price_amount": v.price.amount,
            "currency": v.price.currency,
            "attributes": dict(v.attributes),
            "weight_grams": v.weight_grams,
        }
        for i, v in enumerate(p.variants)
    ]
    return head, lines


# -- customers and carts ---------------------------------------------------------------------
def customer_from_row(row: Row) -> Customer:
    with _guard("customer", row["id"]):
        return Customer(
            id=row["id"],
            email=row["email"],
            password_hash=row["password_hash"],
            role=Role(row["role"]),
            display_name=row["display_name"],
            created_at=row["created_at"],
        )


def customer_to_row(c: Customer) -> dict[str, Any]:
    return {
        "id": c.id,
        "email": c.email,
        "email_key": c.email.lower(),
        "password_hash": c.password_hash,
        "role": c.role.value,
        "display_name": c.display_name,
        "created_at": c.created_at,
    }


def cart_lines_to_json(lines: Iterable[CartLine]) -> list[dict[str, Any]]:
    return [{"sku": ln.sku, "quantity": ln.quantity} for ln in lines]


def cart_to_row(c: Cart) -> dict[str, Any]:
    return {
        "id": c.id,
        "customer_id": c.customer_id,
        "currency": c.currency,
        "updated_at": c.updated_at,
        "lines": cart_lines_to_json(c.lines),
    }


def cart_from_row(row: Row) -> Cart:
    """The cart of one ``ec_carts`` row. Its ``lines`` (JSON) must be exactly what
    :func:`cart_lines_to_json` writes: a list of ``{"sku", "quantity"}`` objects, SKUs as the
    domain spells them and each once, whole quantities of at least 1, at most MAX_CART_LINES.
    Anything else (a hand edit) is CorruptData, never normalised on the way in."""
    with _guard("cart", row["id"]):
        stored = row["lines"]
        if not isinstance(stored, list):
            raise ValueError(f"its lines are not a list but {type(stored).__name__}")
        lines = tuple(CartLine(item["sku"], item["quantity"]) for item in stored)
        if cart_lines_to_json(lines) != stored:
            raise ValueError("its lines are not in the form this library writes")
        if len({ln.sku for ln in lines}) != len(lines):
            raise ValueError("a SKU is on two of its lines")
        if len(lines) > MAX_CART_LINES:
            raise ValueError(f"it has {len(lines)} lines, more than {MAX_CART_LINES}")
        return Cart(row["id"], row["customer_id"], row["currency"], row["updated_at"], lines)


# -- inventory -------------------------------------------------------------------------------
def warehouse_from_row(row: Row) -> Warehouse:
    with _guard("warehouse", row["id"]):
        regions = tuple(code for code in (row["regions"] or "").split(",") if code)
        return Warehouse(row["id"], row["name"], int(row["priority"]), regions)


def warehouse_to_row(w: Warehouse) -> dict[str, Any]:
    return {"id": w.id, "name": w.name, "priority": w.priority, "regions": ",".join(w.regions)}


def stock_from_row(row: Row) -> StockLevel:
    with _guard("stock level", (row["sku"], row["warehouse_id"])):
        threshold = row["low_stock_threshold"]
        return StockLevel(
            row["sku"],
            row["warehouse_id"],
            int(row["on_hand"]),
            int(row["reserved"]),
            int(row["safety_stock"]),
            None if threshold is None else int(threshold),
            int(row["backorder_limit"]),
            row["available_from"],
        )


def stock_to_row(lv: StockLevel) -> dict[str, Any]:
    return {
        "sku": lv.sku,
        "warehouse_id": lv.warehouse_id,
        "on_hand": lv.on_hand,
        "reserved": lv.reserved,
        "safety_stock": lv.safety_stock,
        "low_stock_threshold": lv.low_stock_threshold,
        "backorder_limit": lv.backorder_limit,
        "available_from": lv.available_from,
    }


def ledger_entry_from_row(row: Row) -> LedgerEntry:
    with _guard("stock ledger entry", row["id"]):
        return LedgerEntry(
            row["sku"],
            row["warehouse_id"],
            MovementKind(row["kind"]),
            int(row["on_hand_delta"]),
            int(row["reserved_delta"]),
            row["actor"],
            row["reason"],
            row["reference"],
            row["order_id"],
            row["at"],
            int(row["id"]),
        )


def ledger_entry_row(e: LedgerEntry) -> dict[str, Any]:
    """The entry as a row to insert (without its id: the database gives one)."""
    return {
        "sku": e.sku,
        "warehouse_id": e.warehouse_id,
        "kind": e.kind.value,
        "on_hand_delta": e.on_hand_delta,
        "reserved_delta": e.reserved_delta,
        "actor": e.actor,
        "reason": e.reason,
        "reference": e.reference,
        "order_id": e.order_id,
        "at": e.at,
    }


def reservation_from_rows(row: Row, line_rows: Iterable[Row]) -> Reservation:
    with _guard("reservation", row["id"]):
        lines = tuple(
            ReservationLine(r["sku"], r["warehouse_id"], int(r["quantity"]))
            for r in sorted(line_rows, key=lambda r: (r["sku"], r["warehouse_id"]))
        )
        return Reservation(
            id=row["id"],
            order_id=row["order_id"],
            lines=lines,
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            status=ReservationStatus(row["status"]),
        )


# -- orders ----------------------------------------------------------------------------------
def order_from_rows(row: Row, line_rows: Iterable[Row], history_rows: Iterable[Row]) -> Order:
    with _guard("order", row["id"]):
        cur = row["currency"]
        address = row["shipping_address"]
        return Order(
            id=row["id"],
            number=row["number"],
            customer_id=row["customer_id"],
            currency=cur,
            lines=tuple(
                OrderLine(
                    sku=r["sku"],
                    product_id=r["product_id"],
                    name=r["name"],
                    quantity=int(r["quantity"]),
                    unit_price=Money(int(r["unit_price"]), cur),
                    discount=Money(int(r["discount"]), cur),
                    total=Money(int(r["total"]), cur),
                    tax=None if r["tax"] is None else Money(int(r["tax"]), cur),
                    gift=bool(r["gift"]),
                )
                for r in sorted(line_rows, key=lambda r: r["position"])
            ),
            subtotal=Money(int(row["subtotal"]), cur),
            discount=Money(int(row["discount"]), cur),
            shipping=Money(int(row["shipping"]), cur),
            tax=Money(int(row["tax"]), cur),
            total=Money(int(row["total"]), cur),
            status=order_state(row["status"]),
            placed_at=row["placed_at"],
            updated_at=row["updated_at"],
            reservation_id=row["reservation_id"],
            idempotency_key=row["idempotency_key"],
            shipping_address=Address(**address) if address else None,
            history=tuple(
                StatusChange(
                    order_state(r["status"]),
                    r["at"],
                    r["note"],
                    r["action"],
                    r["actor"],
                    bool(r["internal"]),
                )
                for r in sorted(history_rows, key=lambda r: r["position"])
            ),
            coupon_codes=tuple(str(c) for c in row["coupon_codes"] or ()),
            payment_status=PaymentState(row["payment_status"]),
            fulfilment_status=FulfilmentStatus(row["fulfilment_status"]),
        )


def order_to_row(o: Order) -> dict[str, Any]:
    a = o.shipping_address
    return {
        "id": o.id,
        "number": o.number,
        "customer_id": o.customer_id,
        "currency": o.currency,
        "subtotal": o.subtotal.amount,
        "discount": o.discount.amount,
        "shipping": o.shipping.amount,
        "tax": o.tax.amount,
        "total": o.total.amount,
        "status": str(o.status),
        "payment_status": o.payment_status.value,
        "fulfilment_status": o.fulfilment_status.value,
        "coupon_codes": list(o.coupon_codes) if o.coupon_codes else None,
        "placed_at": o.placed_at,
        "updated_at": o.updated_at,
        "reservation_id": o.reservation_id,
        "idempotency_key": o.idempotency_key,
        "shipping_address": None if a is None else _address(a),
    }


def _address(a: Address) -> dict[str, str]:
    return {
        "name": a.name,
        "line1": a.line1,
        "line2": a.line2,
        "city": a.city,
        "region": a.region,
        "postal_code": a.postal_code,
        "country": a.country,
        "phone": a.phone,
    }


# -- payments --------------------------------------------------------------------------------
def payment_from_rows(row: Row, refund_rows: Iterable[Row]) -> Payment:
    with _guard("payment", row["id"]):
        cur = row["currency"]
        return Payment(
            id=row["id"],
            order_id=row["order_id"],
            customer_id=row["customer_id"],
            gateway=row["gateway"],
            amount=Money(int(row["amount"]), cur),
            status=PaymentStatus(row["status"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            idempotency_key=row["idempotency_key"],
            provider_ref=row["provider_ref"],
            captured=None if row["captured"] is None else Money(int(row["captured"]), cur),
            refunds=tuple(
                Refund(
                    id=r["id"],
                    amount=Money(int(r["amount"]), cur),
                    status=RefundStatus(r["status"]),
                    created_at=r["created_at"],
                    idempotency_key=r["idempotency_key"],
                    reason=r["reason"],
                    provider_ref=r["provider_ref"],
                    lines=tuple(
                        RefundLine(
                            int(x["line"]),
                            x["sku"],
                            int(x["quantity"]),
                            Money(int(x["amount"]), cur),
                        )
                        for x in r["lines"] or ()
                    ),
                    shipping=None if r["shipping"] is None else Money(int(r["shipping"]), cur),
                )
                for r in sorted(refund_rows, key=lambda r: (r["created_at"], r["id"]))
            ),
            failure=row["failure"],
        )


def payment_to_row(p: Payment) -> dict[str, Any]:
    return {
        "id": p.id,
        "order_id": p.order_id,
        "customer_id": p.customer_id,
        "gateway": p.gateway,
        "amount": p.amount.amount,
        "currency": p.amount.currency,
        "status": p.status.value,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
        "idempotency_key": p.idempotency_key,
        "provider_ref": p.provider_ref,
        "captured": None if p.captured is None else p.captured.amount,
        "failure": p.failure,
    }


def refund_to_row(payment_id: str, r: Refund) -> dict[str, Any]:
    return {
        "id": r.id,
        "payment_id": payment_id,
        "amount": r.amount.amount,
        "status": r.status.value,
        "created_at": r.created_at,
        "idempotency_key": r.idempotency_key,
        "reason": r.reason,
        "provider_ref": r.provider_ref,
        "lines": [
            {"line": x.line, "sku": x.sku, "quantity": x.quantity, "amount": x.amount.amount}
            for x in r.lines
        ]
        or None,
        "shipping": None if r.shipping is None else r.shipping.amount,
    }


# -- shipping and promotions -----------------------------------------------------------------
def shipment_from_rows(row: Row, event_rows: Iterable[Row]) -> Shipment:
    with _guard("shipment", row["id"]):
        return Shipment(
            id=row["id"],
            order_id=row["order_id"],
            carrier=row["carrier"],
            tracking_number=row["tracking_number"],
            created_at=row["created_at"],
            events=tuple(
                TrackingEvent(r["at"], TrackingStatus(r["status"]), r["description"], r["location"])
                for r in sorted(event_rows, key=lambda r: r["position"])
            ),
            lines=tuple(
                ShipmentLine(str(sku), str(warehouse), _count(quantity))
                for sku, warehouse, quantity in row["lines"] or ()
            ),
        )


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"a parcel's quantity is a positive whole number, not {value!r}")
    return value


def shipment_lines_to_json(s: Shipment) -> list[list[Any]] | None:
    return [[ln.sku, ln.warehouse_id, ln.quantity] for ln in s.lines] if s.lines else None


def promotion_from_row(row: Row) -> Promotion:
    with _guard("promotion", row["id"]):
        return Promotion(
            id=row["id"],
            name=row["name"],
            percent=Decimal(row["percent"]),
            category_ids=frozenset(row["category_ids"]),
            skus=frozenset(row["skus"]),
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            active=bool(row["active"]),
            kind=row["kind"],
        )


def promotion_to_row(p: Promotion) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "kind": p.kind,
        "percent": str(p.percent),
        "category_ids": sorted(p.category_ids),
        "skus": sorted(p.skus),
        "starts_at": p.starts_at,
        "ends_at": p.ends_at,
        "active": p.active,
    }
