"""The ledger works the same on PostgreSQL as on SQLite (every domain's tables included)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from bridge.ledger import Ledger
from bridge.ledger._schema import metadata
from bridge.ledger.files import RecordRow


def test_schema_and_file_lifecycle_on_postgres(postgres_url: str) -> None:
    """All tables are created; a file goes processing → done with its records."""
    ledger = Ledger(postgres_url)
    try:
        names = set(sa.inspect(ledger.engine).get_table_names())
        assert set(metadata.tables) <= names
        received = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
        fid = ledger.files.start(
            kind="stock",
            name="s.csv",
            sha256="ab" * 32,
            size=10,
            source="local",
            received_at=received,
            work_path="/w/s.csv",
        )
        assert [r.id for r in ledger.files.processing()] == [fid]
        ledger.files.finish(
            fid,
            status="partial",
            final_path="/a/s.csv",
            report_path=None,
            counts={"total": 2, "applied": 1, "rejected": 1},
            kind="stock",
            notes=[RecordRow(1, 3, "ERP-2@default", "rejected", "unknown SKU")],
        )
        applied = ledger.files.find_applied("stock", "ab" * 32)
        assert applied is not None
        assert applied.id == fid
        [hist] = ledger.files.history("ERP-2", ["stock"])
        assert hist["outcome"] == "rejected"
        assert hist["name"] == "s.csv"
        ledger.files.set_value("cursor", "1")
        ledger.files.set_value("cursor", "2")
        assert ledger.files.get_value("cursor") == "2"
    finally:
        with ledger.engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
        ledger.close()
