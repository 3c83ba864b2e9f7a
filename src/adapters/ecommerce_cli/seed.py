"""The demo shop's data: an electronics catalog in Chinese and English, stock, a promotion, accounts.

Everything here goes through the public services with the acting principal, as an embedding
application would; nothing is written to storage behind the core's back.
"""

from __future__ import annotations

from typing import Any

import attrs

from ecommerce_core import Money, Principal, Shop
from ecommerce_core.domain.catalog import Category, Product
from ecommerce_core.domain.pricing import Promotion

__all__ = ["ADMIN_EMAIL", "CUSTOMER_EMAIL", "DEMO_PASSWORD", "DemoShop", "seed"]

ADMIN_EMAIL = "admin@demo.example"
CUSTOMER_EMAIL = "li.lei@demo.example"
# Printed by the demo on purpose: these accounts exist only in a throw-away demo shop.
DEMO_PASSWORD = "demo-only-not-a-secret"  # noqa: S105

# slug: (English, Chinese, parent slug)
CATEGORIES: dict[str, tuple[str, str, str | None]] = {
    "electronics": ("Electronics", "电子产品", None),
    "phones": ("Phones", "手机", "electronics"),
    "computers": ("Computers", "电脑", "electronics"),
    "accessories": ("Accessories", "配件", "electronics"),
}


def _variant(sku: str, price: str, grams: int, **attributes: str) -> dict[str, Any]:
    return {
        "sku": sku,
        "price": Money.of(price, "CNY"),
        "attributes": attributes,
        "weight_grams": grams,
    }


# (slug, category, English, Chinese, brand, variants)
PRODUCTS: tuple[tuple[str, str, str, str, str, list[dict[str, Any]]], ...] = (
    ("aurora-x1", "phones", "Aurora X1", "极光 X1", "Aurora", [
        _variant("AX1-128-BLK", "3999.00", 185, colour="black", capacity="128 GB"),
        _variant("AX1-256-BLK", "4599.00", 185, colour="black", capacity="256 GB"),
        _variant("AX1-256-WHT", "4599.00", 185, colour="white", capacity="256 GB"),
    ]),
    ("nova-lite", "phones", "Nova Lite", "新星 Lite", "Nova", [
        _variant("NL-64-BLU", "1899.00", 170, colour="blue", capacity="64 GB"),
        _variant("NL-128-GRN", "2199.00", 170, colour="green", capacity="128 GB"),
    ]),
    ("summit-14", "computers", "Summit 14 laptop", "峰顶 14 笔记本电脑", "Summit", [
        _variant("SUM14-16-512", "5999.00", 1350, memory="16 GB", capacity="512 GB"),
        _variant("SUM14-32-1T", "7999.00", 1350, memory="32 GB", capacity="1 TB"),
    ]),
    ("cube-mini", "computers", "Cube mini PC", "魔方迷你主机", "Cube", [
        _variant("CUBE-8-256", "2499.00", 600, memory="8 GB", capacity="256 GB"),
    ]),
    ("usb-c-cable", "accessories", "USB-C cable, 1 m", "USB-C 数据线 1 米", "Link", [
        _variant("CABLE-C-1M", "49.90", 40, colour="white"),
    ]),
    ("gan-charger-65w", "accessories", "65 W GaN charger", "65W 氮化镓充电器", "Volt", [
        _variant("CHG-65W", "199.00", 120),
    ]),
)  # fmt: skip

WAREHOUSES = (("sz", "Shenzhen 深圳", 1), ("sh", "Shanghai 上海", 2))

# sku: {warehouse: units}. The cable is only in Shanghai, so the demo order ships from two places.
STOCK: dict[str, dict[str, int]] = {
    "AX1-128-BLK": {"sz": 12, "sh": 8},
    "AX1-256-BLK": {"sz": 5},
    "AX1-256-WHT": {"sz": 4, "sh": 4},
    "NL-64-BLU": {"sz": 30},
    "NL-128-GRN": {"sh": 20},
    "SUM14-16-512": {"sz": 6, "sh": 6},
    "SUM14-32-1T": {"sh": 3},
    "CUBE-8-256": {"sz": 10},
    "CABLE-C-1M": {"sh": 200},
    "CHG-65W": {"sz": 50, "sh": 50},
}


@attrs.frozen
class DemoShop:
    """What the narration needs after seeding: the actors and the catalog they browse."""

    admin: Principal
    customer: Principal
    categories: dict[str, Category]
    products: dict[str, Product]
    promotion: Promotion


def seed(shop: Shop) -> DemoShop:
    """Fill an empty shop with the demo catalog, stock, a promotion and two accounts."""
    system = Principal.system()
    shop.accounts.create_admin(
        system, email=ADMIN_EMAIL, password=DEMO_PASSWORD, display_name="Demo admin"
    )
    admin = shop.accounts.login(ADMIN_EMAIL, DEMO_PASSWORD)
    shop.accounts.register(
        Principal.anonymous(), email=CUSTOMER_EMAIL, password=DEMO_PASSWORD, display_name="李雷"
    )
    customer = shop.accounts.login(CUSTOMER_EMAIL, DEMO_PASSWORD)

    categories: dict[str, Category] = {}
    for slug, (english, chinese, parent) in CATEGORIES.items():
        categories[slug] = shop.catalog.create_category(
            admin,
            slug=slug,
            names={"en": english, "zh": chinese},
            parent_id=categories[parent].id if parent else None,
        )
    products: dict[str, Product] = {}
    for slug, category, english, chinese, brand, variants in PRODUCTS:
        products[slug] = shop.catalog.create_product(
            admin,
            slug=slug,
            names={"en": english, "zh": chinese},
            category_id=categories[category].id,
            brand=brand,
            variants=variants,
        )
    for warehouse_id, name, priority in WAREHOUSES:
        shop.inventory.add_warehouse(admin, id=warehouse_id, name=name, priority=priority)
    for sku, places in STOCK.items():
        for warehouse_id, units in places.items():
            shop.inventory.receive(admin, sku=sku, warehouse_id=warehouse_id, quantity=units)
    promotion = shop.promotions.create_percentage(
        admin,
        name="Phone festival: 10% off phones / 手机节 九折",
        percent="10",
        category_ids=[categories["phones"].id],
    )
    return DemoShop(admin, customer, categories, products, promotion)
