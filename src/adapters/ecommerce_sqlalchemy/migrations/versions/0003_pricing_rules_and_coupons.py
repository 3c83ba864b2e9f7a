"""pricing rules on promotions; coupons, their codes and the customers' wallets

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecommerce_sqlalchemy.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ec_promotions") as batch:
        batch.alter_column("percent", existing_type=sa.String(length=20), nullable=True)
        batch.add_column(sa.Column("rule", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("usage_limit", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("used", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("budget", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("budget_currency", sa.String(length=3), nullable=True))
        batch.add_column(
            sa.Column("discount_given", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch.create_check_constraint(
            op.f("ck_ec_promotions_uses_within_limit"), "usage_limit IS NULL OR used <= usage_limit"
        )
        batch.create_check_constraint(
            op.f("ck_ec_promotions_within_budget"), "budget IS NULL OR discount_given <= budget"
        )
    op.create_table(
        "ec_coupons",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=True),
        sa.Column("ends_at", UTCDateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("usage_limit", sa.Integer(), nullable=True),
        sa.Column("per_customer_limit", sa.Integer(), nullable=True),
        sa.Column("requires_claim", sa.Boolean(), nullable=False),
        sa.Column("used", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("used >= 0", name=op.f("ck_ec_coupons_used_not_negative")),
        sa.CheckConstraint(
            "usage_limit IS NULL OR used <= usage_limit",
            name=op.f("ck_ec_coupons_uses_within_limit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ec_coupons")),
    )
    op.create_table(
        "ec_coupon_codes",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("coupon_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coupon_id"], ["ec_coupons.id"], name=op.f("fk_ec_coupon_codes_coupon_id_ec_coupons")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_ec_coupon_codes")),
    )
    op.create_index(
        op.f("ix_ec_coupon_codes_coupon_id"), "ec_coupon_codes", ["coupon_id"], unique=False
    )
    op.create_table(
        "ec_coupon_claims",
        sa.Column("coupon_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("used", sa.Integer(), server_default="0", nullable=False),
        sa.Column("claimed", sa.Boolean(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("used >= 0", name=op.f("ck_ec_coupon_claims_used_not_negative")),
        sa.ForeignKeyConstraint(
            ["coupon_id"], ["ec_coupons.id"], name=op.f("fk_ec_coupon_claims_coupon_id_ec_coupons")
        ),
        sa.PrimaryKeyConstraint("coupon_id", "customer_id", name=op.f("pk_ec_coupon_claims")),
    )
    op.create_index(
        op.f("ix_ec_coupon_claims_customer_id"), "ec_coupon_claims", ["customer_id"], unique=False
    )


def downgrade() -> None:
    # their indexes go with the tables (MariaDB will not drop one a foreign key needs first)
    op.drop_table("ec_coupon_claims")
    op.drop_table("ec_coupon_codes")
    op.drop_table("ec_coupons")
    # the old schema holds percentage promotions only: the others cannot go down with it
    op.execute("DELETE FROM ec_promotions WHERE percent IS NULL")
    with op.batch_alter_table("ec_promotions") as batch:
        batch.drop_constraint(op.f("ck_ec_promotions_within_budget"), type_="check")
        batch.drop_constraint(op.f("ck_ec_promotions_uses_within_limit"), type_="check")
        batch.drop_column("discount_given")
        batch.drop_column("budget_currency")
        batch.drop_column("budget")
        batch.drop_column("used")
        batch.drop_column("usage_limit")
        batch.drop_column("rule")
        batch.alter_column("percent", existing_type=sa.String(length=20), nullable=False)
