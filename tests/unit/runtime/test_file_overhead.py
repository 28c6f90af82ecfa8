"""The bookkeeping a file costs the service: transactions, statements, folders (issue 17).

Many one-record files are limited by the work each file costs besides its records. The
pipeline here is wired as ``bridge run`` wires it (leases, telemetry) around a flow
double that applies every record without calling Magento; the ledger (SQLite), the
folders and the metrics are the real ones, and the ledger's engine counts what is run.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bridge.config import Settings, load_config
from bridge.errors import LedgerBusyError
from bridge.flows.base import FileContext, FlowResult
from bridge.folders.local import ClaimedFile, LocalInbox
from bridge.ledger import Ledger
from bridge.ledger.ownership import Ownership
from bridge.models.erp import ParsedRecord
from bridge.runtime.pipeline import Pipeline
from bridge.runtime.telemetry import Telemetry
from bridge.support.calls import CallRecord, current
from bridge.support.clock import utcnow


class CallingFlow:
    """Applies every record and notes one Magento call per file in the call log."""

    kind = "stock"

    def apply(self, ctx: FileContext, records: Iterable[ParsedRecord]) -> FlowResult:
        result = FlowResult()
        for _ in records:
            result.applied += 1
        log = current()
        assert log is not None
        log.add(
            CallRecord(
                at=utcnow(),
                method="POST",
                path="/rest/V1/inventory/source-items",
                status=200,
                error=None,
                duration_ms=1,
                attempt=1,
            )
        )
        return result


@dataclass
class Counter:
    """Statements and commits run on the ledger's engine."""

    statements: list[str] = field(default_factory=list)
    commits: int = 0

    def reset(self) -> None:
        self.statements.clear()
        self.commits = 0


@dataclass
class Wired:
    settings: Settings
    ledger: Ledger
    pipeline: Pipeline
    inbox: LocalInbox
    telemetry: Telemetry
    counter: Counter


@pytest.fixture
def wired(tmp_path: Path) -> Iterator[Wired]:
    """A pipeline with leases and telemetry, as the service wires it."""
    settings = load_config(
        None, overrides={"folders": {"root": tmp_path, "stable_seconds": 0}}
    )
    ledger = Ledger(settings.ledger_url)
    owner = Ownership(ledger.leases, settings.runtime.lease_seconds)
    telemetry = Telemetry(settings, ledger)
    inbox = LocalInbox(tmp_path, stable_seconds=0)
    inbox.ensure()
    pipeline = Pipeline(
        settings,
        ledger,
        {"stock": CallingFlow()},  # type: ignore[dict-item]
        endpoint=inbox,
        ownership=owner,
    )
    pipeline.observe = telemetry.file_outcome
    counter = Counter()

    def statement(*args: Any) -> None:
        counter.statements.append(str(args[2]).split()[0])

    def commit(*_: Any) -> None:
        counter.commits += 1

    sa.event.listen(ledger.engine, "before_cursor_execute", statement)
    sa.event.listen(ledger.engine, "commit", commit)
    yield Wired(settings, ledger, pipeline, inbox, telemetry, counter)
    owner.close()
    telemetry.close()
    ledger.close()


def _claim(w: Wired, name: str, text: str) -> ClaimedFile:
    path = w.inbox.inbox / "stock" / name
    path.write_text(text)
    os.utime(path, (1.0e9, 1.0e9))
    [cand] = [c for c in w.inbox.scan() if c.name == name]
    claimed = w.inbox.claim(cand, w.pipeline.work_dir)
    assert claimed is not None
    return claimed


def _records_metric(w: Wired) -> str:
    text = w.telemetry.metrics.render().decode()
    return "\n".join(line for line in text.splitlines() if "records_total{" in line)


def test_one_record_file_costs_five_transactions(wired: Wired) -> None:
    """Lease, look-up, start, finish with its calls and event, release: five commits."""
    claimed = _claim(wired, "s1.csv", "sku;qty\nA-1;5\n")
    wired.counter.reset()
    outcome = wired.pipeline.process(claimed)
    assert outcome.status == "done"
    assert wired.counter.commits == 5
    # The lease is a single INSERT for a name nobody held; no row is read back for
    # the metrics (the outcome carries its counts).
    assert len(wired.counter.statements) == 10
    assert wired.counter.statements.count("UPDATE") == 1
    row = wired.ledger.files.get(outcome.file_id or 0)
    assert row is not None
    assert row.status == "done"
    assert row.records_applied == 1
    assert wired.ledger.calls.page(row.id).recorded == 1
    [event] = wired.ledger.files.recent_events(1)
    assert event["event"] == "file_archived"
    assert 'kind="stock",outcome="applied"} 1.0' in _records_metric(wired)


def test_file_is_finished_when_its_calls_cannot_be_stored(
    wired: Wired, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ledger that refuses the call rows costs the file's page those rows, not its outcome."""

    def busy(*_: Any, **__: Any) -> None:
        raise LedgerBusyError("ledger busy: database is locked")

    monkeypatch.setattr(wired.ledger.calls, "record", busy)
    outcome = wired.pipeline.process(_claim(wired, "s2.csv", "sku;qty\nA-2;5\n"))
    assert outcome.status == "done"
    monkeypatch.undo()
    row = wired.ledger.files.get(outcome.file_id or 0)
    assert row is not None
    assert row.status == "done"
    assert row.final_path is not None
    assert Path(row.final_path).is_file()
    assert wired.ledger.calls.page(row.id).recorded == 0
    assert wired.ledger.files.recent_events(1)[0]["event"] == "file_archived"


def test_archive_folder_removed_by_hand_is_made_again(wired: Wired) -> None:
    """The day's archive folder is remembered, yet one deleted meanwhile is recreated."""
    first = wired.pipeline.process(_claim(wired, "a.csv", "sku;qty\nA-3;1\n"))
    assert first.final_path is not None
    day = first.final_path.parent
    first.final_path.unlink()
    day.rmdir()
    second = wired.pipeline.process(_claim(wired, "b.csv", "sku;qty\nA-4;2\n"))
    assert second.status == "done"
    assert second.final_path is not None
    assert second.final_path.parent == day
    assert second.final_path.is_file()
    assert oct(day.stat().st_mode & 0o777) == oct(0o750)


def test_transaction_groups_store_calls_and_rolls_them_back_together(
    tmp_path: Path,
) -> None:
    """Inside ``Ledger.transaction`` store calls commit together or not at all."""
    ledger = Ledger(f"sqlite:///{tmp_path}/t.db")
    try:

        def both_then_fail() -> None:
            with ledger.transaction():
                ledger.files.log_event("info", "stock", "first")
                with ledger.transaction():  # nested: joins the outer one
                    ledger.files.log_event("info", "stock", "second")
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            both_then_fail()
        assert ledger.files.recent_events(5) == []
        with ledger.transaction():
            ledger.files.log_event("info", "stock", "third")
            ledger.files.set_value("k", "v")
        assert [e["event"] for e in ledger.files.recent_events(5)] == ["third"]
        assert ledger.files.get_value("k") == "v"
    finally:
        ledger.close()
