"""The inbound file pipeline: claimed file → validated → applied → archived or failed.

A file's life (Camel's vocabulary: read lock, preMove, move, moveFailed):

1. ``LocalInbox.claim`` renamed it into ``var/work/<kind>/<received>_<name>``.
2. It is hashed (sha256, streaming). Identical content already applied → archived as a
   duplicate, nothing applied (unless ``force``).
3. It is validated completely (``formats.validate_file``). Any issue → nothing is
   applied; the file goes to ``failed/<kind>/`` with a ``.report.txt``.
4. The flow applies a fresh stream of its records. Rejected records go to
   ``failed/<kind>/<received>_<name>.rejects.<ext>`` with a report; the file itself is
   archived (it was applied). A ``TransientError`` leaves the file in ``var/work`` and its
   ledger row ``processing``: it is resumed later, from where its flow's ledger says.
5. The pipeline decides the outcome; the endpoint that produced the file carries it
   out (``Folder.complete``: archive or move-failed, report, names, permissions). The
   ledger row is finished *before* the file is moved (the endpoint calls back with the
   names it chose), so a crash in between is completed on restart by moving the file
   where the ledger says it belongs.

Files are never deleted and never overwritten.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import structlog

from bridge.config import Settings
from bridge.errors import FileIssue, PermanentError, TransientError
from bridge.flows.base import ApplyFlow, FileContext, FlowResult, RecordNote
from bridge.folders.base import (
    Candidate,
    ClaimedFile,
    Folder,
    Outcome,
    OutcomeStatus,
    Placement,
)
from bridge.folders.local import LocalInbox
from bridge.formats import RecordReader, validate_file, write_rejects
from bridge.ledger import Ledger
from bridge.ledger.files import RecordRow
from bridge.models.erp import ParsedRecord
from bridge.runtime.report import render_report
from bridge.support.files import sha256_file

__all__ = ["FileOutcome", "Pipeline", "Progress"]

Progress = Callable[[str, Iterable[ParsedRecord], "int | None"], Iterable[ParsedRecord]]

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


class Pipeline:
    """Applies claimed files through their kind's flow.

    Args:
        settings: The bridge settings.
        ledger: The ledger.
        flows: The apply flow per kind.
        now: Clock (S7.6).
        progress: Wraps a file's record stream, e.g. in a progress bar on a
            terminal: ``progress(label, records, total_or_None)``.
        endpoint: The endpoint whose files this pipeline completes (default: the
            local inboxes under ``settings.root``).
    """

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        flows: Mapping[str, ApplyFlow],
        *,
        now: Callable[[], datetime] | None = None,
        progress: Progress | None = None,
        endpoint: Folder | None = None,
    ) -> None:
        self.settings = settings
        self.progress = progress
        self.ledger = ledger
        self.flows = flows
        self.now = now or ledger.now
        root = settings.root
        self.work_dir = root / "var" / "work"
        self.archive_dir = root / "archive"
        self.failed_dir = root / "failed"
        self.endpoint: Folder = endpoint or LocalInbox(
            root,
            stable_seconds=settings.folders.stable_seconds,
            done_suffix=settings.folders.done_suffix,
        )

    # -- entry points ------------------------------------------------------------------
    def refuse(self, cand: Candidate) -> FileOutcome:
        """Claim a non-regular inbox entry (never opened) and complete it as refused."""
        received = self.now()
        claimed = self.endpoint.claim(cand, self.work_dir, received)
        if claimed is None:
            return FileOutcome(cand.name, cand.kind, "gone")
        reason = f"refused: {cand.refused}; inbox entries must be regular files"
        report = render_report(
            name=cand.name,
            kind=cand.kind,
            received=received,
            sha256=None,
            outcome="failed",
            issues=[FileIssue(cand.name, None, None, reason)],
        )
        placed = self.endpoint.complete(
            claimed, Outcome("refused", report=report, detail="failed")
        )
        self.ledger.files.log_event(
            "error", cand.kind, "file_refused", f"{cand.name}: {reason}"
        )
        log.warning("file_refused", flow=cand.kind, file=cand.name, status=cand.refused)
        return FileOutcome(
            cand.name,
            cand.kind,
            "failed",
            final_path=placed.final_path,
            report_path=placed.report_path,
        )

    def process(self, claimed: ClaimedFile, *, force: bool = False) -> FileOutcome:
        """Run one claimed file to its outcome (or leave it pending on a transient error)."""
        row = self.ledger.files.by_work_path(str(claimed.path))
        if row is not None and row.status != "processing":
            return self._complete_move(claimed, row.status, row.final_path, row.id)
        try:
            st = claimed.path.lstat()
        except FileNotFoundError:
            return FileOutcome(claimed.name, claimed.kind, "gone")
        if not stat.S_ISREG(st.st_mode):
            return self._fail_unreadable(
                claimed, "not a regular file (replaced while claimed)"
            )
        limit = self.settings.folders.max_file_mb * 1024 * 1024
        if st.st_size > limit:
            reason = (
                f"file is {st.st_size} bytes, over the limit of "
                f"{self.settings.folders.max_file_mb} MB (folders.max_file_mb)"
            )
            return self._fail_unreadable(claimed, reason)
        try:
            sha256 = sha256_file(claimed.path)
        except OSError as exc:
            return self._fail_unreadable(claimed, f"cannot read: {exc.strerror or exc}")
        if row is None:
            if not force:
                original = self.ledger.files.find_applied(claimed.kind, sha256)
                if original is not None:
                    return self._duplicate(claimed, sha256, st.st_size, original)
            file_id = self.ledger.files.start(
                kind=claimed.kind,
                name=claimed.name,
                sha256=sha256,
                size=st.st_size,
                source="local",
                received_at=claimed.received,
                work_path=str(claimed.path),
                forced=force,
            )
        else:
            file_id, force = row.id, row.forced or force
        return self._validate_and_apply(claimed, file_id, sha256, force)

    # -- steps -------------------------------------------------------------------------
    def _validate_and_apply(
        self, claimed: ClaimedFile, file_id: int, sha256: str, force: bool
    ) -> FileOutcome:
        kind, name = claimed.kind, claimed.name
        csv_opts = self.settings.folders.csv.for_kind(kind)
        bar = self.progress
        result = validate_file(
            claimed.path,
            kind,  # type: ignore[arg-type]
            csv=csv_opts,
            name=name,
            progress=(lambda it: bar(f"checking {name}", it, None)) if bar else None,
        )
        if result.issues:
            return self._finish_invalid(
                claimed, file_id, sha256, result.issues, result.record_count
            )
        ctx = FileContext(
            file_id=file_id,
            kind=kind,  # type: ignore[arg-type]
            name=name,
            sha256=sha256,
            path=claimed.path,
            fmt=result.fmt,
            generated=result.generated,
            mtime=datetime.fromtimestamp(claimed.mtime_ns / 1e9, tz=UTC),
            force=force,
            now=self.now,
        )
        flow = self.flows[kind]
        reader: Iterable[ParsedRecord] = RecordReader(
            claimed.path,
            kind,  # type: ignore[arg-type]
            csv=csv_opts,
            name=name,
        )
        if bar is not None:
            reader = bar(f"applying {name}", reader, result.record_count)
        log.info("file_applying", flow=kind, file=name, sha256=sha256)
        try:
            flow_result = flow.apply(ctx, reader)
        except TransientError as exc:
            attempts = self.ledger.files.attempt_failed(
                file_id, f"{type(exc).__name__}: {exc}"
            )
            log.warning(
                "file_pending",
                flow=kind,
                file=name,
                attempt=attempts,
                status=type(exc).__name__,
            )
            return FileOutcome(
                name,
                kind,
                "pending",
                file_id=file_id,
                error=str(exc),
                retry_after=getattr(exc, "retry_after", None),
            )
        except PermanentError as exc:
            issue = FileIssue(name, None, None, f"{type(exc).__name__}: {exc}")
            return self._finish_invalid(
                claimed,
                file_id,
                sha256,
                [issue],
                result.record_count,
                applied_some=True,
            )
        return self._finish_applied(
            claimed, file_id, sha256, result.record_count, flow_result
        )

    def _finish_applied(
        self,
        claimed: ClaimedFile,
        file_id: int,
        sha256: str,
        total: int,
        res: FlowResult,
    ) -> FileOutcome:
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

        def record(placed: Placement) -> None:
            self.ledger.files.finish(
                file_id,
                status=status,
                final_path=str(placed.final_path),
                report_path=str(placed.report_path) if placed.report_path else None,
                counts=counts,
                notes=notes,
                kind=kind,
            )

        placed = self.endpoint.complete(claimed, outcome, record=record)
        level = "warning" if res.rejected else "info"
        self.ledger.files.log_event(
            level,
            kind,
            "file_archived",
            f"{name}: {status}, {res.applied} applied, "
            f"{len(res.rejected)} rejected, {res.unchanged} unchanged, {res.stale} stale",
        )
        log.info("file_archived", flow=kind, file=name, sha256=sha256, status=status)
        return FileOutcome(
            name,
            kind,
            status,
            file_id,
            placed.final_path,
            placed.report_path,
            placed.rejects_path,
        )

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

    def _finish_invalid(
        self,
        claimed: ClaimedFile,
        file_id: int | None,
        sha256: str | None,
        issues: list[FileIssue],
        total: int,
        *,
        applied_some: bool = False,
    ) -> FileOutcome:
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

    def _fail_unreadable(self, claimed: ClaimedFile, reason: str) -> FileOutcome:
        issue = FileIssue(claimed.name, None, None, reason)
        row = self.ledger.files.by_work_path(str(claimed.path))
        file_id = row.id if row is not None else None
        return self._finish_invalid(claimed, file_id, None, [issue], 0)

    def _duplicate(
        self, claimed: ClaimedFile, sha256: str, size: int, original: object
    ) -> FileOutcome:
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
            claimed.name, claimed.kind, "duplicate", file_ids[0], placed.final_path
        )

    def _complete_move(
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
