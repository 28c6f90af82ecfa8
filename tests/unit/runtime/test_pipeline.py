"""The inbound pipeline: outcomes, reports, duplicates, resume; with a recording flow.

The flow here is a test double at the flow seam (the pipeline's only collaborator that
is not real); formats, ledger and folders are the real ones on tmp_path.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bridge.config import Settings, load_config
from bridge.errors import MagentoUnavailableError
from bridge.flows.base import FileContext, FlowResult
from bridge.folders.local import ClaimedFile, LocalInbox
from bridge.ledger import Ledger
from bridge.models.erp import ParsedRecord
from bridge.runtime.pipeline import Pipeline

RECEIVED = datetime(2026, 11, 26, 10, 30, 0, 5, tzinfo=UTC)

#: What the ``env`` fixture yields.
Env = tuple[Settings, Ledger, "RecordingFlow", Pipeline, LocalInbox]

STOCK_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<stock generated="2026-11-26T10:00:00Z">
  <item><sku>ERP-1</sku><qty>5</qty></item>
  <item><sku>ERP-2</sku><qty>0</qty></item>
  <item><sku>ERP-3</sku><qty>7.5</qty></item>
</stock>
"""
STOCK_CSV = "sku;qty\nERP-1;5\nERP-2;0\nERP-3;7.5\n"


class RecordingFlow:
    """Applies nothing; remembers what it saw; rejects or fails on request."""

    kind = "stock"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.reject_keys: set[str] = set()
        self.transient_left = 0
        self.contexts: list[FileContext] = []

    def apply(self, ctx: FileContext, records: Iterable[ParsedRecord]) -> FlowResult:
        self.contexts.append(ctx)
        result = FlowResult()
        seen = []
        for rec in records:
            seen.append(rec.key)
            if rec.key in self.reject_keys:
                result.reject(rec, f"The SKU {rec.key} does not exist.")
            else:
                result.applied += 1
        self.calls.append(seen)
        if self.transient_left:
            self.transient_left -= 1
            raise MagentoUnavailableError("503 Service Unavailable", status_code=503)
        return result


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    settings = load_config(
        None, overrides={"folders": {"root": tmp_path, "stable_seconds": 0}}
    )
    ledger = Ledger(settings.ledger_url)
    flow = RecordingFlow()
    pipeline = Pipeline(settings, ledger, {"stock": flow})  # type: ignore[dict-item]
    inbox = LocalInbox(tmp_path, stable_seconds=0)
    inbox.ensure()
    yield settings, ledger, flow, pipeline, inbox
    ledger.close()


def _drop_and_claim(
    inbox: LocalInbox,
    pipeline: Pipeline,
    name: str,
    data: bytes,
    when: datetime = RECEIVED,
) -> ClaimedFile:
    path = inbox.inbox / "stock" / name
    path.write_bytes(data)
    os.utime(path, (1.0e9, 1.0e9))
    [cand] = [c for c in inbox.scan() if c.name == name]
    claimed = inbox.claim(cand, pipeline.work_dir, when)
    assert claimed is not None
    return claimed


def test_valid_file_is_applied_and_archived(env: Env) -> None:
    """A valid file is applied once and archived under archive/<kind>/YYYY/MM/DD/."""
    settings, ledger, flow, pipeline, inbox = env
    out = pipeline.process(_drop_and_claim(inbox, pipeline, "s.xml", STOCK_XML))
    assert out.status == "done"
    assert flow.calls == [["ERP-1", "ERP-2", "ERP-3"]]
    assert out.final_path is not None
    assert (
        out.final_path.parent
        == settings.root / "archive" / "stock" / "2026" / "11" / "26"
    )
    assert out.final_path.name.endswith("_s.xml")
    assert out.final_path.read_bytes() == STOCK_XML
    assert stat.S_IMODE(out.final_path.stat().st_mode) == 0o640
    assert out.file_id is not None
    row = ledger.files.get(out.file_id)
    assert row is not None
    assert row.status == "done"
    assert row.records_applied == 3
    assert not any(pipeline.work_dir.joinpath("stock").iterdir())


