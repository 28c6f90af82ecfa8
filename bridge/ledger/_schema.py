"""The ledger's tables, all on one ``metadata``: the truth the migrations follow.

Every table of every store is declared here, so ``metadata`` is complete as soon as
``bridge.ledger`` is imported (nothing is registered lazily). The schema itself is
made and changed by the Alembic revisions in ``migrations/versions/``; a test checks
that the migrated schema equals this ``metadata``. Changing a table here therefore
always comes with a new revision (see ``docs/architecture.md``).
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "erp_shipments",
    "events",
    "file_call_counts",
    "file_calls",
    "files",
    "gtin_items",
    "kv",
    "leases",
    "metadata",
    "order_export_failures",
    "order_exports",
    "product_state",
    "records",
    "remote_deliveries",
    "remote_files",
    "staging",
    "stock_deductions",
    "stock_state",
]

metadata = sa.MetaData()

# One row per received input file (S5.2: keyed by sha256 + folder/kind).
files = sa.Table(
    "files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("name", sa.String(512), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("source", sa.String(512), nullable=False, server_default=""),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    # processing | done | partial | failed | duplicate
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("work_path", sa.String(1024)),
    sa.Column("final_path", sa.String(1024)),
    sa.Column("report_path", sa.String(1024)),
    sa.Column("records_total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("records_applied", sa.Integer, nullable=False, server_default="0"),
    sa.Column("records_unchanged", sa.Integer, nullable=False, server_default="0"),
    sa.Column("records_rejected", sa.Integer, nullable=False, server_default="0"),
    sa.Column("records_skipped", sa.Integer, nullable=False, server_default="0"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
    sa.Column("forced", sa.Boolean, nullable=False, server_default=sa.false()),
)
sa.Index("ix_files_sha", files.c.kind, files.c.sha256)
sa.Index("ix_files_status", files.c.status)

# Per-record outcomes of a file: applied | unchanged | rejected | stale | duplicate.
records = sa.Table(
    "records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=False),
    sa.Column("idx", sa.Integer, nullable=False),
    sa.Column("line", sa.Integer),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("record_key", sa.String(255), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("message", sa.Text),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_records_key", records.c.kind, records.c.record_key)
sa.Index("ix_records_file", records.c.file_id, records.c.idx)

# Service events for `bridge status` (last runs, last errors, endpoint health).
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("level", sa.String(8), nullable=False),
    sa.Column("flow", sa.String(32), nullable=False),
    sa.Column("event", sa.String(64), nullable=False),
    sa.Column("message", sa.Text),
)

# Small named values: cursors, last poll times, endpoint states.
kv = sa.Table(
    "kv",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Per-file staging of records (see staging.py). Neutral: the ledger orders and
# deduplicates rows by their key columns and keeps the payload without reading it.
staging = sa.Table(
    "staging",
    metadata,
    sa.Column("file_id", sa.Integer, primary_key=True),
    # The lane a flow staged the rows in (one file may use several).
    sa.Column("lane", sa.String(16), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("record_key", sa.String(255), nullable=False),
    # The deduplication key: rows with equal (key, subkey) supersede each other.
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("subkey", sa.String(64), nullable=False, server_default=""),
    # Newer as_of wins, then the later idx.
    sa.Column("as_of", sa.BigInteger, nullable=False),
    # An opaque value the flow compares with its state (a qty, a fingerprint).
    sa.Column("value", sa.String(64), nullable=False),
    # Opaque to the ledger: whatever the flow needs back (record, data).
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("superseded", sa.Boolean, nullable=False, server_default=sa.false()),
)
sa.Index(
    "ix_staging_key",
    staging.c.file_id,
    staging.c.lane,
    staging.c.key,
    staging.c.subkey,
    staging.c.as_of,
    staging.c.idx,
)

# Stock state: the last applied qty per SKU and source (see stock.py).
stock_state = sa.Table(
    "stock_state",
    metadata,
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("qty", sa.String(64), nullable=False),
    sa.Column("as_of", sa.BigInteger, nullable=False),
    # Legacy inventory: Magento's stock item id, so it is looked up only once.
    sa.Column("item_id", sa.Integer),
    sa.Column("file_id", sa.Integer),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)

# What Magento's MSI took off a source when it saved a delivery's shipment, with the
# delivery's time (see stock.py): an ERP figure dated before a delivery does not
# reflect it, so the bridge takes the delivery off that figure before comparing.
stock_deductions = sa.Table(
    "stock_deductions",
    metadata,
    sa.Column("shipment_id", sa.String(255), primary_key=True),
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("qty", sa.String(64), nullable=False),
    sa.Column("shipped_at", sa.BigInteger, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_stock_deductions_key", stock_deductions.c.sku, stock_deductions.c.source)

# GTINs resolved to SKUs through the EAN attribute (see items.py; SPEC §7).
gtin_items = sa.Table(
    "gtin_items",
    metadata,
    sa.Column("gtin", sa.String(14), primary_key=True),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
)

# Product state: the core data last applied per SKU (see products.py).
product_state = sa.Table(
    "product_state",
    metadata,
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("fields", sa.Text, nullable=False),
    # created | updated | unchanged: what the last applying file did.
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("file_id", sa.Integer),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)

# Shipment steps per ERP shipment (see shipments.py).
erp_shipments = sa.Table(
    "erp_shipments",
    metadata,
    sa.Column("shipment_id", sa.String(255), primary_key=True),
    sa.Column("order_number", sa.String(64), nullable=False),
    sa.Column("order_id", sa.Integer),
    # pending | shipped | invoiced | rejected
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("magento_shipment_id", sa.Integer),
    sa.Column("invoice_id", sa.Integer),
    sa.Column("grand_total", sa.String(32)),
    sa.Column("shipping_amount", sa.String(32)),
    sa.Column("fee", sa.String(32)),
    sa.Column("invoice_amount", sa.String(32)),
    sa.Column("currency", sa.String(8)),
    sa.Column("mismatch", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("mismatch_reason", sa.Text),
    sa.Column("message", sa.Text),
    sa.Column("file_id", sa.Integer),
    sa.Column("ship_file_id", sa.Integer),
    sa.Column("invoice_file_id", sa.Integer),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("shipped_at", sa.DateTime(timezone=True)),
    sa.Column("invoiced_at", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # The delivery's lines as first applied ("SKU x qty; ..."), to tell a resent
    # delivery note with other lines (a conflict) from a plain repeat.
    sa.Column("lines", sa.Text),
    # ship | invoice: that call ended without a clear answer at uncertain_since;
    # nothing is posted again for it until Magento shows it or settle_seconds pass.
    sa.Column("uncertain", sa.String(16)),
    sa.Column("uncertain_since", sa.DateTime(timezone=True)),
    # Transient failures of this delivery, across runs (runtime.max_record_attempts).
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    # The other version of a delivery note that came back different (a conflict).
    sa.Column("conflict", sa.Text),
)
sa.Index("ix_erp_shipments_order", erp_shipments.c.order_number)

# Order exports and export failures (see orders.py).
order_exports = sa.Table(
    "order_exports",
    metadata,
    sa.Column("entity_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("order_number", sa.String(64), nullable=False),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
    # pending | done | failed (gave up after runtime.max_record_attempts)
    sa.Column("comment_state", sa.String(16), nullable=False),
    sa.Column("comment_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("comment_error", sa.Text),
    sa.Column("commented_at", sa.DateTime(timezone=True)),
)
sa.Index("ix_order_exports_number", order_exports.c.order_number)
sa.Index("ix_order_exports_comment", order_exports.c.comment_state)
order_export_failures = sa.Table(
    "order_export_failures",
    metadata,
    sa.Column("entity_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("order_number", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
)

# Remote endpoint state: SFTP inbox files and deliveries (see remote.py).
remote_files = sa.Table(
    "remote_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("endpoint", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("name", sa.String(512), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("mtime", sa.BigInteger, nullable=False),
    # seen | downloaded | archived | deleted | refused | superseded
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sha256", sa.String(64)),
    sa.Column("local_name", sa.String(512)),
    sa.Column("files_watermark", sa.Integer),
    sa.Column("downloaded_at", sa.DateTime(timezone=True)),
    sa.Column("outcome", sa.String(16)),
    sa.Column("archive_path", sa.String(1024)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("message", sa.Text),
)
sa.Index(
    "ix_remote_files_name",
    remote_files.c.endpoint,
    remote_files.c.kind,
    remote_files.c.name,
)
sa.Index("ix_remote_files_status", remote_files.c.status)
remote_deliveries = sa.Table(
    "remote_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("endpoint", sa.String(64), nullable=False),
    sa.Column("name", sa.String(512), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("mtime_ns", sa.BigInteger, nullable=False),
    sa.Column("remote_path", sa.String(1024), nullable=False),
    sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index(
    "ix_remote_deliveries_name", remote_deliveries.c.endpoint, remote_deliveries.c.name
)

# Leases: one owner at a time for a claimed file, an ERP shipment or the order export
# (see leases.py). ``owner`` is ``host:pid:random``; a lease past ``expires_at`` may
# be taken over (its owner died or stopped renewing).
leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(512), primary_key=True),
    sa.Column("owner", sa.String(128), nullable=False),
    sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

# The Magento calls made while a file was processed (see calls.py): one row per HTTP
# exchange, never a body, header or token; at most CALLS_PER_FILE rows per file.
file_calls = sa.Table(
    "file_calls",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=False),
    # Order within the file, across the attempts of a pending file.
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("record_key", sa.String(255)),
    sa.Column("method", sa.String(8), nullable=False),
    sa.Column("path", sa.String(512), nullable=False),
    # Magento's HTTP status; NULL when no answer came (see error).
    sa.Column("status", sa.Integer),
    # The transport error's or the bridge error's class name; NULL on success.
    sa.Column("error", sa.String(64)),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    # The document a POST created (shipment, invoice, product entity id).
    sa.Column("document_id", sa.BigInteger),
)
sa.Index("ix_file_calls_file", file_calls.c.file_id, file_calls.c.seq)

# Per file: how many calls are stored and how many more were made but not stored.
file_call_counts = sa.Table(
    "file_call_counts",
    metadata,
    sa.Column(
        "file_id",
        sa.Integer,
        sa.ForeignKey("files.id"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("recorded", sa.Integer, nullable=False, server_default="0"),
    sa.Column("dropped", sa.Integer, nullable=False, server_default="0"),
)
