"""The SQL storage remembers the catalog objects pricing builds, by the full content of their
rows: a row changed in any way (by the shop or by hand) is read as it now is, a row edited into an
illegal state is still reported, and what an application asks for is built afresh."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from ecommerce_core.domain.errors import CorruptData
from ecommerce_core.ports.storage import Storage
from tests.contract import builders as b
from tests.contract.backends import backend_url, server_marks


@pytest.fixture(
    params=[pytest.param(n, marks=server_marks(n), id=n) for n in ("sqlite", "postgres", "mysql")]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    from ecommerce_sqlalchemy import SqlStorage

    storage = SqlStorage(backend_url(request.param, tmp_path))
    storage.migrate()
    with storage.unit_of_work() as uow:
        uow.categories.add(b.category("cat_1", "all"))
        uow.categories.add(b.category("cat_2", "phones", parent="cat_1"))
        uow.products.add(b.product(category_id="cat_2"))
        uow.commit()
    yield storage
    storage.close()


def _raw(store: Storage, statement: str) -> None:
    with store.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(sa.text(statement))


def _pricing_read(store: Storage) -> tuple[object, dict[str, object]]:
    with store.unit_of_work() as uow:
        product = uow.products.get_by_skus(["PX-1"])["PX-1"]
        return product, {c.id: c for c in uow.categories.lineage(["cat_2"])}


def test_pricing_reads_build_each_row_once_and_equal_to_a_fresh_build(store: Storage) -> None:
    first, tree = _pricing_read(store)
    again, tree_again = _pricing_read(store)
    assert again is first and tree_again["cat_1"] is tree["cat_1"]  # remembered
    with store.unit_of_work() as uow:
        fresh = uow.products.get("prd_1")
        by_sku = uow.products.get_by_sku("PX-1")
    assert fresh == first == b.product(category_id="cat_2")
    assert by_sku == first and by_sku is not first  # an application's copy is its own


def test_a_row_changed_by_hand_is_read_as_it_now_is(store: Storage) -> None:
    first, tree = _pricing_read(store)
    _raw(store, "UPDATE ec_variants SET price_amount = price_amount + 1 WHERE sku = 'PX-1'")
    _raw(store, "UPDATE ec_categories SET slug = 'everything' WHERE id = 'cat_1'")
    changed, changed_tree = _pricing_read(store)
    assert changed.variant("PX-1").price.amount == first.variant("PX-1").price.amount + 1  # type: ignore[attr-defined]
    assert changed_tree["cat_1"].slug == "everything"  # type: ignore[attr-defined]
    assert changed_tree["cat_2"] is tree["cat_2"]
    _raw(store, "UPDATE ec_variants SET weight_grams = weight_grams + 7 WHERE sku = 'PX-2'")
    with store.unit_of_work() as uow:
        second = uow.products.get_by_skus(["PX-2"])["PX-2"]
    assert second.variant("PX-2").weight_grams == first.variant("PX-2").weight_grams + 7  # type: ignore[attr-defined]


def test_a_row_edited_into_an_illegal_state_is_reported_after_being_remembered(
    store: Storage,
) -> None:
    _pricing_read(store)
    _raw(store, "UPDATE ec_variants SET currency = 'XXX' WHERE sku = 'PX-1'")
    with pytest.raises(CorruptData), store.unit_of_work() as uow:
        uow.products.get_by_skus(["PX-1"])
    _raw(store, "UPDATE ec_variants SET currency = 'CNY' WHERE sku = 'PX-1'")
    _pricing_read(store)
