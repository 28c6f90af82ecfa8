"""Re-drops (SPEC §2): content that left rejected records retries exactly those."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bridge.config import load_config
from bridge.flows.base import FileContext, FlowResult
from bridge.folders.local import ClaimedFile, LocalInbox
from bridge.ledger import Ledger
from bridge.models.erp import ParsedRecord
from bridge.runtime.pipeline import Pipeline

STOCK_CSV = b"sku;qty\nERP-1;5\nERP-2;0\nERP-3;7.5\n"
DAY = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)


class RejectingFlow:
    """Applies nothing; remembers the keys it saw; rejects the keys it is told to."""

    kind = "stock"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.reject_keys: set[str] = set()

    def apply(self, ctx: FileContext, records: Iterable[ParsedRecord]) -> FlowResult:
        result = FlowResult()
        seen = []
        for rec in records:
            seen.append(rec.key)
            if rec.key in self.reject_keys:
                result.reject(rec, f"The SKU {rec.key} does not exist.")
            else:
                result.applied += 1
        self.calls.append(seen)
        return result


Env = tuple[RejectingFlow, Pipeline, LocalInbox]


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    settings = load_config(
        None, overrides={"folders": {"root": tmp_path, "stable_seconds": 0}}
    )
    ledger = Ledger(settings.ledger_url)
    flow = RejectingFlow()
    pipeline = Pipeline(settings, ledger, {"stock": flow})  # type: ignore[dict-item]
    inbox = LocalInbox(tmp_path, stable_seconds=0)
    inbox.ensure()
    yield flow, pipeline, inbox
    ledger.close()


def _drop(
    inbox: LocalInbox, pipeline: Pipeline, name: str, data: bytes, day: int
) -> ClaimedFile:
    path = inbox.inbox / "stock" / name
    path.write_bytes(data)
    os.utime(path, (1.0e9, 1.0e9))
    [cand] = [c for c in inbox.scan() if c.name == name]
    claimed = inbox.claim(cand, pipeline.work_dir, DAY.replace(day=day))
    assert claimed is not None
    return claimed


def test_redrop_of_partial_content_retries_only_its_rejected_records(env: Env) -> None:
    """Dropping a partly applied file again applies exactly the records it rejected."""
    flow, pipeline, inbox = env
    flow.reject_keys = {"ERP-2"}
    first = pipeline.process(_drop(inbox, pipeline, "s.csv", STOCK_CSV, 1))
    assert first.status == "partial"
    flow.reject_keys = set()
    again = pipeline.process(_drop(inbox, pipeline, "s.csv", STOCK_CSV, 2))
    assert again.status == "done"
    assert flow.calls == [["ERP-1", "ERP-2", "ERP-3"], ["ERP-2"]]
    third = pipeline.process(_drop(inbox, pipeline, "s.csv", STOCK_CSV, 3))
    assert third.status == "duplicate"
    assert len(flow.calls) == 2


def test_still_rejected_records_are_retried_again_on_the_next_drop(env: Env) -> None:
    """A retry that rejects some again leaves just those for the drop after it."""
    flow, pipeline, inbox = env
    flow.reject_keys = {"ERP-1", "ERP-3"}
    pipeline.process(_drop(inbox, pipeline, "s.csv", STOCK_CSV, 1))
    flow.reject_keys = {"ERP-3"}
    second = pipeline.process(_drop(inbox, pipeline, "s.csv", STOCK_CSV, 2))
    assert second.status == "partial"
    flow.reject_keys = set()
    pipeline.process(_drop(inbox, pipeline, "s.csv", STOCK_CSV, 3))
    assert flow.calls == [["ERP-1", "ERP-2", "ERP-3"], ["ERP-1", "ERP-3"], ["ERP-3"]]


def test_byte_identical_rejects_file_of_an_all_rejected_file_is_retried(
    env: Env,
) -> None:
    """When every record was rejected, its rejects file (same bytes) is applied again."""
    flow, pipeline, inbox = env
    data = b"sku;qty\nERP-2;0\n"
    flow.reject_keys = {"ERP-2"}
    first = pipeline.process(_drop(inbox, pipeline, "s.csv", data, 1))
    assert first.rejects_path is not None
    rejects = first.rejects_path.read_bytes()
    assert rejects == data
    flow.reject_keys = set()
    again = pipeline.process(_drop(inbox, pipeline, "fixed.csv", rejects, 2))
    assert again.status == "done"
    assert flow.calls == [["ERP-2"], ["ERP-2"]]
