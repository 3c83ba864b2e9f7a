"""preorders: the release a stock level's units may not ship before

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecommerce_sqlalchemy.types import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ec_stock_levels", sa.Column("available_from", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ec_stock_levels") as batch:
        batch.drop_column("available_from")
