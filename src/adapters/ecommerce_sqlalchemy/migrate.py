"""Alembic, driven from code: ``upgrade(engine)`` brings a database to the newest schema."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

__all__ = ["VERSION_TABLE", "alembic_config", "downgrade", "upgrade"]

#: Our own version table, so that a host application's Alembic history is never touched.
VERSION_TABLE = "ecommerce_alembic_version"
_SCRIPTS = Path(__file__).with_name("migrations")


def alembic_config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)