def test_ctx_carries_generated_and_format(env: Env) -> None:
    """The flow learns the file's format and the XML root's generated time."""
    _settings, _ledger, flow, pipeline, inbox = env
    pipeline.process(_drop_and_claim(inbox, pipeline, "s.xml", STOCK_XML))
    ctx = flow.contexts[0]
    assert ctx.fmt == "xml"
    assert ctx.generated == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "data", "expect"),
    [
        ("bad.xml", b"<stock><item><sku>A</sku><qty>1</qty></item>\n<item>", "line"),
        (
            "neg.xml",
            b"<stock>\n<item><sku>A</sku><qty>-5</qty></item>\n</stock>",
            "qty",
        ),
        (
            "xxe.xml",
            b'<?xml version="1.0"?>\n<!DOCTYPE stock [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            b"<stock><item><sku>&x;</sku><qty>1</qty></item></stock>",
            "DOCTYPE",
        ),
        (
            "bomb.xml",
            b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
            b"<stock><item><sku>&lol2;</sku><qty>1</qty></item></stock>",
            "DOCTYPE",
        ),
        ("empty.csv", b"", "empty"),
        ("binary.csv", b"\x00\x01\x02PK\x03\x04\x00\x00", ""),
        ("cp1252.csv", "sku,qty\nERP-1,5\nKÖK-2,1\n".encode("cp1252"), "line 3"),
    ],
)
def test_invalid_files_fail_with_report_and_nothing_applied(
    env: Env, name: str, data: bytes, expect: str
) -> None:
    """Malformed, invalid, XXE, entity-bomb, empty, binary and mis-encoded files fail whole."""
    settings, ledger, flow, pipeline, inbox = env
    out = pipeline.process(_drop_and_claim(inbox, pipeline, name, data))
    assert out.status == "failed"
    assert flow.calls == []
    assert out.final_path is not None
    assert out.final_path.parent == settings.root / "failed" / "stock"
    assert out.final_path.read_bytes() == data
    assert out.report_path is not None
    report = out.report_path.read_text()
    assert name in report
    assert "Nothing from this file was applied" in report
    if expect == "line 3":
        assert f"{name}:3" in report
    elif expect:
        assert expect in report
    assert out.file_id is not None
    row = ledger.files.get(out.file_id)
    assert row is not None
    assert row.status == "failed"


def test_same_content_is_applied_once_unless_forced(env: Env) -> None:
    """Identical content dropped again is archived as a duplicate; --force re-applies."""
    _settings, _ledger, flow, pipeline, inbox = env
    first = pipeline.process(_drop_and_claim(inbox, pipeline, "a.xml", STOCK_XML))
    later = datetime(2026, 11, 27, tzinfo=UTC)
    dup = pipeline.process(_drop_and_claim(inbox, pipeline, "b.xml", STOCK_XML, later))
    assert (first.status, dup.status) == ("done", "duplicate")
    assert len(flow.calls) == 1
    assert dup.final_path is not None
    assert dup.final_path.exists()
    forced = pipeline.process(
        _drop_and_claim(inbox, pipeline, "a.xml", STOCK_XML, later), force=True
    )
    assert forced.status == "done"
    assert len(flow.calls) == 2
    assert flow.contexts[-1].force is True


