"""The ledger's shared SQLAlchemy metadata and the core tables (files, records, state).

Each domain store module (``products.py``, ``stock.py``, ``shipments.py``,
``orders.py``) declares its own tables on this same ``metadata`` so that one
``create_all`` builds the whole schema.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["events", "files", "kv", "metadata", "records"]

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
