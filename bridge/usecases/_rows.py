"""Ledger rows into views: the one place that knows both shapes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bridge.ledger.files import FileRow, RecordRow
from bridge.ledger.resolutions import Resolution
from bridge.support.calls import CallRecord
from bridge.support.clock import as_utc
from bridge.usecases.views import (
    CallEntry,
    FileEntry,
    RecordEntry,
    RecordHistory,
    ResolutionView,
)

__all__ = ["call_entry", "file_entry", "record_history", "resolution_view"]


def resolution_view(res: Resolution | None) -> ResolutionView | None:
    """The view of a stored resolution."""
    if res is None:
        return None
    return ResolutionView(res.action, res.note, res.who, as_utc(res.at))


def file_entry(
    row: FileRow,
    *,
    resolution: Resolution | None = None,
    records: Iterable[RecordRow] = (),
) -> FileEntry:
    """The view of one ``files`` row, with its resolution and chosen records."""
    return FileEntry(
        id=row.id,
        kind=row.kind,
        name=row.name,
        sha256=row.sha256,
        status=row.status,
        received_at=as_utc(row.received_at),
        records_total=row.records_total,
        records_applied=row.records_applied,
        records_unchanged=row.records_unchanged,
        records_rejected=row.records_rejected,
        records_skipped=row.records_skipped,
        final_path=row.final_path,
        report_path=row.report_path,
        last_error=row.last_error,
        resolution=resolution_view(resolution),
        records=tuple(
            RecordEntry(r.line, r.key, r.outcome, r.message) for r in records
        ),
    )


def record_history(r: Mapping[str, Any]) -> RecordHistory:
    """The view of one row of ``FileStore.history``."""
    return RecordHistory(
        at=as_utc(r["at"]),
        kind=str(r["kind"]),
        outcome=str(r["outcome"]),
        file_name=str(r["name"]),
        file_id=int(r["file_id"]),
        line=r["line"],
        record_key=str(r["record_key"]),
        message=str(r["message"] or ""),
    )


def call_entry(call: CallRecord) -> CallEntry:
    """The view of one stored Magento call."""
    return CallEntry(
        at=as_utc(call.at),
        method=call.method,
        path=call.path,
        status=call.status,
        error=call.error,
        duration_ms=call.duration_ms,
        attempt=call.attempt,
        record_key=call.record_key,
        document_id=call.document_id,
    )
