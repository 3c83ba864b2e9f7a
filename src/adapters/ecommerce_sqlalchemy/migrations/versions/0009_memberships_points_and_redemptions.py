"""customers' memberships (groups, tier, contracts, points), the points ledger, and what each
order redeemed (coupon and promotion uses, points)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecommerce_sqlalchemy.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ec_memberships",
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("tier", sa.String(length=64), server_default="", nullable=False),
        sa.Column("contracts", sa.JSON(), nullable=False),
        sa.Column("points", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("points >= 0", name=op.f("ck_ec_memberships_points_not_negative")),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_ec_memberships")),
    )
    op.create_table(
        "ec_points_ledger",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=200), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ec_points_ledger")),
    )
    op.create_index(
        op.f("ix_ec_points_ledger_customer_id"), "ec_points_ledger", ["customer_id"], unique=False
    )
    op.create_table(
        "ec_redemptions",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("code", sa.String(length=32), server_default="", nullable=False),
        sa.Column("points", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("settled_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("order_id", "kind", "source_id", name=op.f("pk_ec_redemptions")),
    )
    op.create_index(
        op.f("ix_ec_redemptions_customer_id"), "ec_redemptions", ["customer_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("ec_redemptions")
    op.drop_table("ec_points_ledger")
    op.drop_table("ec_memberships")
