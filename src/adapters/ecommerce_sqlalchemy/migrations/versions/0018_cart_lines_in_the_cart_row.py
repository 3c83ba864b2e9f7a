"""a cart is one row: its lines move from ec_cart_lines into a JSON column of ec_carts

A locked read of a cart becomes one ``SELECT ... FOR UPDATE`` (PostgreSQL re-reads a locked row
once its lock is granted, never the rows joined to it) and a save one statement.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_carts = sa.table("ec_carts", sa.column("id", sa.String), sa.column("lines", sa.JSON))
_lines = sa.table(
    "ec_cart_lines",
    sa.column("cart_id", sa.String),
    sa.column("position", sa.Integer),
    sa.column("sku", sa.String),
    sa.column("quantity", sa.Integer),
)
_BATCH = 1000  # carts per UPDATE/INSERT round trip


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + _BATCH] for i in range(0, len(rows), _BATCH)]


def upgrade() -> None:
    conn = op.get_bind()
    op.add_column("ec_carts", sa.Column("lines", sa.JSON(), nullable=True))
    rows = conn.execute(
        sa.select(_lines.c.cart_id, _lines.c.sku, _lines.c.quantity).order_by(
            _lines.c.cart_id, _lines.c.position
        )
    )
    filled = [
        {"key": cart_id, "new_lines": [{"sku": r.sku, "quantity": r.quantity} for r in group]}
        for cart_id, group in groupby(rows, key=lambda r: r.cart_id)
    ]
    fill = _carts.update().where(_carts.c.id == sa.bindparam("key"))
    for chunk in _chunks(filled):
        conn.execute(fill.values(lines=sa.bindparam("new_lines", type_=sa.JSON())), chunk)
    # carts without lines (emptied, or never filled): an empty list, not NULL
    conn.execute(_carts.update().where(_carts.c.lines.is_(None)).values(lines=[]))
    op.drop_table("ec_cart_lines")
    with op.batch_alter_table("ec_carts") as batch:
        batch.alter_column("lines", existing_type=sa.JSON(), nullable=False)
        if conn.dialect.name == "sqlite":  # PostgreSQL and MariaDB refuse text that is not JSON
            batch.create_check_constraint(op.f("ck_ec_carts_lines_json"), "json_valid(lines)")


def downgrade() -> None:
    conn = op.get_bind()
    rows = [
        {"cart_id": cart_id, "position": i, "sku": line["sku"], "quantity": line["quantity"]}
        for cart_id, lines in conn.execute(sa.select(_carts.c.id, _carts.c.lines))
        for i, line in enumerate(lines)
    ]
    # SQLite rebuilds ec_carts (batch mode): before ec_cart_lines refers to it again
    with op.batch_alter_table("ec_carts") as batch:
        if conn.dialect.name == "sqlite":
            batch.drop_constraint(op.f("ck_ec_carts_lines_json"), type_="check")
        batch.drop_column("lines")
    op.create_table(
        "ec_cart_lines",
        sa.Column("cart_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_ec_cart_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["cart_id"], ["ec_carts.id"], name=op.f("fk_ec_cart_lines_cart_id_ec_carts")
        ),
        sa.PrimaryKeyConstraint("cart_id", "position", name=op.f("pk_ec_cart_lines")),
    )
    for chunk in _chunks(rows):
        conn.execute(_lines.insert(), chunk)
