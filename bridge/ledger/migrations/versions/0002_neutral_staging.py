"""Staging gets a neutral shape: key columns and an opaque payload.

The first release's staging table had domain columns (``sku``, ``source``,
``model_type``, ``raw_rows`` ...). Staged rows live only while a file is being
applied and a resumed file is staged again from scratch, so the table is dropped and
made anew rather than converted.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Replace the staging table with its neutral shape."""
    op.drop_index("ix_staging_key", table_name="staging")
    op.drop_table("staging")
    op.create_table(
        "staging",
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("lane", sa.String(length=16), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("subkey", sa.String(length=64), server_default="", nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column(
            "superseded", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
        sa.PrimaryKeyConstraint("file_id", "lane", "idx"),
    )
    op.create_index(
        "ix_staging_key",
        "staging",
        ["file_id", "lane", "key", "subkey", "as_of", "idx"],
        unique=False,
    )


def downgrade() -> None:
    """Put the first release's staging table back (empty)."""
    op.drop_index("ix_staging_key", table_name="staging")
    op.drop_table("staging")
    op.create_table(
        "staging",
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=255), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), server_default="", nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("model_type", sa.String(length=32), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("raw_bytes", sa.LargeBinary(), nullable=True),
        sa.Column("raw_rows", sa.Text(), nullable=True),
        sa.Column(
            "superseded", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
        sa.PrimaryKeyConstraint("file_id", "kind", "idx"),
    )
    op.create_index(
        "ix_staging_key",
        "staging",
        ["file_id", "kind", "sku", "source", "as_of", "idx"],
        unique=False,
    )
