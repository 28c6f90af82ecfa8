"""The calls table: revision 0006 on an old ledger, bounded storage, pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from bridge.ledger import Ledger
from bridge.ledger.calls import CallStore
from bridge.ledger.migrate import alembic_config, head
from bridge.support.calls import CallRecord
from tests.ledger._release1 import release1_copy

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _call(n: int, status: int | None = 200, error: str | None = None) -> CallRecord:
    return CallRecord(
        at=T0 + timedelta(seconds=n),
        method="POST",
        path=f"/rest/V1/order/{n}/ship",
        status=status,
        error=error,
        duration_ms=12,
        attempt=1,
        record_key=f"DN-{n}",
        document_id=1000 + n,
    )


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_first_release_ledger_takes_calls_for_its_old_files(tmp_path: Path) -> None:
    """After the upgrade, a file the first release recorded gets calls stored and read."""
    url = f"sqlite:///{release1_copy(tmp_path)}"
    assert "file_calls" not in _tables(url)
    ledger = Ledger(url)
    try:
        assert ledger.schema_revision() == head()
        with ledger.begin() as conn:
            file_id = conn.execute(sa.text("SELECT min(id) FROM files")).scalar_one()
        assert ledger.calls.page(file_id).recorded == 0
        ledger.calls.record(
            file_id, [_call(1), _call(2, status=None, error="ReadTimeout")]
        )
        page = ledger.calls.page(file_id)
    finally:
        ledger.close()
    assert page.recorded == 2
    assert page.dropped == 0
    assert [(c.path, c.status, c.error) for c in page.calls] == [
        ("/rest/V1/order/1/ship", 200, None),
        ("/rest/V1/order/2/ship", None, "ReadTimeout"),
    ]
    assert page.calls[0].at == T0 + timedelta(seconds=1)
    assert page.calls[0].document_id == 1001
    assert page.calls[0].record_key == "DN-1"


def test_revision_0006_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    """Downgrading to 0005 drops both call tables; upgrading brings them back empty."""
    url = f"sqlite:///{tmp_path}/calls.db"
    Ledger(url).close()
    assert {"file_calls", "file_call_counts"} <= _tables(url)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0005")
        assert not {"file_calls", "file_call_counts"} & _tables(url)
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
    finally:
        engine.dispose()
    assert {"file_calls", "file_call_counts"} <= _tables(url)


def test_calls_over_the_cap_are_counted_not_stored(tmp_path: Path) -> None:
    """Across attempts a file stores at most the cap; the rest is counted as dropped."""
    ledger = Ledger(f"sqlite:///{tmp_path}/cap.db")
    try:
        file_id = ledger.files.start(
            kind="shipments",
            name="s.xml",
            sha256="a" * 64,
            size=1,
            source="local",
            received_at=T0,
            work_path=str(tmp_path / "s.xml"),
        )
        store = CallStore(ledger.db, limit=3)
        store.record(file_id, [_call(1), _call(2)])
        store.record(file_id, [_call(3), _call(4)], dropped=5)
        page = store.page(file_id)
        second = store.page(file_id, offset=1, limit=1)
    finally:
        ledger.close()
    assert page.recorded == 3
    assert page.dropped == 1 + 5
    assert [c.record_key for c in page.calls] == ["DN-1", "DN-2", "DN-3"]
    assert [c.record_key for c in second.calls] == ["DN-2"]
    assert second.offset == 1
