"""orders remember their coupon codes and which lines were gifts (edits price them again)

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ec_orders") as batch:
        batch.add_column(sa.Column("coupon_codes", sa.JSON(), nullable=True))
    with op.batch_alter_table("ec_order_lines") as batch:
        batch.add_column(sa.Column("gift", sa.Boolean(), nullable=False, server_default=sa.false()))
    # gifts were stored as lines at no price named "... (gift)" (services/quotes.py gift_lines)
    lines = sa.table(
        "ec_order_lines",
        sa.column("name", sa.String),
        sa.column("unit_price", sa.BigInteger),
        sa.column("total", sa.BigInteger),
        sa.column("gift", sa.Boolean),
    )
    op.execute(
        lines.update()
        .where(lines.c.unit_price == 0, lines.c.total == 0, lines.c.name.like("% (gift)"))
        .values(gift=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("ec_order_lines") as batch:
        batch.drop_column("gift")
    with op.batch_alter_table("ec_orders") as batch:
        batch.drop_column("coupon_codes")
