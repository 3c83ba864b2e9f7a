"""stocktakes: counts of a warehouse, reviewed and applied through the stock ledger

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecommerce_sqlalchemy.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ec_stocktakes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("warehouse_id", sa.String(length=64), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["ec_warehouses.id"],
            name=op.f("fk_ec_stocktakes_warehouse_id_ec_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ec_stocktakes")),
    )


def downgrade() -> None:
    op.drop_table("ec_stocktakes")
