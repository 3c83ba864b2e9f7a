"""Shared builders for tests: a plugin manager without entry points, and a seeded shop."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import argon2
import attrs

import ecommerce_crypto.plugin
import ecommerce_memory.plugin
import ecommerce_redis.plugin
import ecommerce_sandboxpay.plugin
import ecommerce_sandboxship.plugin
import ecommerce_sqlalchemy.plugin
from ecommerce_core import Money, Principal, Shop, ShopSettings, hookimpl
from ecommerce_core.defaults import FixedClock
from ecommerce_core.plugins import Registry, get_plugin_manager
from ecommerce_crypto import Argon2Hasher

BUILTINS = (
    ecommerce_memory.plugin,
    ecommerce_sqlalchemy.plugin,
    ecommerce_crypto.plugin,
    ecommerce_sandboxpay.plugin,
    ecommerce_sandboxship.plugin,
    ecommerce_redis.plugin,
)

ADDRESS = {
    "name": "Li Lei",
    "line1": "1 Keyuan Road",
    "city": "Shenzhen",
    "postal_code": "518000",
    "country": "CN",
}
PASSWORD = "correct horse battery staple"


class FloorHasherPlugin:
    """argon2id at the policy floor (m=19 MiB, t=2, p=1): real hashing, fast enough for tests."""

    @hookimpl
    def ecommerce_core_register_security(self, registry: Registry) -> None:
        registry.add_password_hasher(
            "argon2-floor",
            lambda: Argon2Hasher(
                argon2.PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
            ),
        )


def plugin_manager(*extra: object):  # type: ignore[no-untyped-def]
    return get_plugin_manager(
        load_entrypoints=False, plugins=(*BUILTINS, FloorHasherPlugin(), *extra)
    )


def open_shop(url: str = "memory://", clock: FixedClock | None = None, **settings: Any) -> Shop:
    return Shop.open(
        url,
        settings=ShopSettings(password_hasher="argon2-floor", **settings),
        plugin_manager=plugin_manager(),
        clock=clock or FixedClock(),
    )


@attrs.define
class World:
    """A shop with an admin, a customer, two categories, two products and stock in one warehouse."""

    shop: Shop
    clock: FixedClock
    admin: Principal
    customer: Principal
    other: Principal
    phones: Any
    phone: Any
    cable: Any

    def buy(self, principal: Principal | None = None, key: str = "order-1", **lines: int):  # type: ignore[no-untyped-def]
        who = principal or self.customer
        for sku, quantity in (lines or {"PX-128-BLK": 1}).items():
            self.shop.carts.add_item(who, sku.replace("_", "-"), quantity)
        return self.shop.checkout.place_order(who, idempotency_key=key, shipping_address=ADDRESS)


def seed(shop: Shop, clock: FixedClock, stock: int = 10) -> World:
    system = Principal.system()
    shop.accounts.create_admin(system, email="admin@example.com", password=PASSWORD)
    admin = shop.accounts.login("admin@example.com", PASSWORD)
    shop.accounts.register(Principal.anonymous(), email="li@example.com", password=PASSWORD)
    customer = shop.accounts.login("li@example.com", PASSWORD)
    shop.accounts.register(Principal.anonymous(), email="wang@example.com", password=PASSWORD)
    other = shop.accounts.login("wang@example.com", PASSWORD)
    electronics = shop.catalog.create_category(
        admin, slug="electronics", names={"en": "Electronics", "zh": "电子产品"}
    )
    phones = shop.catalog.create_category(
        admin, slug="phones", names={"en": "Phones", "zh": "手机"}, parent_id=electronics.id
    )
    accessories = shop.catalog.create_category(
        admin,
        slug="accessories",
        names={"en": "Accessories", "zh": "配件"},
        parent_id=electronics.id,
    )
    phone = shop.catalog.create_product(
        admin,
        slug="phone-x",
        names={"en": "Phone X", "zh": "手机 X"},
        category_id=phones.id,
        brand="Acme",
        variants=[
            {
                "sku": "PX-128-BLK",
                "price": Money.of("3999.00", "CNY"),
                "attributes": {"colour": "black", "capacity": "128 GB"},
                "weight_grams": 180,
            },
            {
                "sku": "PX-256-WHT",
                "price": Money.of("4599.00", "CNY"),
                "attributes": {"colour": "white", "capacity": "256 GB"},
                "weight_grams": 180,
            },
        ],
    )
    cable = shop.catalog.create_product(
        admin,
        slug="usb-c-cable",
        names={"en": "USB-C cable", "zh": "USB-C 数据线"},
        category_id=accessories.id,
        variants=[{"sku": "CABLE-1M", "price": Money.of("49.90", "CNY"), "weight_grams": 40}],
    )
    shop.inventory.add_warehouse(admin, id="sz", name="Shenzhen", priority=1)
    for sku in ("PX-128-BLK", "PX-256-WHT", "CABLE-1M"):
        shop.inventory.receive(admin, sku=sku, warehouse_id="sz", quantity=stock)
    return World(shop, clock, admin, customer, other, phones, phone, cable)


@contextmanager
def seeded_shop(url: str = "memory://", stock: int = 10) -> Iterator[World]:
    clock = FixedClock()
    shop = open_shop(url, clock)
    try:
        yield seed(shop, clock, stock)
    finally:
        shop.close()
