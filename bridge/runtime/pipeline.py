"""The inbound file pipeline: claimed file → validated → applied → archived or failed.

A file's life (Camel's vocabulary: read lock, preMove, move, moveFailed):

1. ``LocalInbox.claim`` renamed it into ``var/work/<kind>/<received>_<name>``.
2. It is hashed (sha256, streaming). Identical content already applied → archived as a
   duplicate, nothing applied (unless ``force``).
3. It is validated completely (``formats.validate_file``). Any issue → nothing is
   applied; the file goes to ``failed/<kind>/`` with a ``.report.txt``.
4. The flow applies a fresh stream of its records. Rejected records go to
   ``failed/<kind>/<received>_<name>.rejects.<ext>`` with a report; the file itself is
   archived (it was applied). A ``TransientError``, refused credentials or a wrong
   ``magento.base_url`` leave the file in ``var/work`` and its ledger row
   ``processing``: it is resumed later, from where its flow's ledger says.
5. The pipeline decides the outcome; the endpoint that produced the file carries it
   out (``Folder.complete``: archive or move-failed, report, names, permissions). The
   ledger row is finished *before* the file is moved (the endpoint calls back with the
   names it chose), so a crash in between is completed on restart by moving the file
   where the ledger says it belongs.

Files are never deleted and never overwritten.
"""

from __future__ import annotations

import stat
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from functools import partial

import structlog

from bridge.config import Settings
from bridge.errors import (
    BridgeError,
    FileIssue,
    MagentoAuthError,
    MagentoBaseUrlError,
    PermanentError,
    StopRequestedError,
    TransientError,
)
from bridge.flows.base import ApplyFlow, FileContext, FlowResult
from bridge.folders.base import Candidate, ClaimedFile, Folder
from bridge.folders.local import LocalInbox
from bridge.formats import RecordReader, validate_file
from bridge.ledger import Ledger
from bridge.ledger.files import FileRow
from bridge.ledger.ownership import Ownership
from bridge.models.erp import ParsedRecord
from bridge.models.status import RecordOutcome
from bridge.runtime.finish import FileOutcome, Finisher
from bridge.support.calls import CallLog, recording
from bridge.support.files import sha256_file

__all__ = ["FileOutcome", "Pipeline", "Progress", "lease_name"]

Progress = Callable[[str, Iterable[ParsedRecord], "int | None"], Iterable[ParsedRecord]]

log = structlog.get_logger("bridge.pipeline")


def _stoppable(
    records: Iterable[ParsedRecord], stopping: threading.Event
) -> Iterator[ParsedRecord]:
    """Hand on records until the service is asked to stop (between two records)."""
    for record in records:
        if stopping.is_set():
            raise StopRequestedError("stopping between records")
        yield record


