"""The pricing read of products carries the promotion catalogue version (SQL adapter): pricing
asks storage for the version right after, and gets it without a statement of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.contract import builders as b
from tests.contract.backends import backend_url, server_marks
from tests.contract.test_pricing_storage import FULL_REDUCTION, PERCENT


@pytest.fixture(
    params=[pytest.param(n, marks=server_marks(n), id=n) for n in ("sqlite", "postgres", "mysql")]
)
def sql_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    from ecommerce_sqlalchemy import SqlStorage

    store = SqlStorage(backend_url(request.param, tmp_path))
    store.migrate()
    with store.unit_of_work() as uow:
        uow.categories.add(b.category())
        uow.products.add(b.product())
        uow.promotions.add(FULL_REDUCTION)
        uow.commit()
    yield store
    store.close()


def _statements(store: Any) -> list[str]:
    sent: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda _c, _k, s, *_: sent.append(s))
    return sent


def test_the_version_comes_with_the_products_priced(sql_storage: Any) -> None:
    with sql_storage.unit_of_work() as uow:
        stored = uow.promotions.catalogue_version()
    sent = _statements(sql_storage)
    with sql_storage.unit_of_work() as uow:
        sent.clear()
        products = uow.products.get_by_skus(["PX-1"])
        assert products["PX-1"] == b.product()
        read = len(sent)
        assert uow.promotions.catalogue_version() == stored
        assert len(sent) == read  # no statement of its own


def test_a_version_moved_on_in_the_transaction_is_read_again(sql_storage: Any) -> None:
    with sql_storage.unit_of_work() as uow:
        uow.products.get_by_skus(["PX-1"])
        before = uow.promotions.catalogue_version()
        uow.promotions.add(PERCENT)
        assert uow.promotions.catalogue_version() == before + 1
        uow.commit()
    with sql_storage.unit_of_work() as uow:
        uow.products.get_by_skus(["PX-2"])
        assert uow.promotions.catalogue_version() == before + 1


def test_a_version_committed_by_another_transaction_is_seen_by_the_next_one(
    sql_storage: Any,
) -> None:
    with sql_storage.unit_of_work() as uow:
        uow.products.get_by_skus(["PX-1"])
        before = uow.promotions.catalogue_version()
    with sql_storage.unit_of_work() as other:
        other.promotions.set_active(FULL_REDUCTION.id, False)
        other.commit()
    with sql_storage.unit_of_work() as uow:
        uow.products.get_by_skus(["PX-1"])
        assert uow.promotions.catalogue_version() == before + 1
