"""The Magento calls made for one file: a bounded in-memory log and its context.

The pipeline opens a ``CallLog`` around one file's flow (``recording(log)``); the
Magento client's request path reports every HTTP exchange to the log of the current
context (``current()``), and the pipeline writes what was logged to the ledger with
the file's outcome. Outside ``recording`` nothing is logged and the client pays one
``ContextVar.get``.

The flows say which record a call is for with ``for_record(key)``. Context variables
do not cross into a thread pool's threads by themselves, so work handed to a pool is
wrapped with ``in_context(fn)``, which runs it in a copy of the submitter's context.

Only what identifies the exchange is kept: method, path (never the query, a body or a
header), HTTP status or the transport error's class, duration, attempt, time, and the
id of the document a POST created. The log keeps the first ``limit`` calls and counts
the rest as ``dropped``, so a file of a million records cannot fill memory.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import ParamSpec, TypeVar

__all__ = [
    "CALLS_PER_FILE",
    "CallLog",
    "CallRecord",
    "current",
    "current_record",
    "for_record",
    "in_context",
    "recording",
]

CALLS_PER_FILE = 5000
"""The most calls kept per file; later ones are counted, not kept."""

P = ParamSpec("P")
T = TypeVar("T")

_log: contextvars.ContextVar[CallLog | None] = contextvars.ContextVar(
    "bridge_call_log", default=None
)
_record: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "bridge_call_record", default=None
)


@dataclass(frozen=True)
class CallRecord:
    """One HTTP exchange with Magento.

    Attributes:
        at: When the request was sent (aware UTC).
        method: The HTTP method.
        path: The URL's path, without the query.
        status: Magento's HTTP status; None when no answer came.
        error: The error's class name (a transport error's, e.g. ``ReadTimeout``, or
            the bridge error the answer meant); None when the call succeeded.
        duration_ms: How long the exchange took, in milliseconds.
        attempt: 1 for the first try, 2.. for the client's retries.
        record_key: The record the call was made for, when the flow said so.
        document_id: The id of the document a POST created (shipment, invoice,
            product), when Magento answered with one.
    """

    at: datetime
    method: str
    path: str
    status: int | None
    error: str | None
    duration_ms: int
    attempt: int
    record_key: str | None = None
    document_id: int | None = None


class CallLog:
    """The calls of one file, in the order they ended; thread-safe, bounded.

    Args:
        limit: How many calls to keep; later calls only raise ``dropped``.
    """

    def __init__(self, limit: int = CALLS_PER_FILE) -> None:
        self.limit = limit
        self.dropped = 0
        self._calls: list[CallRecord] = []
        self._lock = threading.Lock()

    def add(self, call: CallRecord) -> None:
        """Keep ``call``, or count it as dropped once ``limit`` calls are kept."""
        with self._lock:
            if len(self._calls) < self.limit:
                self._calls.append(call)
            else:
                self.dropped += 1

    def take(self) -> tuple[list[CallRecord], int]:
        """Hand over the calls kept and the count dropped so far, and start afresh."""
        with self._lock:
            calls, dropped = self._calls, self.dropped
            self._calls, self.dropped = [], 0
        return calls, dropped

    def __len__(self) -> int:
        """The number of calls kept."""
        return len(self._calls)


def current() -> CallLog | None:
    """The log the current context records into, or None (nothing is recorded)."""
    return _log.get()


def current_record() -> str | None:
    """The record the current context's calls are made for, if a flow said so."""
    return _record.get()


@contextlib.contextmanager
def recording(log: CallLog) -> Iterator[CallLog]:
    """Record the Magento calls made in this context (and ``in_context`` work) in ``log``."""
    token = _log.set(log)
    try:
        yield log
    finally:
        _log.reset(token)


@contextlib.contextmanager
def for_record(key: str | None) -> Iterator[None]:
    """Mark the calls made in this block as made for the record ``key``."""
    token = _record.set(key)
    try:
        yield
    finally:
        _record.reset(token)


def in_context(fn: Callable[P, T]) -> Callable[P, T]:
    """``fn`` bound to a copy of the current context, to run in another thread.

    Call it once per submitted task: one copied context cannot run in two threads at
    the same time.
    """
    context = contextvars.copy_context()

    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return context.run(fn, *args, **kwargs)

    return run
