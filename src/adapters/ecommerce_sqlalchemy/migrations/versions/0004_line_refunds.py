"""line refunds: the tax added on each order line, the units and shipping each refund covers

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ec_order_lines") as batch:
        batch.add_column(sa.Column("tax", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("ec_refunds") as batch:
        batch.add_column(sa.Column("lines", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("shipping", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ec_refunds") as batch:
        batch.drop_column("shipping")
        batch.drop_column("lines")
    with op.batch_alter_table("ec_order_lines") as batch:
        batch.drop_column("tax")
