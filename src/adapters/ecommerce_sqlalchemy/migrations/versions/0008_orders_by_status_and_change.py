"""an index for the order sweeps: orders in one status, oldest change first

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ec_orders_status_updated", "ec_orders", ["status", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_ec_orders_status_updated", table_name="ec_orders")
