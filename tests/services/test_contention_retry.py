"""INV-4: a use case that loses a race for a lock is run again a bounded number of times."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import pytest

from ecommerce_core import Principal, Shop, ShopSettings, hookimpl
from ecommerce_core.defaults import FixedClock
from ecommerce_core.domain.errors import Contention
from ecommerce_core.plugins import Registry
from ecommerce_memory.storage import MemoryStorage, MemoryUnitOfWork
from tests.support import ADDRESS, plugin_manager, seed


@attrs.define
class FlakyStorage(MemoryStorage):  # type: ignore[misc]
    """Memory storage whose next ``failures`` commits lose a (pretend) deadlock."""

    failures: int = 0
    commits: int = 0

    def __attrs_post_init__(self) -> None:
        MemoryStorage.__init__(self, "flaky://")

    def unit_of_work(self) -> MemoryUnitOfWork:
        storage = self

        class Flaky(MemoryUnitOfWork):
            def commit(self) -> None:
                storage.commits += 1
                if storage.failures > 0:
                    storage.failures -= 1
                    raise Contention("deadlock detected")
                super().commit()

        return Flaky(self)


@pytest.fixture
def flaky() -> Any:
    store = FlakyStorage()

    class FlakyPlugin:
        @hookimpl
        def ecommerce_core_register_storage(self, registry: Registry) -> None:
            registry.add_storage(["flaky"], lambda url, options: store)

    clock = FixedClock()
    shop = Shop.open(
        "flaky://",
        settings=ShopSettings(password_hasher="argon2-floor", contention_retries=2),
        plugin_manager=plugin_manager(FlakyPlugin()),
        clock=clock,
    )
    world = seed(shop, clock)
    world.shop.carts.add_item(world.customer, "PX-128-BLK", 1)
    return store, world


def _levels(world: Any) -> Mapping[str, tuple[int, int]]:
    return {
        lv.sku: (lv.on_hand, lv.reserved) for lv in world.shop.inventory.levels(Principal.system())
    }


def test_a_deadlocked_checkout_is_retried_and_places_one_order(flaky: Any) -> None:
    store, world = flaky
    store.failures, store.commits = 2, 0
    order = world.shop.checkout.place_order(
        world.customer, idempotency_key="k", shipping_address=ADDRESS
    )
    assert store.commits == 3
    assert [o.id for o in world.shop.orders.list(world.customer)] == [order.id]
    assert _levels(world)["PX-128-BLK"] == (10, 1)


def test_retries_are_bounded_and_a_lost_race_changes_nothing(flaky: Any) -> None:
    store, world = flaky
    store.failures, store.commits = 5, 0
    with pytest.raises(Contention) as caught:
        world.shop.checkout.place_order(
            world.customer, idempotency_key="k", shipping_address=ADDRESS
        )
    assert caught.value.code == "contention"
    assert store.commits == 3
    assert world.shop.orders.list(world.customer) == []
    assert _levels(world)["PX-128-BLK"] == (10, 0)
