"""The catalogue version guards the category tree and the warehouses too, on every backend: it
moves on, in the same unit of work, with every category or warehouse added or changed (and not
when the change is rolled back or refused); a category is updated in place."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

from ecommerce_core.domain.errors import AlreadyExists, NotFound
from ecommerce_core.domain.inventory import Warehouse
from ecommerce_core.ports.storage import Storage, UnitOfWork
from tests.contract import builders as b


def _version(storage: Storage) -> int:
    with storage.unit_of_work() as uow:
        return uow.promotions.catalogue_version()


def _write(storage: Storage, change: Callable[[UnitOfWork], None]) -> int:
    """``change`` committed: the version seen inside its unit of work, which it must have moved."""
    before = _version(storage)
    with storage.unit_of_work() as uow:
        change(uow)
        inside = uow.promotions.catalogue_version()
        uow.commit()
    assert inside != before
    assert _version(storage) == inside
    return inside


def test_every_category_and_warehouse_written_moves_the_version_on(storage: Storage) -> None:
    seen = [_version(storage)]
    seen.append(_write(storage, lambda uow: uow.categories.add(b.category("cat_1", "all"))))
    seen.append(_write(storage, lambda uow: uow.categories.add(b.category("cat_2", "phones"))))
    moved = b.category("cat_2", "phones", parent="cat_1")
    seen.append(_write(storage, lambda uow: uow.categories.update(moved)))
    seen.append(_write(storage, lambda uow: uow.warehouses.add(b.warehouse("sz"))))
    regional = Warehouse("sz", "Shenzhen", 3, ("CN-GD",))
    seen.append(_write(storage, lambda uow: uow.warehouses.update(regional)))
    assert len(set(seen)) == len(seen), seen
    with storage.unit_of_work() as uow:
        assert {c.id: c.parent_id for c in uow.categories.list()} == {
            "cat_1": None,
            "cat_2": "cat_1",
        }
        assert uow.warehouses.list() == [regional]


def test_a_write_rolled_back_or_refused_leaves_the_version_as_it_was(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.categories.add(b.category("cat_1", "all"))
        uow.categories.add(b.category("cat_2", "phones"))
        uow.warehouses.add(b.warehouse("sz"))
        uow.commit()
    before = _version(storage)
    with storage.unit_of_work() as uow:  # left without commit
        uow.categories.update(b.category("cat_2", "phones", parent="cat_1"))
        uow.warehouses.update(Warehouse("sz", "Shenzhen", 7))
        uow.categories.add(b.category("cat_3", "cables"))
        uow.warehouses.add(b.warehouse("bj"))
    assert _version(storage) == before
    with storage.unit_of_work() as uow, pytest.raises(NotFound):
        uow.categories.update(b.category("cat_9", "nothing"))
    with storage.unit_of_work() as uow, pytest.raises(NotFound):
        uow.warehouses.update(b.warehouse("nowhere"))
    assert _version(storage) == before
    with storage.unit_of_work() as uow:
        assert uow.categories.get("cat_2") == b.category("cat_2", "phones")
        assert uow.warehouses.list() == [b.warehouse("sz")]


def test_a_category_is_updated_in_place_and_keeps_its_slug_unique(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.categories.add(b.category("cat_1", "all"))
        uow.categories.add(b.category("cat_2", "phones", parent="cat_1"))
        uow.categories.add(b.category("cat_3", "android", parent="cat_2"))
        uow.commit()
    renamed = attrs.evolve(
        b.category("cat_3", "droids", parent="cat_1"), names={"en": "Droids", "zh": "安卓"}
    )
    with storage.unit_of_work() as uow:
        uow.categories.update(renamed)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.categories.get("cat_3") == renamed
        assert {c.id for c in uow.categories.lineage(["cat_3"])} == {"cat_3", "cat_1"}
    # refused at the write or at the commit, as the backend finds it
    with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
        uow.categories.update(b.category("cat_3", "phones", parent="cat_1"))
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.categories.get("cat_3") == renamed
