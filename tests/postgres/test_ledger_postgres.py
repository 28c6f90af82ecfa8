"""The ledger works the same on PostgreSQL as on SQLite (every domain's tables included)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from bridge.ledger import Ledger
from bridge.ledger._schema import metadata
from bridge.ledger.calls import CallStore
from bridge.ledger.files import RecordRow
from bridge.support.calls import CallRecord
from tests.ledger.test_items import check_answers_older_than_since_are_not_found


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


def test_file_calls_are_stored_capped_and_paged_on_postgres(
    fresh_postgres_url: str,
) -> None:
    """A file's calls go past the cap on PostgreSQL as on SQLite: counted, not stored."""
    ledger = Ledger(fresh_postgres_url)
    try:
        at = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
        fid = ledger.files.start(
            kind="shipments",
            name="s.xml",
            sha256="cd" * 32,
            size=10,
            source="local",
            received_at=at,
            work_path="/w/s.xml",
        )
        calls = [
            CallRecord(at, "POST", f"/rest/V1/order/{i}/ship", 200, None, 5, 1, "D", i)
            for i in range(4)
        ]
        store = CallStore(ledger.db, limit=3)
        store.record(fid, calls[:2])
        store.record(fid, calls[2:], dropped=1)
        page = store.page(fid, offset=1)
        summary = store.summary(fid, limit=2)
    finally:
        ledger.close()
    assert (page.recorded, page.dropped) == (3, 2)
    assert [c.document_id for c in page.calls] == [1, 2]
    assert page.calls[0].at == at
    assert (summary.notable_total, len(summary.notable), summary.failed) == (3, 2, 0)


def test_remembered_gtin_answers_age_on_postgres(fresh_postgres_url: str) -> None:
    """An answer found before ``since`` is not returned on PostgreSQL either."""
    check_answers_older_than_since_are_not_found(fresh_postgres_url)
