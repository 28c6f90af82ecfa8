"""ERP shipments remember uncertain calls, attempts, their lines and conflicts.

A ship or invoice call that ended without a clear answer is recorded (``uncertain``,
``uncertain_since``) so nothing is posted again for it until Magento shows the
document or ``shipments.settle_seconds`` have passed; ``attempts`` counts transient
failures across runs (``runtime.max_record_attempts``); ``lines`` keeps the lines as
first applied and ``conflict`` the other version of a delivery note that came back
different. Existing rows get empty values: nothing to convert.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns to ``erp_shipments``."""
    with op.batch_alter_table("erp_shipments") as batch:
        batch.add_column(sa.Column("lines", sa.Text(), nullable=True))
        batch.add_column(sa.Column("uncertain", sa.String(length=16), nullable=True))
        batch.add_column(
            sa.Column("uncertain_since", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("conflict", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("erp_shipments") as batch:
        for name in ("conflict", "attempts", "uncertain_since", "uncertain", "lines"):
            batch.drop_column(name)
