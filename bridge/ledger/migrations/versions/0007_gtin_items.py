"""GTIN items: the SKU each GTIN-14 was found under through the EAN attribute.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the ``gtin_items`` table."""
    op.create_table(
        "gtin_items",
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("gtin"),
    )


def downgrade() -> None:
    """Drop the ``gtin_items`` table."""
    op.drop_table("gtin_items")
