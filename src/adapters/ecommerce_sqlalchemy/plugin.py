"""Registers the SQL storage schemes: sqlite, postgresql, mysql and mariadb."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecommerce_core.hookspecs import hookimpl
from ecommerce_core.plugins import Registry
from ecommerce_core.ports.storage import Storage


def _open(url: str, options: Mapping[str, Any]) -> Storage:
    # imported on use, so that listing plugins never loads SQLAlchemy
    from ecommerce_sqlalchemy.storage import SqlStorage

    return SqlStorage(url, options)


@hookimpl
def ecommerce_core_register_storage(registry: Registry) -> None:
    registry.add_storage(
        ["sqlite", "postgresql", "mysql", "mariadb"],
        _open,
        description="SQLAlchemy 2 with Alembic migrations (SQLite, PostgreSQL, MariaDB/MySQL)",
    )
