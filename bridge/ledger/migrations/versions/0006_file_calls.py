"""File calls: the Magento calls made while a file was processed, bounded per file.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
# Branches landing at the same time re-chain this at merge.
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the ``file_calls`` and ``file_call_counts`` tables."""
    op.create_table(
        "file_calls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_key", sa.String(length=255), nullable=True),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=64), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_file_calls_file", "file_calls", ["file_id", "seq"], unique=False
    )
    op.create_table(
        "file_call_counts",
        sa.Column("file_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("recorded", sa.Integer(), server_default="0", nullable=False),
        sa.Column("dropped", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"]),
        sa.PrimaryKeyConstraint("file_id"),
    )


def downgrade() -> None:
    """Drop the ``file_calls`` and ``file_call_counts`` tables."""
    op.drop_table("file_call_counts")
    op.drop_index("ix_file_calls_file", table_name="file_calls")
    op.drop_table("file_calls")
