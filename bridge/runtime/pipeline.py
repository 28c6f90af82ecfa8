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
5. The ledger row is finished *before* the file is moved, so a crash in between is
   completed on restart by moving the file where the ledger says it belongs.

Files are never deleted and never overwritten.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import structlog

from bridge.config import Settings
from bridge.errors import FileIssue, PermanentError, TransientError
from bridge.flows.base import ApplyFlow, FileContext, FlowResult, RecordNote
from bridge.folders.local import Candidate, ClaimedFile, received_stamp
from bridge.formats import RecordReader, validate_file, write_rejects
from bridge.ledger import Ledger
from bridge.ledger.files import RecordRow
from bridge.models.erp import ParsedRecord
from bridge.runtime.report import render_report

__all__ = ["FileOutcome", "Pipeline", "Progress"]

Progress = Callable[[str, Iterable[ParsedRecord], "int | None"], Iterable[ParsedRecord]]

log = structlog.get_logger("bridge.pipeline")

_HASH_CHUNK = 1 << 20


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


def _private_mode(path: Path) -> None:
    """Archive and failed files are readable by the owner (and group) only."""
    try:
        if path.is_symlink():
            return
        path.chmod(0o640 if path.is_file() else 0o750)
    except OSError:
        pass


def _private_folders(folder: Path) -> None:
    """Restrict ``folder`` and its parents up to ``archive/`` or ``failed/`` (0o750).

    Folders are created with the process umask; without this, ``archive/`` and its
    ``<kind>/YYYY/MM`` levels would list quarantined file names to every local user.
    """
    chain = [folder, *list(folder.parents)[:4]]
    tops = [i for i, level in enumerate(chain) if level.name in ("archive", "failed")]
    if tops:
        for level in chain[: tops[0] + 1]:
            _private_mode(level)