def lease_name(claimed: ClaimedFile) -> str:
    r"""The lease that owns a claimed file: ``file:<kind>/<work name>``.

    A name that is not UTF-8 (surrogate-escaped bytes) is written with ``\\xNN``
    escapes, so every file has a lease the ledger can store.
    """
    raw = claimed.path.name.encode("utf-8", "surrogateescape")
    return f"file:{claimed.kind}/{raw.decode('utf-8', 'backslashreplace')}"


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
        ownership: This process's leases; each file is worked on under its lease
            (``file:<kind>/<work name>``). None: no leases (one process only).
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
        ownership: Ownership | None = None,
    ) -> None:
        self.settings = settings
        self.ownership = ownership
        self.progress = progress
        self.ledger = ledger
        self.flows = flows
        self.now = now or ledger.now
        #: Set on SIGTERM: files stop between records and stay claimed (resumable).
        self.stopping = threading.Event()
        # Told of every file's outcome (metrics and alerts; see runtime.telemetry).
        self.observe: Callable[[FileOutcome], None] | None = None
        root = settings.root
        self.work_dir = root / "var" / "work"
        self.archive_dir = root / "archive"
        self.failed_dir = root / "failed"
        self.finish = Finisher(
            settings,
            ledger,
            endpoint
            or LocalInbox(
                root,
                stable_seconds=settings.folders.stable_seconds,
                done_suffix=settings.folders.done_suffix,
            ),
        )

    @property
    def endpoint(self) -> Folder:
        """The endpoint that claims and completes this pipeline's files."""
        return self.finish.endpoint

    @endpoint.setter
    def endpoint(self, endpoint: Folder) -> None:
        self.finish.endpoint = endpoint

    # -- entry points ------------------------------------------------------------------
    def refuse(self, cand: Candidate) -> FileOutcome:
        """Claim a non-regular inbox entry (never opened) and complete it as refused."""
        received = self.now()
        claimed = self.endpoint.claim(cand, self.work_dir, received)
        if claimed is None:
            return FileOutcome(cand.name, cand.kind, "gone")
        why = cand.refused or ""
        tail = (
            ""
            if why.startswith("file name")
            else "; inbox entries must be regular files"
        )
        reason = f"refused: {why}{tail}"
        outcome = self.finish.refused(claimed, reason, received)
        self.ledger.files.log_event(
            "error", cand.kind, "file_refused", f"{cand.name}: {reason}"
        )
        log.warning("file_refused", flow=cand.kind, file=cand.name, status=cand.refused)
        return self._observed(outcome)

    def _observed(self, outcome: FileOutcome) -> FileOutcome:
        if self.observe is not None:
            self.observe(outcome)
        return outcome

    def process(
        self, claimed: ClaimedFile, *, force: bool = False, resumed: bool = False
    ) -> FileOutcome:
        """Run one claimed file to its outcome under its lease.

        The lease is kept while the file is pending (this process retries it) and
        released once the file is completed. Another process's file is left alone:
        the outcome is ``held``.

        Args:
            claimed: The claimed file.
            force: Re-apply even if this content was applied before.
            resumed: The file was found in ``var/work`` rather than claimed just now.
                A resumed file that no lease names and the ledger does not know yet
                is left to its claimer for one lease time (the claimer renames
                first, then takes the lease).
        """
        owner = self.ownership
        if owner is None:
            return self._observed(self._process(claimed, force))
        name = lease_name(claimed)
        if resumed and not owner.holds(name):
            age = (self.now() - claimed.received).total_seconds()
            # A file with a ledger row was started under a lease: one that no lease
            # names now was let go (a clean stop) and is resumed at once.
            if (
                age < owner.ttl
                and owner.leases.holder(name) is None
                and self.ledger.files.by_work_path(str(claimed.path)) is None
            ):
                return FileOutcome(claimed.name, claimed.kind, "held")
        if not owner.try_hold(name):
            return FileOutcome(claimed.name, claimed.kind, "held")
        outcome = self._observed(self._process(claimed, force))
        if outcome.status != "pending":
            owner.let_go(name)
        return outcome

    def _process(self, claimed: ClaimedFile, force: bool) -> FileOutcome:
        row = self.ledger.files.by_work_path(str(claimed.path))
        if row is not None and row.status != "processing":
            return self.finish.decided(claimed, row.status, row.final_path, row.id)
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
        forced = force or (row is not None and row.forced)
        original: FileRow | None = None
        # The content's history and the new row: one ledger transaction.
        with self.ledger.transaction():
            retry = None if forced else self._rejected_before(claimed.kind, sha256, row)
            if row is None and retry is not None and not retry:
                original = self.ledger.files.find_applied(claimed.kind, sha256)
            if row is None and original is None:
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
        if original is not None:
            return self.finish.duplicate(claimed, sha256, st.st_size, original)
        if row is not None:
            file_id, force = row.id, row.forced or force
        try:
            return self._validate_and_apply(claimed, file_id, sha256, force, retry)
        except StopRequestedError:
            # Not an attempt that failed: the file stays claimed with what was
            # applied recorded, and the next start resumes it.
            log.info("file_interrupted", flow=claimed.kind, file=claimed.name)
            return FileOutcome(claimed.name, claimed.kind, "pending", file_id=file_id)

    # -- re-drops (SPEC §2) -------------------------------------------------------------
    def _rejected_before(
        self, kind: str, sha256: str, row: FileRow | None
    ) -> frozenset[int] | None:
        """The record indexes a re-drop of this content retries.

        ``None`` when the content was never applied (apply everything); empty when
        its latest application left no rejects (a duplicate); otherwise the indexes
        of the records that application rejected, which are all a re-drop applies.
        """
        last = self.ledger.files.last_applied(kind, sha256)
        if last is None or (row is not None and last.id == row.id):
            return None
        if not last.records_rejected:
            return frozenset()
        rejected = self.ledger.files.records_of(last.id, [RecordOutcome.REJECTED])
        return frozenset(r.idx for r in rejected)

    # -- steps -------------------------------------------------------------------------
    def _validate_and_apply(
        self,
        claimed: ClaimedFile,
        file_id: int,
        sha256: str,
        force: bool,
        retry: frozenset[int] | None = None,
    ) -> FileOutcome:
        kind, name = claimed.kind, claimed.name
        csv_opts = self.settings.folders.csv.for_kind(kind)
        bar, stopping = self.progress, self.stopping

        def checking(it: Iterable[ParsedRecord]) -> Iterable[ParsedRecord]:
            it = _stoppable(it, stopping)
            return bar(f"checking {name}", it, None) if bar else it

        result = validate_file(
            claimed.path,
            kind,  # type: ignore[arg-type]
            csv=csv_opts,
            name=name,
            progress=checking,
        )
        if result.issues:
            return self.finish.invalid(
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
            stopping=stopping.is_set,
            reread=partial(
                RecordReader,
                claimed.path,
                kind,  # type: ignore[arg-type]
                csv=csv_opts,
                name=name,
            ),
        )
        flow = self.flows[kind]
        reader: Iterable[ParsedRecord] = RecordReader(
            claimed.path,
            kind,  # type: ignore[arg-type]
            csv=csv_opts,
            name=name,
        )
        total = result.record_count
        if retry:
            reader = (rec for rec in reader if rec.index in retry)
            total = len(retry)
            log.info("file_retrying_rejects", flow=kind, file=name, sha256=sha256)
        reader = _stoppable(reader, stopping)
        if bar is not None:
            reader = bar(f"applying {name}", reader, total)
        log.info("file_applying", flow=kind, file=name, sha256=sha256)
        try:
            flow_result, calls = self._run_flow(flow, ctx, reader)
        except StopRequestedError:
            raise
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
        except (MagentoAuthError, MagentoBaseUrlError) as exc:
            # Credentials refused or no Magento at base_url: the file is not at
            # fault. It stays where it is and the worker pauses every Magento flow
            # until a probe succeeds (issue 13).
            self.ledger.files.attempt_failed(file_id, f"{type(exc).__name__}: {exc}")
            raise
        except PermanentError as exc:
            issue = FileIssue(name, None, None, f"{type(exc).__name__}: {exc}")
            return self.finish.invalid(
                claimed,
                file_id,
                sha256,
                [issue],
                result.record_count,
                applied_some=True,
            )
        return self.finish.applied(claimed, file_id, sha256, total, flow_result, calls)

    def _run_flow(
        self, flow: ApplyFlow, ctx: FileContext, records: Iterable[ParsedRecord]
    ) -> tuple[FlowResult, CallLog]:
        """Apply the records, recording the Magento calls made for the file.

        The calls are stored whatever the flow ends with, before the file is
        finished: here when it raised (rejected, left pending by an outage), by the
        finisher with the finished row when it returned (one transaction).
        """
        calls = CallLog()
        try:
            with recording(calls):
                return flow.apply(ctx, records), calls
        except BaseException:
            self._keep_calls(ctx, calls)
            raise

    def _keep_calls(self, ctx: FileContext, calls: CallLog) -> None:
        """Store the Magento calls this attempt made for the file (best effort).

        The calls are a record of what happened, not state any flow relies on: a
        ledger that cannot take them now costs the file's page those rows, never
        the file its outcome.
        """
        made, dropped = calls.take()
        try:
            self.ledger.calls.record(ctx.file_id, made, dropped)
        except BridgeError as exc:
            log.warning(
                "file_calls_not_recorded",
                flow=ctx.kind,
                file=ctx.name,
                status=type(exc).__name__,
            )

    def _fail_unreadable(self, claimed: ClaimedFile, reason: str) -> FileOutcome:
        issue = FileIssue(claimed.name, None, None, reason)
        row = self.ledger.files.by_work_path(str(claimed.path))
        file_id = row.id if row is not None else None
        return self.finish.invalid(claimed, file_id, None, [issue], 0)
