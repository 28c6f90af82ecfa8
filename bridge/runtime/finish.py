"""How a claimed file ends: the pipeline's decision, carried out by its endpoint.

``Finisher`` turns what the pipeline learnt about a file (applied with or without
rejects, invalid, duplicate, refused, or already decided by the ledger before a
crash) into an ``Outcome`` with its report and rejects writer, asks the endpoint to
complete it (``Folder.complete``), and records the names the endpoint chose in the
ledger *before* the file moves, so a crash in between is finished on restart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

import structlog

from bridge.config import Settings
from bridge.errors import BridgeError, FileIssue
from bridge.flows.base import FlowResult, RecordNote
from bridge.folders.base import (
    ClaimedFile,
    Folder,
    Outcome,
    OutcomeStatus,
    Placement,
)
from bridge.formats import write_rejects
from bridge.ledger import Ledger
from bridge.ledger.files import RecordRow
from bridge.runtime.report import render_report
from bridge.support.calls import CallLog

__all__ = ["FileOutcome", "Finisher"]

log = structlog.get_logger("bridge.pipeline")


@dataclass
class FileOutcome:
    """What became of one file: ``done | partial | failed | duplicate | pending``."""

    name: str
    kind: str
    status: str
    file_id: int | None = None
    final_path: Path | None = None
    report_path: Path | None = None
    rejects_path: Path | None = None
    issues: list[FileIssue] = field(default_factory=list)
    error: str | None = None
    retry_after: float | None = None
    """A pending file's server hint (``Retry-After``) for the next attempt."""
    counts: Mapping[str, int] | None = None
    """The record counts stored with the file (``total``, ``applied`` ...), if known."""


