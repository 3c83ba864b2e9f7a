"""outbox deliveries per consumer

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ec_outbox_consumers",
        sa.Column("consumer", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("consumer", name=op.f("pk_ec_outbox_consumers")),
    )
    op.create_table(
        "ec_outbox_deliveries",
        sa.Column("consumer", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["consumer"],
            ["ec_outbox_consumers.consumer"],
            name=op.f("fk_ec_outbox_deliveries_consumer_ec_outbox_consumers"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["ec_outbox.id"], name=op.f("fk_ec_outbox_deliveries_event_id_ec_outbox")
        ),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_ec_outbox_deliveries")),
    )


def downgrade() -> None:
    op.drop_table("ec_outbox_deliveries")
    op.drop_table("ec_outbox_consumers")
