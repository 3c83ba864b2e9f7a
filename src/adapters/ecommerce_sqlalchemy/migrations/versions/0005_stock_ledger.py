"""the append-only stock ledger, opened with each existing level's balance

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from ecommerce_sqlalchemy.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ledger = op.create_table(
        "ec_stock_ledger",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("warehouse_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("on_hand_delta", sa.Integer(), nullable=False),
        sa.Column("reserved_delta", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["ec_warehouses.id"],
            name=op.f("fk_ec_stock_ledger_warehouse_id_ec_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ec_stock_ledger")),
    )
    op.create_index("ix_ec_stock_ledger_level", "ec_stock_ledger", ["sku", "warehouse_id", "id"])
    op.create_index("ix_ec_stock_ledger_order", "ec_stock_ledger", ["order_id", "id"])
    op.create_index("ix_ec_stock_ledger_reference", "ec_stock_ledger", ["reference"])
    # every level already stored opens the ledger with its balance, so that on hand and reserved
    # are the sums of their entries from the first day
    levels = sa.table(
        "ec_stock_levels",
        sa.column("sku", sa.String),
        sa.column("warehouse_id", sa.String),
        sa.column("on_hand", sa.Integer),
        sa.column("reserved", sa.Integer),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(levels).order_by(levels.c.sku, levels.c.warehouse_id)).mappings()
    now = datetime.now(UTC)
    opening = [
        {
            "sku": r["sku"],
            "warehouse_id": r["warehouse_id"],
            "kind": "opening",
            "on_hand_delta": r["on_hand"],
            "reserved_delta": r["reserved"],
            "actor": "system",
            "reason": "balance before the ledger",
            "reference": "",
            "order_id": "",
            "at": now,
        }
        for r in rows
    ]
    if opening:
        op.bulk_insert(ledger, opening)


def downgrade() -> None:
    op.drop_index("ix_ec_stock_ledger_reference", table_name="ec_stock_ledger")
    op.drop_index("ix_ec_stock_ledger_order", table_name="ec_stock_ledger")
    op.drop_index("ix_ec_stock_ledger_level", table_name="ec_stock_ledger")
    op.drop_table("ec_stock_ledger")
