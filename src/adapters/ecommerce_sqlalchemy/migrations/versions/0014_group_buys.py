"""group-buy campaigns (团购)

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecommerce_sqlalchemy.types import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ec_group_buys",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("min_buyers", sa.Integer(), nullable=False),
        sa.Column("max_buyers", sa.Integer(), nullable=True),
        sa.Column("per_buyer_limit", sa.Integer(), nullable=True),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("deadline", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("joined", sa.Integer(), nullable=False),
        sa.Column("settled_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ec_group_buys")),
    )
    op.create_index("ix_ec_group_buys_status_deadline", "ec_group_buys", ["status", "deadline"])


def downgrade() -> None:
    op.drop_index("ix_ec_group_buys_status_deadline", table_name="ec_group_buys")
    op.drop_table("ec_group_buys")
