"""The storage backends every contract test runs against, and how each is reset between tests.

PostgreSQL and MariaDB legs run when ECOMMERCE_TEST_POSTGRES_URL / ECOMMERCE_TEST_MYSQL_URL are set
(``.ci/run`` sets both and fails when a server is missing); otherwise they are skipped with that
reason in the test report.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

SERVER_ENV = {
    "postgres": "ECOMMERCE_TEST_POSTGRES_URL",
    "mysql": "ECOMMERCE_TEST_MYSQL_URL",
}
BACKENDS = ["memory", "sqlite", "postgres", "mysql"]
_migrated: set[str] = set()


def backend_url(name: str, tmp_path: Path) -> str:
    """A URL to an empty, migrated database of the ``name`` backend."""
    if name == "memory":
        return "memory://"
    if name == "sqlite":
        return f"sqlite:///{tmp_path / 'shop.db'}"
    url = os.environ.get(SERVER_ENV[name])
    if not url:
        pytest.skip(f"{SERVER_ENV[name]} is not set: the {name} leg did not run")
    _reset(url)
    return url


def _reset(url: str) -> None:
    from ecommerce_sqlalchemy.migrate import VERSION_TABLE, upgrade
    from ecommerce_sqlalchemy.tables import metadata

    engine = sa.create_engine(url)
    try:
        present = set(sa.inspect(engine).get_table_names())
        if url not in _migrated or not set(metadata.tables) <= present:
            # a test may have broken the schema on purpose: start it again from nothing
            with engine.begin() as conn:
                for name in ("ec_categories",):
                    if name in present:
                        conn.execute(sa.text(f"UPDATE {name} SET parent_id = NULL"))
            metadata.drop_all(engine)
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
