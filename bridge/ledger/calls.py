"""The Magento calls made for each file: stored bounded, read back a page at a time.

The pipeline hands over what a file's ``CallLog`` (``bridge.support.calls``) kept
once the file's flow has run (applied, failed, or left pending by an outage); a
pending file adds the calls of each later attempt after those of the earlier ones.

Retention: at most ``CALLS_PER_FILE`` rows per file. Calls beyond that, and the ones
the in-memory log already dropped, are only counted (``file_call_counts.dropped``),
so a file of a million records never writes a million rows (stock files make one call
per batch anyway). Rows are never deleted: they are as long-lived as the file's own
row and its records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from bridge.ledger._schema import file_call_counts, file_calls
from bridge.ledger._sql import upsert
from bridge.ledger.database import Database
from bridge.support.calls import CALLS_PER_FILE, CallRecord
from bridge.support.clock import as_utc

__all__ = ["CALLS_PER_FILE", "CallPage", "CallStore", "CallSummary"]

# Built once: every file with calls runs these (issue 17's many small files).
_COUNTS = sa.select(file_call_counts.c.recorded, file_call_counts.c.dropped).where(
    file_call_counts.c.file_id == sa.bindparam("b_file_id")
)
_INSERT_CALLS = file_calls.insert()


@dataclass(frozen=True)
class CallPage:
    """Some of a file's calls, oldest first, with the file's totals.

    Attributes:
        calls: The calls on this page.
        recorded: How many calls of the file are stored.
        dropped: How many more were made but not stored (over the cap).
        offset: The position of the first call on this page.
    """

    calls: tuple[CallRecord, ...]
    recorded: int
    dropped: int
    offset: int = 0


@dataclass(frozen=True)
class CallSummary:
    """A file's calls in short: totals, and its writes and failures.

    Attributes:
        recorded: How many calls of the file are stored.
        dropped: How many more were made but not stored.
        failed: Stored calls that ended in an error.
        notable: The first writes (any method but GET) and failed calls.
        notable_total: How many stored calls are writes or failed.
    """

    recorded: int
    dropped: int
    failed: int
    notable: tuple[CallRecord, ...]
    notable_total: int


class CallStore:
    """Reads and writes the calls made for each file.

    Args:
        db: The ledger's database.
        limit: The most calls stored per file.
    """

    def __init__(self, db: Database, limit: int = CALLS_PER_FILE) -> None:
        """Work on ``db``."""
        self._db = db
        self.limit = limit

    def record(
        self, file_id: int, calls: Sequence[CallRecord], dropped: int = 0
    ) -> None:
        """Store a file's calls after the ones already stored, up to the cap.

        Args:
            file_id: The file the calls were made for.
            calls: The calls, in the order they ended.
            dropped: Calls made but not kept in memory (counted only).
        """
        if not calls and not dropped:
            return
        with self._db.begin() as conn:
            stored, lost = self._counts(conn, file_id)
            room = max(0, self.limit - stored)
            kept = list(calls[:room])
            if kept:
                conn.execute(
                    _INSERT_CALLS,
                    [_row(file_id, stored + i, c) for i, c in enumerate(kept)],
                )
            counts = {
                "file_id": file_id,
                "recorded": stored + len(kept),
                "dropped": lost + dropped + len(calls) - len(kept),
            }
            upsert(conn, file_call_counts, [counts], ["file_id"])

    def page(self, file_id: int, *, offset: int = 0, limit: int = 100) -> CallPage:
        """A page of one file's calls, oldest first, with its totals."""
        query = (
            file_calls.select()
            .where(file_calls.c.file_id == file_id)
            .order_by(file_calls.c.seq)
            .offset(max(0, offset))
            .limit(max(0, limit))
        )
        with self._db.begin() as conn:
            recorded, dropped = self._counts(conn, file_id)
            rows = conn.execute(query).mappings().all() if limit > 0 else []
        calls = tuple(_record(r) for r in rows)
        return CallPage(calls, recorded, dropped, max(0, offset))

    def summary(self, file_id: int, *, limit: int = 20) -> CallSummary:
        """A file's totals with its first ``limit`` writes and failed calls."""
        c = file_calls.c
        mine = c.file_id == file_id
        notable = sa.or_(c.method != "GET", c.error.is_not(None))
        count = sa.select(sa.func.count()).select_from(file_calls)
        with self._db.begin() as conn:
            recorded, dropped = self._counts(conn, file_id)
            failed = conn.execute(count.where(mine, c.error.is_not(None))).scalar_one()
            total = conn.execute(count.where(mine, notable)).scalar_one()
            rows = (
                conn.execute(
                    file_calls.select()
                    .where(mine, notable)
                    .order_by(c.seq)
                    .limit(max(0, limit))
                )
                .mappings()
                .all()
            )
        shown = tuple(_record(r) for r in rows)
        return CallSummary(recorded, dropped, int(failed), shown, int(total))

    @staticmethod
    def _counts(conn: Connection, file_id: int) -> tuple[int, int]:
        """(stored, dropped) for one file; (0, 0) before its first call."""
        row = conn.execute(_COUNTS, {"b_file_id": file_id}).first()
        return (0, 0) if row is None else (int(row[0]), int(row[1]))


def _row(file_id: int, seq: int, call: CallRecord) -> dict[str, object]:
    return {
        "file_id": file_id,
        "seq": seq,
        "at": call.at,
        "record_key": None if call.record_key is None else call.record_key[:255],
        "method": call.method[:8],
        "path": call.path[:512],
        "status": call.status,
        "error": None if call.error is None else call.error[:64],
        "duration_ms": call.duration_ms,
        "attempt": call.attempt,
        "document_id": call.document_id,
    }


def _record(r: RowMapping) -> CallRecord:
    return CallRecord(
        at=as_utc(r["at"]),
        method=r["method"],
        path=r["path"],
        status=r["status"],
        error=r["error"],
        duration_ms=r["duration_ms"],
        attempt=r["attempt"],
        record_key=r["record_key"],
        document_id=r["document_id"],
    )