class Pipeline:
    """Applies claimed files through their kind's flow.

    Args:
        settings: The bridge settings.
        ledger: The ledger.
        flows: The apply flow per kind.
        now: Clock (S7.6).
        progress: Wraps a file's record stream, e.g. in a progress bar on a
            terminal: ``progress(label, records, total_or_None)``.
    """

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        flows: Mapping[str, ApplyFlow],
        *,
        now: Callable[[], datetime] | None = None,
        progress: Progress | None = None,
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

    # -- paths -----------------------------------------------------------------------
    def _archive_path(self, kind: str, received: datetime, name: str) -> Path:
        day = received.astimezone(UTC)
        folder = self.archive_dir / kind / f"{day:%Y}" / f"{day:%m}" / f"{day:%d}"
        return _unique(folder / f"{received_stamp(received)}_{name}")

    def _failed_path(self, kind: str, received: datetime, name: str) -> Path:
        return _unique(self.failed_dir / kind / f"{received_stamp(received)}_{name}")

    # -- entry points ------------------------------------------------------------------
    def refuse(self, cand: Candidate) -> FileOutcome:
        """Move a non-regular inbox entry (never opened) to ``failed/`` with a report."""
        received = self.now()
        dest = self._failed_path(cand.kind, received, cand.name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        reason = f"refused: {cand.refused}; inbox entries must be regular files"
        try:
            cand.path.rename(dest)
        except FileNotFoundError:
            return FileOutcome(cand.name, cand.kind, "gone")
        report = _write_text(
            dest.with_name(dest.name + ".report.txt"),
            render_report(
                name=cand.name,
                kind=cand.kind,
                received=received,
                sha256=None,
                outcome="failed",
                issues=[FileIssue(cand.name, None, None, reason)],
            ),
        )
        self.ledger.files.log_event(
            "error", cand.kind, "file_refused", f"{cand.name}: {reason}"
        )
        log.warning("file_refused", flow=cand.kind, file=cand.name, status=cand.refused)
        return FileOutcome(
            cand.name, cand.kind, "failed", final_path=dest, report_path=report
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
            sha256 = _sha256_nofollow(claimed.path)
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
            return FileOutcome(name, kind, "pending", file_id=file_id, error=str(exc))
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
        final = self._archive_path(kind, claimed.received, name)
        report_path: Path | None = None
        rejects_path: Path | None = None
        failed_base = self._failed_path(kind, claimed.received, name)
        if res.rejected:
            ext = claimed.path.suffix or ".txt"
            rejects_path = failed_base.with_name(failed_base.name + f".rejects{ext}")
            if not rejects_path.exists():
                rejects_path.parent.mkdir(parents=True, exist_ok=True)
                write_rejects(
                    rejects_path,
                    claimed.path,
                    kind,  # type: ignore[arg-type]
                    csv=self.settings.folders.csv.for_kind(kind),
                    records=[
                        n.record
                        for n in sorted(res.rejected, key=lambda n: n.record.index)
                    ],
                )
                _private_mode(rejects_path)
        notes_for_report = [n for n in res.notes if n.outcome != "applied"]
        if res.rejected or res.warnings or notes_for_report:
            target = failed_base if res.rejected else final
            report_path = _write_text(
                target.with_name(target.name + ".report.txt"),
                render_report(
                    name=name,
                    kind=kind,
                    received=claimed.received,
                    sha256=sha256,
                    outcome=status,
                    total=total,
                    result=res,
                    rejects_path=rejects_path,
                ),
            )
        counts = {
            "total": total,
            "applied": res.applied,
            "unchanged": res.unchanged,
            "rejected": len(res.rejected),
            "skipped": res.stale,
        }
        notes = [_row(n) for n in [*res.notes, *res.rejected]]
        self.ledger.files.finish(
            file_id,
            status=status,
            final_path=str(final),
            report_path=str(report_path) if report_path else None,
            counts=counts,
            notes=notes,
            kind=kind,
        )
        self._move(claimed, final)
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
            name, kind, status, file_id, final, report_path, rejects_path
        )

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
        dest = self._failed_path(kind, claimed.received, name)
        report = _write_text(
            dest.with_name(dest.name + ".report.txt"),
            render_report(
                name=name,
                kind=kind,
                received=claimed.received,
                sha256=sha256,
                outcome="failed",
                total=total,
                issues=issues,
                applied_some=applied_some,
            ),
        )
        if file_id is not None:
            self.ledger.files.finish(
                file_id,
                status="failed",
                final_path=str(dest),
                report_path=str(report),
                counts={"total": total},
                error=str(issues[0]) if issues else None,
                kind=kind,
            )
        self._move(claimed, dest)
        first = str(issues[0]) if issues else ""
        self.ledger.files.log_event("error", kind, "file_failed", first)
        log.warning("file_failed", flow=kind, file=name, sha256=sha256, status=first)
        return FileOutcome(name, kind, "failed", file_id, dest, report, issues=issues)

    def _fail_unreadable(self, claimed: ClaimedFile, reason: str) -> FileOutcome:
        issue = FileIssue(claimed.name, None, None, reason)
        row = self.ledger.files.by_work_path(str(claimed.path))
        file_id = row.id if row is not None else None
        return self._finish_invalid(claimed, file_id, None, [issue], 0)

    def _duplicate(
        self, claimed: ClaimedFile, sha256: str, size: int, original: object
    ) -> FileOutcome:
        final = self._archive_path(claimed.kind, claimed.received, claimed.name)
        file_id = self.ledger.files.record_duplicate(
            kind=claimed.kind,
            name=claimed.name,
            sha256=sha256,
            size=size,
            source="local",
            received_at=claimed.received,
            final_path=str(final),
            original=original,  # type: ignore[arg-type]
        )
        self._move(claimed, final)
        orig_name = getattr(original, "name", "?")
        self.ledger.files.log_event(
            "info",
            claimed.kind,
            "file_duplicate",
            f"{claimed.name}: same content as {orig_name}",
        )
        log.info("file_duplicate", flow=claimed.kind, file=claimed.name, sha256=sha256)
        return FileOutcome(claimed.name, claimed.kind, "duplicate", file_id, final)

    def _complete_move(
        self, claimed: ClaimedFile, status: str, final: str | None, file_id: int
    ) -> FileOutcome:
        """Finish a move the ledger already decided on (crash between the two)."""
        if final is not None and claimed.path.exists():
            self._move(claimed, Path(final))
        return FileOutcome(
            claimed.name, claimed.kind, status, file_id, Path(final) if final else None
        )

    def _move(self, claimed: ClaimedFile, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        _private_folders(dest.parent)
        if dest.exists():  # never overwrite: the ledger's name was taken meanwhile
            dest = _unique(dest)
        claimed.path.rename(dest)
        _private_mode(dest)
        if claimed.done_path is not None and claimed.done_path.exists():
            done_dest = _unique(dest.with_name(dest.name + claimed.done_path.suffix))
            claimed.done_path.rename(done_dest)


def _row(note: RecordNote) -> RecordRow:
    return RecordRow(
        idx=note.record.index,
        line=note.record.line,
        key=note.record.key,
        outcome=note.outcome,
        message=note.message,
    )


def _unique(path: Path) -> Path:
    """``path`` if free, else ``path~1``, ``path~2`` ... (files are never overwritten)."""
    if not path.exists() and not path.is_symlink():
        return path
    n = 1
    while True:
        candidate = path.with_name(f"{path.name}~{n}")
        if not candidate.exists() and not candidate.is_symlink():
            return candidate
        n += 1


def _sha256_nofollow(path: Path) -> str:
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write_text(path: Path, text: str) -> Path:
    """Write a report atomically (temp + rename) with private permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _private_folders(path.parent)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    _private_mode(path)
    return path
