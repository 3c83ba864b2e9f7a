"""after-sales requests (returns, exchanges, refunds without return) and complaints

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecommerce_sqlalchemy.types import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ec_aftersales_requests",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("warehouse_id", sa.String(length=64), nullable=True),
        sa.Column("refund_id", sa.String(length=64), nullable=True),
        sa.Column("refunded", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("shipment_id", sa.String(length=64), nullable=True),
        sa.Column("replacement_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["ec_orders.id"],
            name=op.f("fk_ec_aftersales_requests_order_id_ec_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ec_aftersales_requests")),
    )
    op.create_index(
        op.f("ix_ec_aftersales_requests_order_id"), "ec_aftersales_requests", ["order_id"]
    )
    op.create_index(
        op.f("ix_ec_aftersales_requests_customer_id"), "ec_aftersales_requests", ["customer_id"]
    )
    op.create_table(
        "ec_complaints",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ec_complaints")),
    )
    op.create_index(op.f("ix_ec_complaints_customer_id"), "ec_complaints", ["customer_id"])


def downgrade() -> None:
    # dropping a table drops its indexes (MariaDB refuses to drop one a foreign key needs)
    op.drop_table("ec_complaints")
    op.drop_table("ec_aftersales_requests")
