"""A shop prices from its cached category tree and allocates from its cached warehouses while the
catalogue version is unchanged, and never from stale ones: a category moved or a warehouse changed
by another shop on the same database (its own connections and its own cache, as another process
has) is seen by this shop's next pricing and next order; a restore is seen too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import pytest

from ecommerce_core import Principal, Shop
from ecommerce_core.domain.errors import NotFound
from ecommerce_core.services.catalogue_cache import CatalogueCache
from tests.contract.backends import backend_url, server_marks
from tests.support import ADDRESS, World, open_shop, seeded_shop

PHONE = "PX-128-BLK"


@contextmanager
def _other_shop(w: World, url: str) -> Iterator[Shop]:
    """A second shop on the same database, with its own catalogue cache (and, on a server or
    SQLite, its own connection pool: what another process has). The memory store cannot be opened
    twice: the second shop shares it, as another thread's shop would."""
    if url.startswith("memory"):
        ctx = attrs.evolve(w.shop._ctx, catalogue=CatalogueCache())
        yield Shop(w.shop.storage, ctx, w.shop.registry)
        return
    other = open_shop(url, w.clock)
    try:
        yield other
    finally:
        other.close()


def _count_reads(w: World, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the whole tree, a branch of it, the warehouses and the promotions are read."""
    with w.shop._ctx.uow() as uow:
        repos: dict[str, Any] = {
            "categories.list": type(uow.categories),
            "categories.lineage": type(uow.categories),
            "warehouses.list": type(uow.warehouses),
            "promotions.list": type(uow.promotions),
        }
    calls = dict.fromkeys(repos, 0)
    for name, cls in repos.items():
        method = name.split(".")[1]
        original = getattr(cls, method)

        def counted(self: Any, *args: Any, _name: str = name, _original: Any = original) -> Any:
            calls[_name] += 1
            return _original(self, *args)

        monkeypatch.setattr(cls, method, counted)
    return calls


def _reserved(w: World) -> dict[str, int]:
    return {lv.warehouse_id: lv.reserved for lv in w.shop.inventory.levels(w.admin, PHONE)}


def test_pricing_and_placing_read_no_categories_and_no_warehouses_while_nothing_changed(
    shop_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = shop_world
    w.buy(key="warm-up")  # reads the tree, the warehouses and the promotions once
    reads = _count_reads(w, monkeypatch)
    w.shop.carts.add_item(w.customer, "CABLE-1M", 2)
    w.shop.checkout.quote(w.customer)
    order = w.buy(key="o1")
    assert len(order.lines) == 2
    assert reads == dict.fromkeys(reads, 0)
    # a warehouse changed through this shop's own service moves the version on
    w.shop.inventory.update_warehouse(w.admin, "sz", priority=2)
    reads.update(dict.fromkeys(reads, 0))
    w.buy(key="o2")
    # read again once each, as the version moved (a promotion, category or warehouse changed)
    assert reads == {
        "categories.list": 1,
        "categories.lineage": 0,
        "warehouses.list": 1,
        "promotions.list": 1,
    }
    w.buy(key="o3")
    assert reads["categories.list"] == reads["warehouses.list"] == 1


def test_a_category_moved_by_another_shop_is_priced_by_the_next_quote(
    url: str, shop_world: World
) -> None:
    w = shop_world
    deals = w.shop.catalog.create_category(w.admin, slug="deals", names="Deals")
    w.shop.promotions.create_percentage(
        w.admin, name="Deals 10% off", percent="10", category_ids=[deals.id]
    )
    electronics = w.phones.parent_id
    w.shop.carts.add_item(w.customer, PHONE, 1)
    assert str(w.shop.checkout.quote(w.customer).discount) == "0.00 CNY"
    with _other_shop(w, url) as other:
        other.catalog.move_category(w.admin, w.phones.id, parent_id=deals.id)
        # the phone hangs under "deals" now: this shop's next pricing sees it
        assert str(w.shop.checkout.quote(w.customer).discount) == "399.90 CNY"
        order = w.shop.checkout.place_order(
            w.customer, idempotency_key="o1", shipping_address=ADDRESS
        )
        assert str(order.discount) == "399.90 CNY"
        other.catalog.move_category(w.admin, w.phones.id, parent_id=electronics)
        w.shop.carts.add_item(w.customer, PHONE, 1)
        assert str(w.shop.checkout.quote(w.customer).discount) == "0.00 CNY"
        # the other way round, a level higher: this shop moves the phones' grandparent
        other.carts.add_item(w.other, PHONE, 1)
        assert str(other.checkout.quote(w.other).discount) == "0.00 CNY"
        w.shop.catalog.move_category(w.admin, electronics, parent_id=deals.id)
        assert str(other.checkout.quote(w.other).discount) == "399.90 CNY"


def test_a_warehouse_changed_by_another_shop_allocates_the_next_order(
    url: str, shop_world: World
) -> None:
    w = shop_world
    w.buy(key="o0")  # from "sz", the only warehouse: now cached by this shop
    assert _reserved(w) == {"sz": 1}
    with _other_shop(w, url) as other:
        other.inventory.add_warehouse(w.admin, id="bj", name="Beijing", priority=0, regions=["CN"])
        other.inventory.receive(w.admin, sku=PHONE, warehouse_id="bj", quantity=5)
        w.buy(key="o1")  # "bj" ships to China, closer than "sz" (which ships everywhere)
        assert _reserved(w) == {"bj": 1, "sz": 1}
        other.inventory.update_warehouse(w.admin, "bj", regions=["US"])
        w.buy(key="o2")  # "bj" no longer ships to China
        assert _reserved(w) == {"bj": 1, "sz": 2}
        other.inventory.update_warehouse(w.admin, "bj", regions=["CN-GD", "US"])
        w.buy(key="o3")  # ADDRESS is in China but names no province code: "sz" again
        assert _reserved(w) == {"bj": 1, "sz": 3}
        other.inventory.update_warehouse(w.admin, "bj", regions=["CN"])
        w.buy(key="o4")
        assert _reserved(w) == {"bj": 2, "sz": 3}


def test_a_restore_brings_back_the_tree_and_the_warehouses_it_holds(
    shop_world: World, tmp_path: Path
) -> None:
    w = shop_world
    deals = w.shop.catalog.create_category(w.admin, slug="deals", names="Deals")
    w.shop.promotions.create_percentage(
        w.admin, name="Deals 10% off", percent="10", category_ids=[deals.id]
    )
    w.shop.backup.export(w.admin, tmp_path / "before.zip")
    w.shop.catalog.move_category(w.admin, w.phones.id, parent_id=deals.id)
    w.shop.inventory.update_warehouse(w.admin, "sz", regions=["US"])
    w.shop.carts.add_item(w.customer, PHONE, 1)
    assert str(w.shop.checkout.quote(w.customer).discount) == "399.90 CNY"
    with pytest.raises(Exception, match="not enough stock"):  # "sz" no longer ships to China
        w.shop.checkout.place_order(w.customer, idempotency_key="o1", shipping_address=ADDRESS)
    w.shop.backup.restore(Principal.system(), tmp_path / "before.zip", replace=True)
    w.shop.carts.add_item(w.customer, PHONE, 1)
    assert str(w.shop.checkout.quote(w.customer).discount) == "0.00 CNY"
    order = w.shop.checkout.place_order(w.customer, idempotency_key="o1", shipping_address=ADDRESS)
    assert str(order.discount) == "0.00 CNY"
    assert _reserved(w) == {"sz": 1}


@contextmanager
def _between(cls: Any, method: str, change: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The next call of ``cls.method`` first commits ``change`` (in another shop): a change
    committed after the version was read and before what it guards is."""
    original = getattr(cls, method)
    armed = [True]

    def hooked(self: Any, *args: Any) -> Any:
        if armed[0]:
            armed[0] = False
            change()
        return original(self, *args)

    monkeypatch.setattr(cls, method, hooked)
    yield
    assert not armed[0], "the change was never made"
    monkeypatch.setattr(cls, method, original)


@pytest.mark.parametrize(
    "backend", [pytest.param(n, marks=server_marks(n), id=n) for n in ("postgres", "mysql")]
)
def test_a_change_committed_after_the_version_was_read_is_seen_by_the_next_call(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only where two units of work run at once: memory and SQLite serialise them, so nothing
    can commit between two reads of one unit of work there."""
    url = backend_url(backend, tmp_path, monkeypatch)
    with seeded_shop(url) as w, _other_shop(w, url) as other:
        deals = w.shop.catalog.create_category(w.admin, slug="deals", names="Deals")
        w.shop.promotions.create_percentage(
            w.admin, name="Deals 10% off", percent="10", category_ids=[deals.id]
        )
        w.shop.carts.add_item(w.customer, PHONE, 1)
        with w.shop._ctx.uow() as uow:
            categories, warehouses = type(uow.categories), type(uow.warehouses)

        def move() -> None:
            other.catalog.move_category(w.admin, w.phones.id, parent_id=deals.id)

        # another change first, so that the next pricing reads the tree again
        other.catalog.create_category(w.admin, slug="misc", names="Misc")
        with _between(categories, "list", move, monkeypatch):
            w.shop.checkout.quote(w.customer)  # with the tree before or after the move
        assert str(w.shop.checkout.quote(w.customer).discount) == "399.90 CNY"

        w.buy(key="o0")
        # a new warehouse: the next order reads the warehouses again, and "bj" changes meanwhile
        other.inventory.add_warehouse(w.admin, id="bj", name="Beijing", priority=0, regions=["US"])
        other.inventory.receive(w.admin, sku=PHONE, warehouse_id="bj", quantity=5)

        def to_china() -> None:
            other.inventory.update_warehouse(w.admin, "bj", regions=["CN"])

        with _between(warehouses, "list", to_china, monkeypatch):
            w.buy(key="o1")  # from "sz" or "bj": whichever the warehouses read said
        before = _reserved(w)
        w.buy(key="o2")
        after = _reserved(w)
        assert after["bj"] == before["bj"] + 1  # "bj" ships to China: never the stale regions


def test_browsing_a_category_uses_the_cached_tree_and_sees_another_shops_move(
    url: str, shop_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = shop_world
    deals = w.shop.catalog.create_category(w.admin, slug="deals", names="Deals")

    def browsed(shop: Shop, category_id: str) -> list[str]:
        return sorted(p.id for p in shop.catalog.list_products(w.customer, category_id=category_id))

    assert browsed(w.shop, deals.id) == []
    reads = _count_reads(w, monkeypatch)
    assert browsed(w.shop, w.phones.id) == [w.phone.id]
    assert reads["categories.list"] == 0  # the tree is cached while nothing changed
    with _other_shop(w, url) as other:
        other.catalog.move_category(w.admin, w.phones.id, parent_id=deals.id)
        before = reads["categories.list"]  # the other shop read the tree to check for a cycle
        assert browsed(w.shop, deals.id) == [w.phone.id]  # seen by this shop's next call
        assert reads["categories.list"] == before + 1  # read again once, as it moved on
        assert browsed(w.shop, deals.id) == [w.phone.id]
        assert reads["categories.list"] == before + 1
    with pytest.raises(NotFound):
        w.shop.catalog.list_products(w.customer, category_id="cat_nope")
