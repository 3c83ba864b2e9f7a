"""Alembic environment: always given a connection by ecommerce_sqlalchemy.migrate."""

from __future__ import annotations

from alembic import context

from ecommerce_sqlalchemy.migrate import VERSION_TABLE
from ecommerce_sqlalchemy.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
