"""The first release's schema (commit 1478415): the base revision.

That release made its tables with ``metadata.create_all`` and had no version table;
a ledger it wrote is recognised by its ``files`` table and stamped with this revision
(``bridge.ledger.migrate``) before the later revisions run. Keep this module as it
is: it describes what is installed, not what the code wants today.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the first release's tables."""
    op.create_table(
        "erp_shipments",
        sa.Column("shipment_id", sa.String(length=255), nullable=False),
        sa.Column("order_number", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("magento_shipment_id", sa.Integer(), nullable=True),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("grand_total", sa.String(length=32), nullable=True),
        sa.Column("shipping_amount", sa.String(length=32), nullable=True),
        sa.Column("fee", sa.String(length=32), nullable=True),
        sa.Column("invoice_amount", sa.String(length=32), nullable=True),
        sa.Column("currency", sa.String(length=8), nullable=True),
        sa.Column("mismatch", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("mismatch_reason", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("ship_file_id", sa.Integer(), nullable=True),
        sa.Column("invoice_file_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invoiced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shipment_id"),
    )
    op.create_index(
        "ix_erp_shipments_order", "erp_shipments", ["order_number"], unique=False
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("flow", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=512), server_default="", nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("work_path", sa.String(length=1024), nullable=True),
        sa.Column("final_path", sa.String(length=1024), nullable=True),
        sa.Column("report_path", sa.String(length=1024), nullable=True),
        sa.Column("records_total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("records_applied", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "records_unchanged", sa.Integer(), server_default="0", nullable=False
        ),
        sa.Column("records_rejected", sa.Integer(), server_default="0", nullable=False),
        sa.Column("records_skipped", sa.Integer(), server_default="0", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("forced", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_files_sha", "files", ["kind", "sha256"], unique=False)
    op.create_index("ix_files_status", "files", ["status"], unique=False)
    op.create_table(
        "kv",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "order_export_failures",
        sa.Column("entity_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("order_number", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("entity_id"),
    )
    op.create_table(
        "order_exports",
        sa.Column("entity_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("order_number", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment_state", sa.String(length=16), nullable=False),
        sa.Column("comment_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("comment_error", sa.Text(), nullable=True),
        sa.Column("commented_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("entity_id"),
    )
    op.create_index(
        "ix_order_exports_comment", "order_exports", ["comment_state"], unique=False
    )
    op.create_index(
        "ix_order_exports_number", "order_exports", ["order_number"], unique=False
    )
    op.create_table(
        "product_state",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sku"),
    )
    op.create_table(
        "remote_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("endpoint", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("remote_path", sa.String(length=1024), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_remote_deliveries_name",
        "remote_deliveries",
        ["endpoint", "name"],
        unique=False,
    )
    op.create_table(
        "remote_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("endpoint", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("local_name", sa.String(length=512), nullable=True),
        sa.Column("files_watermark", sa.Integer(), nullable=True),
        sa.Column("downloaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("archive_path", sa.String(length=1024), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_remote_files_name",
        "remote_files",
        ["endpoint", "kind", "name"],
        unique=False,
    )
    op.create_index("ix_remote_files_status", "remote_files", ["status"], unique=False)
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
    op.create_table(
        "stock_state",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("qty", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.BigInteger(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sku", "source"),
    )
    op.create_table(
        "records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("record_key", sa.String(length=255), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["files.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_records_file", "records", ["file_id", "idx"], unique=False)
    op.create_index("ix_records_key", "records", ["kind", "record_key"], unique=False)


def downgrade() -> None:
    """Drop every table."""
    op.drop_index("ix_records_key", table_name="records")
    op.drop_index("ix_records_file", table_name="records")
    op.drop_table("records")
    op.drop_table("stock_state")
    op.drop_index("ix_staging_key", table_name="staging")
    op.drop_table("staging")
    op.drop_index("ix_remote_files_status", table_name="remote_files")
    op.drop_index("ix_remote_files_name", table_name="remote_files")
    op.drop_table("remote_files")
    op.drop_index("ix_remote_deliveries_name", table_name="remote_deliveries")
    op.drop_table("remote_deliveries")
    op.drop_table("product_state")
    op.drop_index("ix_order_exports_number", table_name="order_exports")
    op.drop_index("ix_order_exports_comment", table_name="order_exports")
    op.drop_table("order_exports")
    op.drop_table("order_export_failures")
    op.drop_table("kv")
    op.drop_index("ix_files_status", table_name="files")
    op.drop_index("ix_files_sha", table_name="files")
    op.drop_table("files")
    op.drop_table("events")
    op.drop_index("ix_erp_shipments_order", table_name="erp_shipments")
    op.drop_table("erp_shipments")