class Finisher:
    """Completes claimed files through their endpoint and records them.

    Args:
        settings: The bridge settings (CSV options of the rejects files).
        ledger: The ledger.
        endpoint: The endpoint that completes the files.
    """

    def __init__(self, settings: Settings, ledger: Ledger, endpoint: Folder) -> None:
        """Bind the finisher to its ledger and endpoint."""
        self.settings = settings
        self.ledger = ledger
        self.endpoint = endpoint

    def refused(
        self, claimed: ClaimedFile, reason: str, received: datetime
    ) -> FileOutcome:
        """Complete an entry that was never read as refused, with its report."""
        report = render_report(
            name=claimed.name,
            kind=claimed.kind,
            received=received,
            sha256=None,
            outcome="failed",
            issues=[FileIssue(claimed.name, None, None, reason)],
        )
        placed = self.endpoint.complete(
            claimed, Outcome("refused", report=report, detail="failed")
        )
        return FileOutcome(
            claimed.name,
            claimed.kind,
            "failed",
            final_path=placed.final_path,
            report_path=placed.report_path,
        )

    def applied(
        self,
        claimed: ClaimedFile,
        file_id: int,
        sha256: str,
        total: int,
        res: FlowResult,
        calls: CallLog | None = None,
    ) -> FileOutcome:
        """Archive an applied file; its rejects and report go to ``failed/``.

        The Magento calls made for it (``calls``), its finished row, its per-record
        outcomes and its event are written in one ledger transaction, before the
        file moves.
        """
        kind, name = claimed.kind, claimed.name
        status = "partial" if res.rejected else "done"
        report: Callable[[Placement], str] | None = None
        notes_for_report = [n for n in res.notes if n.outcome != "applied"]
        if res.rejected or res.warnings or notes_for_report:

            def report(placed: Placement) -> str:
                return render_report(
                    name=name,
                    kind=kind,
                    received=claimed.received,
                    sha256=sha256,
                    outcome=status,
                    total=total,
                    result=res,
                    rejects_path=placed.rejects_path,
                )

        outcome = Outcome(
            "archived",
            report=report,
            rejects=self._rejects_writer(claimed, res) if res.rejected else None,
            detail=status,
        )
        counts = {
            "total": total,
            "applied": res.applied,
            "unchanged": res.unchanged,
            "rejected": len(res.rejected),
            "skipped": res.stale,
        }
        notes = [_row(n) for n in [*res.notes, *res.rejected]]
        event = (
            "warning" if res.rejected else "info",
            kind,
            "file_archived",
            f"{name}: {status}, {res.applied} applied, "
            f"{len(res.rejected)} rejected, {res.unchanged} unchanged, {res.stale} stale",
        )

        def record(placed: Placement) -> None:
            finish = partial(
                self.ledger.files.finish,
                file_id,
                status=status,
                final_path=str(placed.final_path),
                report_path=str(placed.report_path) if placed.report_path else None,
                counts=counts,
                notes=notes,
                kind=kind,
                event=event,
            )
            self._finish_with_calls(claimed, file_id, calls, finish)

        placed = self.endpoint.complete(claimed, outcome, record=record)
        log.info("file_archived", flow=kind, file=name, sha256=sha256, status=status)
        return FileOutcome(
            name,
            kind,
            status,
            file_id,
            placed.final_path,
            placed.report_path,
            placed.rejects_path,
            counts=counts,
        )

    def _finish_with_calls(
        self,
        claimed: ClaimedFile,
        file_id: int,
        calls: CallLog | None,
        finish: Callable[[], None],
    ) -> None:
        """Store the file's Magento calls and finish its row in one transaction.

        The calls are a record of what happened, not state: when the ledger cannot
        take them, the file is finished without them (and a warning says so).
        """
        made, dropped = calls.take() if calls is not None else ([], 0)
        if made or dropped:
            try:
                with self.ledger.transaction():
                    self.ledger.calls.record(file_id, made, dropped)
                    finish()
            except BridgeError as exc:
                log.warning(
                    "file_calls_not_recorded",
                    flow=claimed.kind,
                    file=claimed.name,
                    status=type(exc).__name__,
                )
            else:
                return
        finish()

    def _rejects_writer(
        self, claimed: ClaimedFile, res: FlowResult
    ) -> Callable[[Path], None]:
        def write(dest: Path) -> None:
            write_rejects(
                dest,
                claimed.path,
                claimed.kind,  # type: ignore[arg-type]
                csv=self.settings.folders.csv.for_kind(claimed.kind),
                records=[
                    n.record for n in sorted(res.rejected, key=lambda n: n.record.index)
                ],
            )

        return write

    def invalid(
        self,
        claimed: ClaimedFile,
        file_id: int | None,
        sha256: str | None,
        issues: list[FileIssue],
        total: int,
        *,
        applied_some: bool = False,
    ) -> FileOutcome:
        """Move an invalid file (nothing applied, or stopped) to ``failed/``."""
        kind, name = claimed.kind, claimed.name
        report = render_report(
            name=name,
            kind=kind,
            received=claimed.received,
            sha256=sha256,
            outcome="failed",
            total=total,
            issues=issues,
            applied_some=applied_some,
        )

        def record(placed: Placement) -> None:
            if file_id is not None:
                self.ledger.files.finish(
                    file_id,
                    status="failed",
                    final_path=str(placed.final_path),
                    report_path=str(placed.report_path),
                    counts={"total": total},
                    error=str(issues[0]) if issues else None,
                    kind=kind,
                )

        placed = self.endpoint.complete(
            claimed, Outcome("failed", report=report, detail="failed"), record=record
        )
        first = str(issues[0]) if issues else ""
        self.ledger.files.log_event("error", kind, "file_failed", first)
        log.warning("file_failed", flow=kind, file=name, sha256=sha256, status=first)
        return FileOutcome(
            name,
            kind,
            "failed",
            file_id,
            placed.final_path,
            placed.report_path,
            issues=issues,
        )

    def duplicate(
        self, claimed: ClaimedFile, sha256: str, size: int, original: object
    ) -> FileOutcome:
        """Archive content already applied, without applying it again."""
        file_ids: list[int] = []

        def record(placed: Placement) -> None:
            file_ids.append(
                self.ledger.files.record_duplicate(
                    kind=claimed.kind,
                    name=claimed.name,
                    sha256=sha256,
                    size=size,
                    source="local",
                    received_at=claimed.received,
                    final_path=str(placed.final_path),
                    original=original,  # type: ignore[arg-type]
                )
            )

        placed = self.endpoint.complete(
            claimed, Outcome("duplicate", detail="duplicate"), record=record
        )
        orig_name = getattr(original, "name", "?")
        self.ledger.files.log_event(
            "info",
            claimed.kind,
            "file_duplicate",
            f"{claimed.name}: same content as {orig_name}",
        )
        log.info("file_duplicate", flow=claimed.kind, file=claimed.name, sha256=sha256)
        return FileOutcome(
            claimed.name,
            claimed.kind,
            "duplicate",
            file_ids[0],
            placed.final_path,
            counts={},
        )

    def decided(
        self, claimed: ClaimedFile, status: str, final: str | None, file_id: int
    ) -> FileOutcome:
        """Finish a move the ledger already decided on (crash between the two)."""
        final_path = Path(final) if final else None
        if final_path is not None:
            decided: OutcomeStatus = "failed" if status == "failed" else "archived"
            final_path = self.endpoint.complete(
                claimed, Outcome(decided, detail=status, final_path=final_path)
            ).final_path
        return FileOutcome(claimed.name, claimed.kind, status, file_id, final_path)


def _row(note: RecordNote) -> RecordRow:
    return RecordRow(
        idx=note.record.index,
        line=note.record.line,
        key=note.record.key,
        outcome=note.outcome,
        message=note.message,
    )
