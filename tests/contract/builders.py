"""Small domain objects for the storage contract tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ecommerce_core import Money
from ecommerce_core.domain.cart import Cart, CartLine
from ecommerce_core.domain.catalog import Category, Product, Variant
from ecommerce_core.domain.customers import Customer
from ecommerce_core.domain.inventory import Reservation, ReservationLine, StockLevel, Warehouse
from ecommerce_core.domain.orders import Address, Order, OrderLine, OrderStatus, StatusChange
from ecommerce_core.domain.payments import Payment, PaymentStatus
from ecommerce_core.domain.security import Role

T0 = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)


def category(id: str = "cat_1", slug: str = "phones", parent: str | None = None) -> Category:
    return Category(id, slug, {"en": "Phones", "zh": "手机"}, parent)


def product(
    id: str = "prd_1",
    slug: str = "phone",
    skus: tuple[str, ...] = ("PX-1", "PX-2"),
    category_id: str = "cat_1",
) -> Product:
    return Product(
        id=id,
        slug=slug,
        names={"en": "Phone", "zh": "手机"},
        category_id=category_id,
        variants=tuple(
            Variant(sku, Money(399900 + i, "CNY"), {"colour": "black", "容量": "128 GB"}, 180)
            for i, sku in enumerate(skus)
        ),
        brand="Acme",
        description="A phone.\nWith two lines.",
    )


def customer(id: str = "cus_1", email: str = "Li.Lei@Example.com") -> Customer:
    return Customer(
        id, email, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", Role.CUSTOMER, "李雷", T0
    )


def cart(id: str = "cart_1", customer_id: str = "cus_1") -> Cart:
    return Cart(id, customer_id, "CNY", T0, (CartLine("PX-2", 3), CartLine("PX-1", 1)))


def warehouse(id: str = "sz", priority: int = 1) -> Warehouse:
    return Warehouse(id, f"Warehouse {id}", priority)


def stock(sku: str = "PX-1", wh: str = "sz", on_hand: int = 10, reserved: int = 2) -> StockLevel:
    return StockLevel(sku, wh, on_hand, reserved)


def reservation(id: str = "res_1", order_id: str = "ord_1") -> Reservation:
    lines = (ReservationLine("PX-1", "sz", 2), ReservationLine("PX-2", "sz", 1))
    return Reservation.hold(id, order_id, lines, T0, timedelta(minutes=30))


def order(
    id: str = "ord_1",
    number: str = "20260301-AAAA0001",
    key: str | None = "key-1",
    customer_id: str = "cus_1",
    at: datetime = T0,
) -> Order:
    price = Money(399900, "CNY")
    line = OrderLine(
        "PX-1", "prd_1", "Phone (black)", 2, price, Money(79980, "CNY"), Money(719820, "CNY")
    )
    return Order(
        id=id,
        number=number,
        customer_id=customer_id,
        currency="CNY",
        lines=(line,),
        subtotal=Money(799800, "CNY"),
        discount=Money(79980, "CNY"),
        shipping=Money(0, "CNY"),
        tax=Money(0, "CNY"),
        total=Money(719820, "CNY"),
        status=OrderStatus.PENDING_PAYMENT,
        placed_at=at,
        updated_at=at,
        reservation_id="res_1",
        idempotency_key=key,
        shipping_address=Address(
            "Li Lei", "1 Keyuan Road", "Shenzhen", "518000", "CN", phone="+86 755 0000"
        ),
        history=(StatusChange(OrderStatus.PENDING_PAYMENT, at, "placed"),),
    )


def payment(id: str = "pay_1", order_id: str = "ord_1", key: str = "pay-key") -> Payment:
    return Payment(
        id=id,
        order_id=order_id,
        customer_id="cus_1",
        gateway="sandbox",
        amount=Money(719820, "CNY"),
        status=PaymentStatus.PENDING,
        created_at=T0,
        updated_at=T0,
        idempotency_key=key,
    )
