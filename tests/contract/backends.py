"""The storage backends every contract test runs against, and how each is reset between tests.

PostgreSQL and MariaDB legs run when ECOMMERCE_TEST_POSTGRES_URL / ECOMMERCE_TEST_MYSQL_URL are set
(``.ci/run`` sets both and fails when a server is missing); otherwise they are skipped with that
reason in the test report. The MongoDB leg runs when ECOMMERCE_TEST_MONGODB_URL names a replica set
(no MongoDB server can be installed on the project's machines, so there it is always skipped, and
the report's summary says so once more, loudly: see tests/conftest.py).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

SERVER_ENV = {
    "postgres": "ECOMMERCE_TEST_POSTGRES_URL",
    "mysql": "ECOMMERCE_TEST_MYSQL_URL",
    "mongo": "ECOMMERCE_TEST_MONGODB_URL",
}
BACKENDS = ["memory", "sqlite", "postgres", "mysql", "mongo"]
#: Storage plugins that tests/support.py does not register for every test (its plugin manager
#: is also what says "mongodb" is unknown): a leg that needs one registers it for that test only.
LEG_PLUGINS = {"mongo": "ecommerce_mongo.plugin"}
_migrated: set[str] = set()


def skip_reason(name: str) -> str:
    return f"{SERVER_ENV[name]} is not set: the {name} leg did not run"


def backend_url(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch | None = None) -> str:
    """A URL to an empty, migrated database of the ``name`` backend.

    ``monkeypatch`` is needed by the legs of :data:`LEG_PLUGINS`, whose plugin the test helpers'
    plugin manager gets for the duration of the test.
    """
    if name == "memory":
        return "memory://"
    if name == "sqlite":
        return f"sqlite:///{tmp_path / 'shop.db'}"
    url = os.environ.get(SERVER_ENV[name])
    if not url:
        pytest.skip(skip_reason(name))
    _use_leg_plugin(name, monkeypatch)
    if name == "mongo":
        _reset_mongo(url)
    else:
        _reset(url)
    return url


def _use_leg_plugin(name: str, monkeypatch: pytest.MonkeyPatch | None) -> None:
    if name not in LEG_PLUGINS:
        return
    if monkeypatch is None:
        raise RuntimeError(f"the {name} leg needs monkeypatch to register {LEG_PLUGINS[name]}")
    from tests import support

    plugin = importlib.import_module(LEG_PLUGINS[name])
    if plugin not in support.BUILTINS:
        monkeypatch.setattr(support, "BUILTINS", (*support.BUILTINS, plugin))


def _reset_mongo(url: str) -> None:
    """Drop the adapter's collections (``ec_*``) of the test database, then migrate.

    The server must be a replica set (or mongos): the storage refuses a standalone server, and the
    contract (rollback, isolation) needs transactions.
    """
    from pymongo.write_concern import WriteConcern

    from ecommerce_mongo.storage import MongoStorage

    store = MongoStorage(url)
    try:
        db = store.db.with_options(write_concern=WriteConcern("majority"))
        for collection in db.list_collection_names():
            if collection.startswith("ec_"):
                db.drop_collection(collection)
        store.migrate()
    finally:
        store.close()


def _reset(url: str) -> None:
    from ecommerce_sqlalchemy.migrate import VERSION_TABLE, is_current, upgrade
    from ecommerce_sqlalchemy.tables import metadata

    engine = sa.create_engine(url)
    try:
        present = set(sa.inspect(engine).get_table_names())
        if url not in _migrated or not set(metadata.tables) <= present or not is_current(engine):
            # a test may have broken the schema on purpose, or failed while it was migrated
            # down: start it again from nothing, with the tables an older schema had too
            with engine.begin() as conn:
                for name in ("ec_categories",):
                    if name in present:
                        conn.execute(sa.text(f"UPDATE {name} SET parent_id = NULL"))
            ours = sa.MetaData()
            ours.reflect(engine, only=lambda name, _meta: name.startswith("ec_"))
            ours.drop_all(engine)
            with engine.begin() as conn:
                conn.execute(sa.text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))
            upgrade(engine)
            _migrated.add(url)
        with engine.begin() as conn:
            categories = metadata.tables["ec_categories"]
            conn.execute(categories.update().values(parent_id=None))
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
    finally:
        engine.dispose()


def server_marks(name: str) -> list[pytest.MarkDecorator]:
    return [getattr(pytest.mark, name)] if name in SERVER_ENV else []


def params() -> list[object]:
    return [pytest.param(name, marks=server_marks(name), id=name) for name in BACKENDS]
