"""safety stock and low-stock thresholds on stock levels; the regions a warehouse ships to

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN: stock levels refer to warehouses, so SQLite must not rebuild the table
    op.add_column(
        "ec_warehouses",
        sa.Column("regions", sa.String(length=500), server_default="", nullable=False),
    )
    with op.batch_alter_table("ec_stock_levels") as batch:
        batch.add_column(
            sa.Column("safety_stock", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("low_stock_threshold", sa.Integer(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_ec_stock_levels_safety_not_negative"), "safety_stock >= 0"
        )


def downgrade() -> None:
    with op.batch_alter_table("ec_stock_levels") as batch:
        batch.drop_constraint(op.f("ck_ec_stock_levels_safety_not_negative"), type_="check")
        batch.drop_column("low_stock_threshold")
        batch.drop_column("safety_stock")
    op.drop_column("ec_warehouses", "regions")  # SQLite >= 3.35 drops a column in place
