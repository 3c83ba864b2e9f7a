"""Fixtures of the contract suites: one storage (or seeded shop) per backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecommerce_core.ports.storage import Storage
from tests.contract.backends import backend_url, params
from tests.support import World, plugin_manager, seeded_shop


@pytest.fixture(params=params())
def url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return backend_url(request.param, tmp_path, monkeypatch)


@pytest.fixture
def storage(url: str) -> Iterator[Storage]:
    from ecommerce_core.plugins import build_registry
    from ecommerce_core.shop import _scheme

    registry = build_registry(plugin_manager())
    store: Storage = registry.get("storage", _scheme(url)).factory(url, {})
    store.migrate()
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def shop_world(url: str) -> Iterator[World]:
    with seeded_shop(url) as world:
        yield world