def test_rejected_records_go_to_a_rejects_file_in_the_input_format(env: Env) -> None:
    """A partly applied file is archived; its rejected rows go to failed/ as CSV + report."""
    settings, _ledger, flow, pipeline, inbox = env
    flow.reject_keys = {"ERP-2"}
    out = pipeline.process(
        _drop_and_claim(inbox, pipeline, "s.csv", STOCK_CSV.encode())
    )
    assert out.status == "partial"
    assert out.final_path is not None
    assert "archive" in out.final_path.parts
    assert out.rejects_path is not None
    assert out.rejects_path.parent == settings.root / "failed" / "stock"
    assert out.rejects_path.name.endswith("_s.csv.rejects.csv")
    assert out.rejects_path.read_text().splitlines() == ["sku;qty", "ERP-2;0"]
    assert out.report_path is not None
    report = out.report_path.read_text()
    assert "s.csv:3: ERP-2: The SKU ERP-2 does not exist." in report


def test_transient_error_leaves_file_pending_then_resumes(env: Env) -> None:
    """Magento down: the file stays in var/work, then completes on the next attempt."""
    _settings, ledger, flow, pipeline, inbox = env
    flow.transient_left = 1
    claimed = _drop_and_claim(inbox, pipeline, "s.xml", STOCK_XML)
    out = pipeline.process(claimed)
    assert out.status == "pending"
    assert claimed.path.exists()
    assert out.file_id is not None
    row = ledger.files.get(out.file_id)
    assert row is not None
    assert row.status == "processing"
    assert row.attempts == 1
    [left] = inbox.work_files(pipeline.work_dir)
    again = pipeline.process(left)
    assert again.status == "done"
    assert again.file_id == out.file_id
    assert len(ledger.files.recent()) == 1


def test_crash_after_ledger_finish_completes_the_move(env: Env) -> None:
    """If the process died after the ledger decided but before the move, restart moves it."""
    _settings, ledger, _flow, pipeline, inbox = env
    claimed = _drop_and_claim(inbox, pipeline, "s.xml", STOCK_XML)
    file_id = ledger.files.start(
        kind="stock",
        name="s.xml",
        sha256="x",
        size=1,
        source="local",
        received_at=RECEIVED,
        work_path=str(claimed.path),
    )
    target = pipeline.archive_dir / "stock" / "planned_s.xml"
    ledger.files.finish(
        file_id, status="done", final_path=str(target), report_path=None
    )
    [left] = inbox.work_files(pipeline.work_dir)
    out = pipeline.process(left)
    assert out.status == "done"
    assert target.read_bytes() == STOCK_XML


def test_symlink_is_refused_and_its_target_untouched(env: Env, tmp_path: Path) -> None:
    """A symlink in an inbox goes to failed/ as a link with a report; the target stays."""
    _settings, _ledger, flow, pipeline, inbox = env
    target = tmp_path / "outside.xml"
    target.write_bytes(STOCK_XML)
    (inbox.inbox / "stock" / "evil.xml").symlink_to(target)
    [cand] = inbox.scan()
    out = pipeline.refuse(cand)
    assert out.status == "failed"
    assert flow.calls == []
    assert out.final_path is not None
    assert out.final_path.is_symlink()
    assert out.report_path is not None
    assert "symbolic link" in out.report_path.read_text()
    assert target.read_bytes() == STOCK_XML


def test_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    """A file larger than folders.max_file_mb fails without being parsed."""
    settings = load_config(
        None, overrides={"folders": {"root": tmp_path, "max_file_mb": 1}}
    )
    ledger = Ledger(settings.ledger_url)
    flow = RecordingFlow()
    pipeline = Pipeline(settings, ledger, {"stock": flow})  # type: ignore[dict-item]
    inbox = LocalInbox(tmp_path, stable_seconds=0)
    inbox.ensure()
    big = inbox.inbox / "stock" / "big.csv"
    with big.open("wb") as fh:
        fh.truncate(2 * 1024 * 1024)  # sparse: no disk used
    [cand] = inbox.scan()
    claimed = inbox.claim(cand, pipeline.work_dir, RECEIVED)
    assert claimed is not None
    out = pipeline.process(claimed)
    assert out.status == "failed"
    assert flow.calls == []
    assert out.report_path is not None
    assert "folders.max_file_mb" in out.report_path.read_text()
    ledger.close()
