"""backorders: a backorder limit per stock level, and the CHECK that allows promising that many
units beyond on hand (on hand itself never goes below zero)

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_OVER = "ck_ec_stock_levels_not_over_reserved"


def upgrade() -> None:
    # SQLite cannot change a CHECK in place: batch mode rebuilds ec_stock_levels (nothing refers
    # to it, so the rebuild is safe)
    with op.batch_alter_table("ec_stock_levels") as batch:
        batch.add_column(
            sa.Column("backorder_limit", sa.Integer(), server_default="0", nullable=False)
        )
        batch.drop_constraint(op.f(_OVER), type_="check")
        batch.create_check_constraint(op.f(_OVER), "reserved <= on_hand + backorder_limit")
        batch.create_check_constraint(
            op.f("ck_ec_stock_levels_backorder_not_negative"), "backorder_limit >= 0"
        )
        batch.create_check_constraint(
            op.f("ck_ec_stock_levels_on_hand_not_negative"), "on_hand >= 0"
        )


def downgrade() -> None:
    # refused by the database while some units are backordered (reserved > on hand): ship or
    # release them first
    with op.batch_alter_table("ec_stock_levels") as batch:
        batch.drop_constraint(op.f("ck_ec_stock_levels_on_hand_not_negative"), type_="check")
        batch.drop_constraint(op.f("ck_ec_stock_levels_backorder_not_negative"), type_="check")
        batch.drop_constraint(op.f(_OVER), type_="check")
        batch.create_check_constraint(op.f(_OVER), "reserved <= on_hand")
        batch.drop_column("backorder_limit")
