"""the lines of each parcel (shipment): which units left from which warehouse

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for the parcels stored before: each of those carried its whole order
    with op.batch_alter_table("ec_shipments") as batch:
        batch.add_column(sa.Column("lines", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ec_shipments") as batch:
        batch.drop_column("lines")
