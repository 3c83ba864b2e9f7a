"""Alembic, driven from code: ``upgrade(engine)`` brings a database to the newest schema."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

__all__ = ["READ_ONLY", "VERSION_TABLE", "alembic_config", "downgrade", "is_current", "upgrade"]

#: Our own version table, so that a host application's Alembic history is never touched.
VERSION_TABLE = "ecommerce_alembic_version"
_SCRIPTS = Path(__file__).with_name("migrations")
#: Execution option of a connection that only reads: on SQLite it begins a deferred transaction
#: (``BEGIN``) instead of taking the write lock up front (``BEGIN IMMEDIATE``).
READ_ONLY = "ecommerce_read_only"


def alembic_config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = connection
    return config


def is_current(engine: sa.Engine) -> bool:
    """Whether the database is already at the newest schema, asked without taking a write lock."""
    with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        current = set(context.get_current_heads())
    return current == set(ScriptDirectory(str(_SCRIPTS)).get_heads())


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the database to ``revision``; at head already, nothing is locked or written.

    Every process of a shop opens it, often all at once (a deployment, a worker pool): the
    check reads the version table only, so they do not queue for the write lock one by one.
    """
    if revision == "head" and is_current(engine):
        return
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)
