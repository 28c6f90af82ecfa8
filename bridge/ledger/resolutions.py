"""Operator resolutions: a failed or partly applied file marked as dealt with.

An operator resolves a failure with a note (``bridge resolve``), or retries the failed
file (``bridge retry``), which resolves the original with a note naming the copy. The
resolution is kept in the ``kv`` table under ``resolution/file/<id>`` (who, when, what,
the note) and logged as a ``file_resolved`` or ``file_retried`` event, in one
transaction. No new table is needed: a file is resolved at most once, and both tables
exist in every ledger the first release wrote.

``unresolved`` lists the files that still need an operator: failed or partly applied
ones without a resolution.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from bridge.ledger._schema import events, files, kv
from bridge.ledger.files import FileRow

if TYPE_CHECKING:
    from bridge.ledger.core import Ledger

__all__ = ["ATTENTION_STATUSES", "Resolution", "ResolutionStore"]

ATTENTION_STATUSES = ("failed", "partial")
"""File statuses that need an operator until resolved."""

_PREFIX = "resolution/file/"


@dataclass(frozen=True)
class Resolution:
    """How an operator dealt with one failed file.

    Attributes:
        file_id: The ledger id of the failed file.
        action: ``resolved`` (with a note) or ``retried`` (copied back to its inbox).
        note: The operator's note, or where the retried copy went.
        who: The operator.
        at: When (UTC).
    """

    file_id: int
    action: str
    note: str
    who: str
    at: datetime


def _name(file_id: int) -> str:
    return f"{_PREFIX}{file_id}"


def _decode(file_id: int, value: str) -> Resolution:
    data = json.loads(value)
    return Resolution(
        file_id=file_id,
        action=str(data["action"]),
        note=str(data["note"]),
        who=str(data["who"]),
        at=datetime.fromisoformat(str(data["at"])),
    )


class ResolutionStore:
    """Reads and writes operator resolutions of failed files."""

    def __init__(self, ledger: Ledger) -> None:
        """Use ``ledger``'s database."""
        self._ledger = ledger

    def get(self, file_id: int) -> Resolution | None:
        """Return the resolution of one file, or None while it is unresolved."""
        query = sa.select(kv.c.value).where(kv.c.name == _name(file_id))
        with self._ledger.begin() as conn:
            value = conn.execute(query).scalar_one_or_none()
        return None if value is None else _decode(file_id, str(value))

    def record(
        self, row: FileRow, *, action: str, note: str, who: str
    ) -> Resolution | None:
        """Resolve ``row`` once; return the resolution, or None if it already was.

        The resolution and its event are written in one transaction.
        """
        at = self._ledger.now()
        value = json.dumps(
            {"action": action, "note": note, "who": who, "at": at.isoformat()}
        )
        event = "file_retried" if action == "retried" else "file_resolved"
        message = f"{row.name} (file #{row.id}) {action} by {who}: {note}"
        with self._ledger.begin() as conn:
            taken = conn.execute(
                sa.select(kv.c.name).where(kv.c.name == _name(row.id))
            ).first()
            if taken is not None:
                return None
            conn.execute(
                kv.insert().values(name=_name(row.id), value=value, updated_at=at)
            )
            conn.execute(
                events.insert().values(
                    at=at,
                    level="info",
                    flow=row.kind,
                    event=event,
                    message=message[:4000],
                )
            )
        return Resolution(row.id, action, note, who, at)

    def unresolved(
        self, limit: int = 50, statuses: Sequence[str] = ATTENTION_STATUSES
    ) -> tuple[list[FileRow], int]:
        """Failed or partly applied files without a resolution: newest first, and how many.

        Args:
            limit: At most this many rows are returned (the count is of all).
            statuses: The file statuses that need attention.
        """
        key = sa.literal(_PREFIX) + sa.cast(files.c.id, sa.String)
        resolved = sa.exists().where(kv.c.name == key)
        where = sa.and_(files.c.status.in_(tuple(statuses)), sa.not_(resolved))
        query = files.select().where(where).order_by(files.c.id.desc()).limit(limit)
        count = sa.select(sa.func.count()).select_from(files).where(where)
        with self._ledger.begin() as conn:
            rows = conn.execute(query).mappings().all()
            total = int(conn.execute(count).scalar_one())
        return [FileRow.from_mapping(r) for r in rows], total
