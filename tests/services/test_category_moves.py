"""Moving categories: the tree stays a tree, and the ancestry two shops work out from their cached
trees is always the one storage holds now, whichever shop moved what."""

from __future__ import annotations

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecommerce_core import Shop
from ecommerce_core.domain.catalog import Category, ancestors_of, descendants_of
from ecommerce_core.domain.errors import InvalidInput
from ecommerce_core.services.catalogue_cache import CatalogueCache
from tests.support import World, seeded_shop


def test_a_moved_category_takes_its_products_along(world: World) -> None:
    w = world
    deals = w.shop.catalog.create_category(w.admin, slug="deals", names="Deals")
    assert w.shop.catalog.list_products(w.admin, category_id=deals.id) == []
    moved = w.shop.catalog.move_category(w.admin, w.phones.id, parent_id=deals.id)
    assert moved == attrs.evolve(w.phones, parent_id=deals.id)
    assert [p.id for p in w.shop.catalog.list_products(w.admin, category_id=deals.id)] == [
        w.phone.id
    ]
    assert moved in w.shop.catalog.list_categories(w.customer)
    root = w.shop.catalog.move_category(w.admin, w.phones.id, parent_id=None)
    assert root.parent_id is None


def test_moving_a_category_where_it_is_writes_nothing(world: World) -> None:
    w = world
    with w.shop._ctx.uow() as uow:
        before = uow.promotions.catalogue_version()
    assert w.shop.catalog.move_category(w.admin, w.phones.id, parent_id=w.phones.parent_id) == (
        w.phones
    )
    with w.shop._ctx.uow() as uow:
        assert uow.promotions.catalogue_version() == before


_MOVES = st.lists(
    st.tuples(st.sampled_from(["create", "move"]), st.integers(0, 30), st.integers(-1, 30), st.booleans()),
    min_size=1,
    max_size=25,
)  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MOVES)
def test_two_shops_work_out_the_ancestry_storage_holds_after_any_moves(
    moves: list[tuple[str, int, int, bool]],
) -> None:
    with seeded_shop() as w:
        # a second shop over the same store, with a cache of its own
        second = Shop(
            w.shop.storage, attrs.evolve(w.shop._ctx, catalogue=CatalogueCache()), w.shop.registry
        )
        shops = (w.shop, second)
        for step, (kind, which, parent, by_second) in enumerate(moves):
            shop = shops[by_second]
            ids = [c.id for c in shop.catalog.list_categories(w.admin)]
            target = ids[which % len(ids)]
            parent_id = None if parent < 0 else ids[parent % len(ids)]
            if kind == "create":
                shop.catalog.create_category(
                    w.admin, slug=f"c{step}", names=f"C{step}", parent_id=parent_id
                )
            else:
                tree = shop.catalog.list_categories(w.admin)
                cycle = parent_id is not None and parent_id in descendants_of(target, tree)
                try:
                    shop.catalog.move_category(w.admin, target, parent_id=parent_id)
                    assert not cycle
                except InvalidInput:
                    assert cycle
            for each in shops:
                with each._ctx.uow() as uow:
                    stored = {c.id: c for c in uow.categories.list()}
                    cached = each._ctx.catalogue.read(uow).ancestries(stored)
                assert cached == {c: frozenset(ancestors_of(c, stored)) for c in stored}
                assert _is_a_tree(stored)


def _is_a_tree(tree: dict[str, Category]) -> bool:
    """Every walk up the parents ends at a root within as many steps as there are categories."""
    for category_id in tree:
        current: str | None = category_id
        for _ in range(len(tree) + 1):
            if current is None:
                break
            current = tree[current].parent_id
        if current is not None:
            return False
    return True
