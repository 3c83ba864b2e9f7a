"""order payment and fulfilment statuses; who did what in the order history

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# what the orders already stored had become, by their overall status
_PAID = ("paid", "shipped", "delivered", "completed")
_FULFILMENT = {"shipped": "shipped", "delivered": "delivered", "completed": "delivered"}


def upgrade() -> None:
    with op.batch_alter_table("ec_orders") as batch:
        batch.add_column(
            sa.Column(
                "payment_status", sa.String(length=30), nullable=False, server_default="unpaid"
            )
        )
        batch.add_column(
            sa.Column(
                "fulfilment_status",
                sa.String(length=30),
                nullable=False,
                server_default="unfulfilled",
            )
        )
    with op.batch_alter_table("ec_order_history") as batch:
        batch.add_column(
            sa.Column("action", sa.String(length=40), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("actor", sa.String(length=64), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("internal", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    orders = sa.table(
        "ec_orders",
        sa.column("status", sa.String),
        sa.column("payment_status", sa.String),
        sa.column("fulfilment_status", sa.String),
    )
    op.execute(orders.update().where(orders.c.status.in_(_PAID)).values(payment_status="paid"))
    for status, fulfilment in _FULFILMENT.items():
        op.execute(
            orders.update().where(orders.c.status == status).values(fulfilment_status=fulfilment)
        )


def downgrade() -> None:
    with op.batch_alter_table("ec_order_history") as batch:
        batch.drop_column("internal")
        batch.drop_column("actor")
        batch.drop_column("action")
    with op.batch_alter_table("ec_orders") as batch:
        batch.drop_column("fulfilment_status")
        batch.drop_column("payment_status")
