"""Stock deductions: what MSI took off a source for each shipped delivery, and when.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
# Branches landing at the same time re-chain this at merge.
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the ``stock_deductions`` table."""
    op.create_table(
        "stock_deductions",
        sa.Column("shipment_id", sa.String(length=255), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("qty", sa.String(length=64), nullable=False),
        sa.Column("shipped_at", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shipment_id", "sku", "source"),
    )
    op.create_index(
        "ix_stock_deductions_key", "stock_deductions", ["sku", "source"], unique=False
    )


def downgrade() -> None:
    """Drop the ``stock_deductions`` table."""
    op.drop_index("ix_stock_deductions_key", table_name="stock_deductions")
    op.drop_table("stock_deductions")
