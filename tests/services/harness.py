"""Helpers for service tests: a seeded shop whose gateway the test can see, and "changes nothing".

The gateway is the real sandbox gateway, offered by an inline plugin under the name ``recorded``
so that a test holds the very instance the shop calls (and can read its ``calls``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import pytest

from ecommerce_core import EcommerceError, Shop, ShopSettings, hookimpl
from ecommerce_core.defaults import FixedClock
from ecommerce_core.plugins import Registry
from ecommerce_memory import MemoryStorage
from ecommerce_sandboxpay import SandboxGateway
from tests.support import World, plugin_manager, seed

GATEWAY = "recorded"


class RecordedGatewayPlugin:
    """Offers one given gateway instance, so the test and the shop share it."""

    def __init__(self, gateway: SandboxGateway) -> None:
        self.gateway = gateway

    @hookimpl
    def ecommerce_core_register_gateways(self, registry: Registry) -> None:
        registry.add_gateway(GATEWAY, lambda settings: self.gateway)


@contextmanager
def world_with(gateway: SandboxGateway, stock: int = 10, **settings: Any) -> Iterator[World]:
    """A seeded shop (tests/support.py) on ``memory://`` that pays through ``gateway``."""
    clock = FixedClock()
    shop = _open(gateway, "memory://", clock, **settings)
    try:
        yield seed(shop, clock, stock)
    finally:
        shop.close()


@contextmanager
def fresh_world(gateway: SandboxGateway, *plugins: object, **settings: Any) -> Iterator[World]:
    """The same seeded shop as :func:`world_with`, without paying for six argon2 hashes again.

    The store is seeded once; each test gets a new shop over a copy of those tables, opened by
    an inline storage plugin, exactly as a third-party storage would be.
    """
    template, world = _seeded_template()
    clock = FixedClock()
    shop = _open(gateway, "seeded://", clock, storage=template, plugins=plugins, **settings)
    try:
        yield attrs.evolve(world, shop=shop, clock=clock)
    finally:
        shop.close()


def _open(gateway: SandboxGateway, url: str, clock: FixedClock, **settings: Any) -> Shop:
    template = settings.pop("storage", None)
    extra: list[object] = [RecordedGatewayPlugin(gateway), *settings.pop("plugins", ())]
    if template is not None:
        extra.append(CopiedStoragePlugin(template))
    return Shop.open(
        url,
        settings=ShopSettings(password_hasher="argon2-floor", default_gateway=GATEWAY, **settings),
        plugin_manager=plugin_manager(*extra),
        clock=clock,
    )


class CopiedStoragePlugin:
    """Offers ``seeded://``: a memory store starting as a copy of ``template``."""

    def __init__(self, template: MemoryStorage) -> None:
        self.template = template

    @hookimpl
    def ecommerce_core_register_storage(self, registry: Registry) -> None:
        registry.add_storage(["seeded"], self.open)

    def open(self, url: str, options: object) -> MemoryStorage:
        storage = MemoryStorage(url)
        # rows are frozen values: copying each table's mapping copies the store
        storage.tables = {name: dict(rows) for name, rows in self.template.tables.items()}
        storage.outbox_seq = self.template.outbox_seq
        return storage


@functools.cache
def _seeded_template() -> tuple[MemoryStorage, World]:
    with world_with(SandboxGateway()) as world:
        assert isinstance(world.shop.storage, MemoryStorage)
        return world.shop.storage, world


def snapshot(world: World) -> dict[str, Any]:
    """Everything a call could change: every table of the store, the outbox counter, the clock,
    and what the payment gateway was asked."""
    storage = world.shop.storage
    assert isinstance(storage, MemoryStorage)
    with storage.lock:
        tables = {name: dict(rows) for name, rows in storage.tables.items()}
        sequence = storage.outbox_seq
    return {
        "tables": tables,
        "outbox_seq": sequence,
        "now": world.clock.now(),
        "gateway_calls": list(recorded_gateway(world).calls),
    }


def recorded_gateway(world: World) -> SandboxGateway:
    """The gateway instance the shop calls (the inline plugin's factory always returns it)."""
    gateway = world.shop.registry.get("gateway", GATEWAY).factory({})
    assert isinstance(gateway, SandboxGateway)
    return gateway


def refused(
    world: World, error: type[EcommerceError], code: str, call: Callable[[], object]
) -> EcommerceError:
    """Run ``call``; it must raise ``error`` with ``code`` and leave the shop exactly as it was."""
    before = snapshot(world)
    with pytest.raises(error) as caught:
        call()
    assert caught.value.code == code
    assert snapshot(world) == before, "a call that failed changed something"
    return caught.value
