"""Files and per-record outcomes: the idempotent repository of received files (S5.2).

A file is keyed by the sha256 of its content plus its kind. Its status goes
``processing → done | partial | failed`` (or ``duplicate`` when identical content was
already applied). Per-record rows keep what happened to each record worth keeping
(applied products and stock changes, rejections, stale and duplicate records), which
``bridge audit`` reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bridge.ledger._schema import events, files, kv, records
from bridge.ledger._sql import put_value
from bridge.models.status import FileStatus, RecordOutcome

if TYPE_CHECKING:
    from bridge.ledger.database import Database

__all__ = ["FileRow", "FileStore", "RecordRow"]

FINISHED = FileStatus.finished()

# The statements every file runs, built once: building a SQLAlchemy statement costs
# more than running it (many small files, issue 17). Values come as bound parameters.
_FILE_ID: sa.BindParameter[int] = sa.bindparam("b_file_id")
_INSERT_FILE = files.insert()
_GET_FILE = files.select().where(files.c.id == _FILE_ID)
_BY_WORK_PATH = (
    files.select()
    .where(files.c.work_path == sa.bindparam("b_work_path"))
    .order_by(files.c.id.desc())
)
_SAME_CONTENT = (
    files.select()
    .where(
        files.c.kind == sa.bindparam("b_kind"),
        files.c.sha256 == sa.bindparam("b_sha256"),
    )
    .where(files.c.status.in_(FileStatus.applied()))
)
_FIRST_APPLIED = _SAME_CONTENT.order_by(files.c.id)
_LAST_APPLIED = _SAME_CONTENT.order_by(files.c.id.desc())
_UPDATE_FILE = files.update().where(files.c.id == _FILE_ID)
_INSERT_RECORDS = records.insert()
_INSERT_EVENT = events.insert()
_APPLIED_COUNT = sa.select(sa.func.count(sa.distinct(records.c.idx))).where(
    records.c.file_id == _FILE_ID,
    records.c.kind == sa.bindparam("b_kind"),
    records.c.outcome == RecordOutcome.APPLIED,
)


@dataclass(frozen=True)
class RecordRow:
    """One per-record outcome to store."""

    idx: int
    line: int | None
    key: str
    outcome: str
    message: str = ""


@dataclass(frozen=True)
class FileRow:
    """A row of the ``files`` table."""

    id: int
    kind: str
    name: str
    sha256: str
    size: int
    source: str
    received_at: datetime
    finished_at: datetime | None
    status: str
    work_path: str | None
    final_path: str | None
    report_path: str | None
    records_total: int
    records_applied: int
    records_unchanged: int
    records_rejected: int
    records_skipped: int
    attempts: int
    last_error: str | None
    forced: bool

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any] | sa.RowMapping) -> FileRow:
        """Build from a SQLAlchemy row mapping."""
        return cls(**{k: row[k] for k in cls.__dataclass_fields__})


def _new_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


class FileStore:
    """Reads and writes the ``files``, ``records``, ``events`` and ``kv`` tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- files ---------------------------------------------------------------------
    def start(
        self,
        *,
        kind: str,
        name: str,
        sha256: str,
        size: int,
        source: str,
        received_at: datetime,
        work_path: str,
        forced: bool = False,
    ) -> int:
        """Record a claimed file as ``processing`` and return its id."""
        return self._insert(
            kind=kind,
            name=name,
            sha256=sha256,
            size=size,
            source=source,
            received_at=received_at,
            status=FileStatus.PROCESSING,
            work_path=work_path,
            forced=forced,
        )

    def _insert(self, **values: Any) -> int:
        with self._db.begin() as conn:
            return _new_id(conn.execute(_INSERT_FILE, values))

    def get(self, file_id: int) -> FileRow | None:
        """Return one file row."""
        with self._db.begin() as conn:
            row = conn.execute(_GET_FILE, {"b_file_id": file_id}).mappings().first()
        return FileRow.from_mapping(row) if row else None

    def by_work_path(self, work_path: str) -> FileRow | None:
        """Return the newest row for a file lying at ``work_path``."""
        with self._db.begin() as conn:
            found = conn.execute(_BY_WORK_PATH, {"b_work_path": work_path})
            row = found.mappings().first()
        return FileRow.from_mapping(row) if row else None

    def find_applied(self, kind: str, sha256: str) -> FileRow | None:
        """Return an earlier file of ``kind`` with the same content that was applied."""
        params = {"b_kind": kind, "b_sha256": sha256}
        with self._db.begin() as conn:
            row = conn.execute(_FIRST_APPLIED, params).mappings().first()
        return FileRow.from_mapping(row) if row else None

    def last_applied(self, kind: str, sha256: str) -> FileRow | None:
        """Return the latest file of ``kind`` with the same content that was applied.

        Its rejected records are what a re-drop of that content retries (SPEC §2).
        """
        params = {"b_kind": kind, "b_sha256": sha256}
        with self._db.begin() as conn:
            row = conn.execute(_LAST_APPLIED, params).mappings().first()
        return FileRow.from_mapping(row) if row else None

    def processing(self) -> list[FileRow]:
        """Files claimed but not finished (to resume after a crash)."""
        query = (
            files.select()
            .where(files.c.status == FileStatus.PROCESSING)
            .order_by(files.c.id)
        )
        with self._db.begin() as conn:
            rows = conn.execute(query).mappings().all()
        return [FileRow.from_mapping(r) for r in rows]

    def attempt_failed(self, file_id: int, error: str) -> int:
        """Count one failed attempt (transient error); return the attempts so far."""
        with self._db.begin() as conn:
            conn.execute(
                files.update()
                .where(files.c.id == file_id)
                .values(attempts=files.c.attempts + 1, last_error=error[:2000])
            )
            value = conn.execute(
                sa.select(files.c.attempts).where(files.c.id == file_id)
            )
            return int(value.scalar_one())

    def finish(
        self,
        file_id: int,
        *,
        status: str,
        final_path: str | None,
        report_path: str | None,
        counts: Mapping[str, int] | None = None,
        error: str | None = None,
        notes: Iterable[RecordRow] = (),
        kind: str = "",
        event: tuple[str, str, str, str] | None = None,
    ) -> None:
        """Mark a file finished and store its per-record outcomes, in one transaction.

        Args:
            file_id: The file.
            status: Its final status (``done``, ``partial``, ``failed`` ...).
            final_path: Where it goes.
            report_path: Its report, if any.
            counts: Record counts (``total``, ``applied`` ...).
            error: The first problem, for a failed file.
            notes: Per-record outcomes to keep.
            kind: The file's kind (stored with each note).
            event: A service event (level, flow, event, message) kept in the same
                transaction (see ``log_event``).
        """
        assert status in FINISHED, status
        values: dict[str, Any] = {
            "status": status,
            "final_path": final_path,
            "report_path": report_path,
            "finished_at": self._db.now(),
        }
        if error is not None:
            values["last_error"] = error[:2000]
        for key, value in (counts or {}).items():
            values[f"records_{key}"] = value
        rows = [
            {
                "file_id": file_id,
                "idx": n.idx,
                "line": n.line,
                "kind": kind,
                "record_key": n.key[:255],
                "outcome": n.outcome,
                "message": n.message,
                "at": self._db.now(),
            }
            for n in notes
        ]
        with self._db.begin() as conn:
            conn.execute(_UPDATE_FILE, {"b_file_id": file_id, **values})
            if rows:
                conn.execute(_INSERT_RECORDS, rows)
            if event is not None:
                conn.execute(_INSERT_EVENT, self._event(*event))

    def record_duplicate(
        self,
        *,
        kind: str,
        name: str,
        sha256: str,
        size: int,
        source: str,
        received_at: datetime,
        final_path: str,
        original: FileRow,
    ) -> int:
        """Record a file whose content was applied before (it is archived, not applied)."""
        return self._insert(
            kind=kind,
            name=name,
            sha256=sha256,
            size=size,
            source=source,
            received_at=received_at,
            finished_at=self._db.now(),
            status=FileStatus.DUPLICATE,
            final_path=final_path,
            last_error=f"same content as file #{original.id} {original.name}",
        )

    def recent(self, limit: int = 10) -> list[FileRow]:
        """The most recently received files."""
        query = files.select().order_by(files.c.id.desc()).limit(limit)
        with self._db.begin() as conn:
            rows = conn.execute(query).mappings().all()
        return [FileRow.from_mapping(r) for r in rows]

    def by_name(self, name: str) -> list[FileRow]:
        """Files received under ``name`` (exact), oldest first."""
        query = files.select().where(files.c.name == name).order_by(files.c.id)
        with self._db.begin() as conn:
            rows = conn.execute(query).mappings().all()
        return [FileRow.from_mapping(r) for r in rows]

    def status_counts(self) -> dict[str, int]:
        """Number of files per status."""
        query = sa.select(files.c.status, sa.func.count()).group_by(files.c.status)
        with self._db.begin() as conn:
            return {str(s): int(n) for s, n in conn.execute(query).all()}

    # -- records -------------------------------------------------------------------
    def records_of(
        self, file_id: int, outcomes: Sequence[str] | None = None
    ) -> list[RecordRow]:
        """Per-record outcomes stored for one file."""
        query = (
            records.select().where(records.c.file_id == file_id).order_by(records.c.idx)
        )
        if outcomes:
            query = query.where(records.c.outcome.in_(tuple(outcomes)))
        with self._db.begin() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            RecordRow(
                r["idx"], r["line"], r["record_key"], r["outcome"], r["message"] or ""
            )
            for r in rows
        ]

    def applied_count(self, file_id: int, kind: str) -> int:
        """Count the distinct records of a file logged as applied, by any attempt.

        A file resumed after an outage finds what its first attempt applied
        unchanged; this count is how its flow still reports those as applied.
        """
        params = {"b_file_id": file_id, "b_kind": kind}
        with self._db.begin() as conn:
            return int(conn.execute(_APPLIED_COUNT, params).scalar_one())

    def history(self, key: str, kinds: Sequence[str]) -> list[dict[str, Any]]:
        """Everything recorded for a business key, with the file it came from."""
        query = (
            sa.select(
                records.c.at,
                records.c.kind,
                records.c.outcome,
                records.c.message,
                records.c.line,
                records.c.record_key,
                files.c.name,
                files.c.id.label("file_id"),
            )
            .join(files, files.c.id == records.c.file_id)
            .where(records.c.kind.in_(tuple(kinds)))
            .where(
                sa.or_(
                    records.c.record_key == key, records.c.record_key.like(key + "@%")
                )
            )
            .order_by(records.c.id)
        )
        with self._db.begin() as conn:
            return [dict(r) for r in conn.execute(query).mappings().all()]

    # -- events and named values ---------------------------------------------------
    def log_event(self, level: str, flow: str, event: str, message: str = "") -> None:
        """Keep a service event for ``bridge status``."""
        with self._db.begin() as conn:
            conn.execute(_INSERT_EVENT, self._event(level, flow, event, message))

    def _event(
        self, level: str, flow: str, event: str, message: str = ""
    ) -> dict[str, Any]:
        return {
            "at": self._db.now(),
            "level": level,
            "flow": flow,
            "event": event,
            "message": message[:4000],
        }

    def recent_events(
        self, limit: int = 10, level: str | None = None
    ) -> list[dict[str, Any]]:
        """The newest service events, newest first."""
        query = events.select().order_by(events.c.id.desc()).limit(limit)
        if level:
            query = query.where(events.c.level == level)
        with self._db.begin() as conn:
            return [dict(r) for r in conn.execute(query).mappings().all()]

    def get_value(self, name: str) -> str | None:
        """Read a named value."""
        with self._db.begin() as conn:
            row = conn.execute(sa.select(kv.c.value).where(kv.c.name == name)).first()
        return None if row is None else str(row[0])

    def values_under(self, prefix: str) -> dict[str, str]:
        """Read every named value whose name starts with ``prefix``."""
        query = sa.select(kv.c.name, kv.c.value).where(kv.c.name.startswith(prefix))
        with self._db.begin() as conn:
            return {str(n): str(v) for n, v in conn.execute(query).all()}

    def count_up(self, names: Sequence[str]) -> dict[str, int]:
        """Add one to each named counter (``kv``; a missing one is 0); return them."""
        if not names:
            return {}
        query = sa.select(kv.c.name, kv.c.value).where(kv.c.name.in_(list(names)))
        with self._db.begin() as conn:
            have = {str(n): str(v) for n, v in conn.execute(query).all()}
            counts = {n: int(have.get(n) or 0) + 1 for n in names}
            now = self._db.now()
            for name, count in counts.items():
                put_value(conn, name, str(count), now)
        return counts

    def drop_values_under(self, prefix: str) -> None:
        """Delete every named value whose name starts with ``prefix``."""
        with self._db.begin() as conn:
            conn.execute(
                kv.delete().where(kv.c.name.startswith(prefix, autoescape=True))
            )

    def set_value(self, name: str, value: str) -> None:
        """Write a named value (insert or replace)."""
        with self._db.begin() as conn:
            put_value(conn, name, value, self._db.now())
