"""Order exports: which Magento order went out in which file, the cursor, failures.

* ``order_exports``: one row per exported order (keyed by Magento ``entity_id``),
  written right after its file is durably in the outbox. This row, not the file, is
  what makes the export exactly-once; it also remembers whether the "Exported to
  ERP" comment reached Magento (``comment_state`` ``pending`` → ``done``).
* ``order_export_failures``: orders that could not be exported (missing address,
  schema violation ...), with the reason and how often it was tried; a row goes
  away when the order is finally exported (or leaves the exported states).
* ``kv`` ``orders.cursor`` / ``orders.last_poll``: the newest ``created_at`` handled
  and the time of the last poll, shown by ``bridge status``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bridge.ledger._schema import kv, order_export_failures, order_exports
from bridge.ledger._sql import put_value
from bridge.models.status import CommentState
from bridge.support.clock import as_utc

if TYPE_CHECKING:
    from bridge.ledger.database import Database

__all__ = [
    "OrderExport",
    "OrderExportFailure",
    "OrderExportStatus",
    "OrderExportStore",
    "order_export_failures",
    "order_exports",
]


_CURSOR = "orders.cursor"
_LAST_POLL = "orders.last_poll"
_ID_CHUNK = 500  # stay far below SQLite's bound-parameter limit


@dataclass(frozen=True)
class OrderExport:
    """One exported order (a row of ``order_exports``)."""

    entity_id: int
    order_number: str
    file_name: str
    sha256: str
    exported_at: datetime
    comment_state: str
    comment_attempts: int
    comment_error: str | None


@dataclass(frozen=True)
class OrderExportFailure:
    """An order that could not be exported yet, and why."""

    entity_id: int
    order_number: str
    reason: str
    attempts: int
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True)
class OrderExportStatus:
    """What ``bridge status`` shows about the order export."""

    cursor: datetime | None
    last_poll: datetime | None
    exported: int
    comments_pending: int
    failures: list[OrderExportFailure]


class OrderExportStore:
    """The ledger's memory of the order export (``ledger.orders``).

    Args:
        db: The database (engine, clock).
    """

    def __init__(self, db: Database) -> None:
        """Use the ledger's engine and clock."""
        self._db = db

    # --- exported orders -----------------------------------------------------

    def is_exported(self, entity_id: int) -> bool:
        """True if the order was already exported (its file is in the outbox)."""
        return bool(self.exported_among([entity_id]))

    def exported_among(self, entity_ids: Iterable[int]) -> set[int]:
        """The subset of ``entity_ids`` already exported (one query per 500 ids)."""
        ids = list(entity_ids)
        found: set[int] = set()
        t = order_exports
        with self._db.begin() as conn:
            for i in range(0, len(ids), _ID_CHUNK):
                chunk = ids[i : i + _ID_CHUNK]
                rows = conn.execute(
                    sa.select(t.c.entity_id).where(t.c.entity_id.in_(chunk))
                )
                found.update(row[0] for row in rows)
        return found

    def get(self, entity_id: int) -> OrderExport | None:
        """The export row of one order, or None if it was never exported."""
        return self._one(order_exports.c.entity_id == entity_id)

    def find(self, order_number: str) -> OrderExport | None:
        """The export row of an order by its number (for ``bridge audit order``)."""
        return self._one(order_exports.c.order_number == order_number)

    def _one(self, where: Any) -> OrderExport | None:
        with self._db.begin() as conn:
            row = conn.execute(sa.select(order_exports).where(where)).first()
        return None if row is None else _export(row._mapping)

    def record_export(
        self, entity_id: int, order_number: str, file_name: str, sha256: str
    ) -> None:
        """Remember that an order's file is durably in the outbox.

        Also clears the order's failure row. Recording the same order twice keeps
        the first row (the file written first is the one the ERP may have read).

        Args:
            entity_id: Magento's order id.
            order_number: The order's ``increment_id``.
            file_name: The outbox file name.
            sha256: The hash of the file's content.
        """
        now = self._db.now()
        t = order_exports
        with self._db.begin() as conn:
            exists = conn.execute(
                sa.select(t.c.entity_id).where(t.c.entity_id == entity_id)
            )
            if exists.first() is None:
                conn.execute(
                    t.insert().values(
                        entity_id=entity_id,
                        order_number=order_number,
                        file_name=file_name,
                        sha256=sha256,
                        exported_at=now,
                        comment_state=CommentState.PENDING,
                    )
                )
            conn.execute(
                order_export_failures.delete().where(
                    order_export_failures.c.entity_id == entity_id
                )
            )

    # --- the Magento comment ---------------------------------------------------

    def comment_done(self, entity_id: int) -> None:
        """The "Exported to ERP" comment is on the Magento order."""
        self._update_comment(
            entity_id,
            comment_state=CommentState.DONE,
            comment_error=None,
            commented_at=self._db.now(),
        )

    def comment_failed(
        self, entity_id: int, error: str, *, give_up: bool = False
    ) -> None:
        """The comment could not be added.

        Args:
            entity_id: Magento's order id.
            error: Why (Magento's message).
            give_up: Stop retrying (state ``failed``); otherwise it stays ``pending``
                and is retried on the next poll.
        """
        state = CommentState.FAILED if give_up else CommentState.PENDING
        self._update_comment(entity_id, comment_state=state, comment_error=error)

    def _update_comment(self, entity_id: int, **values: Any) -> None:
        t = order_exports
        with self._db.begin() as conn:
            conn.execute(
                t.update()
                .where(t.c.entity_id == entity_id)
                .values(comment_attempts=t.c.comment_attempts + 1, **values)
            )

    def pending_comments(self) -> list[OrderExport]:
        """Exported orders whose Magento comment is still missing, oldest first."""
        t = order_exports
        with self._db.begin() as conn:
            rows = conn.execute(
                sa.select(t)
                .where(t.c.comment_state == CommentState.PENDING)
                .order_by(t.c.entity_id)
            ).all()
        return [_export(row._mapping) for row in rows]

    # --- failures ---------------------------------------------------------------

    def record_failure(self, entity_id: int, order_number: str, reason: str) -> int:
        """Remember that an order could not be exported this poll.

        Returns:
            How many polls have failed for this order so far.
        """
        now = self._db.now()
        t = order_export_failures
        with self._db.begin() as conn:
            row = conn.execute(
                sa.select(t.c.attempts).where(t.c.entity_id == entity_id)
            ).first()
            if row is None:
                conn.execute(
                    t.insert().values(
                        entity_id=entity_id,
                        order_number=order_number,
                        reason=reason,
                        attempts=1,
                        first_at=now,
                        last_at=now,
                    )
                )
                return 1
            attempts = int(row[0]) + 1
            conn.execute(
                t.update()
                .where(t.c.entity_id == entity_id)
                .values(reason=reason, attempts=attempts, last_at=now)
            )
            return attempts

    def clear_failure(self, entity_id: int) -> None:
        """Forget a failure (the order left the exported states)."""
        t = order_export_failures
        with self._db.begin() as conn:
            conn.execute(t.delete().where(t.c.entity_id == entity_id))

    def failures(self) -> list[OrderExportFailure]:
        """Orders that could not be exported, oldest failure first."""
        t = order_export_failures
        with self._db.begin() as conn:
            rows = conn.execute(
                sa.select(t).order_by(t.c.first_at, t.c.entity_id)
            ).all()
        return [
            OrderExportFailure(
                entity_id=m["entity_id"],
                order_number=m["order_number"],
                reason=m["reason"],
                attempts=m["attempts"],
                first_at=as_utc(m["first_at"]),
                last_at=as_utc(m["last_at"]),
            )
            for m in (row._mapping for row in rows)
        ]

    # --- cursor and last poll -------------------------------------------------

    def get_cursor(self) -> datetime | None:
        """The newest ``created_at`` of the orders handled so far, or None."""
        return self._get_time(_CURSOR)

    def set_cursor(self, value: datetime) -> None:
        """Move the cursor forward to ``value`` (never backwards)."""
        current = self.get_cursor()
        if current is None or value > current:
            self._set_time(_CURSOR, value)

    def get_last_poll(self) -> datetime | None:
        """When the last order poll finished, or None."""
        return self._get_time(_LAST_POLL)

    def set_last_poll(self, value: datetime) -> None:
        """Remember when a poll finished."""
        self._set_time(_LAST_POLL, value)

    def _get_time(self, name: str) -> datetime | None:
        with self._db.begin() as conn:
            row = conn.execute(sa.select(kv.c.value).where(kv.c.name == name)).first()
        return None if row is None else datetime.fromisoformat(row[0])

    def _set_time(self, name: str, value: datetime) -> None:
        text = value.astimezone(UTC).isoformat()
        with self._db.begin() as conn:
            put_value(conn, name, text, self._db.now())

    # --- status -------------------------------------------------------------------

    def status(self) -> OrderExportStatus:
        """Cursor, last poll, counts and failures for ``bridge status``."""
        t = order_exports
        with self._db.begin() as conn:
            exported = conn.execute(
                sa.select(sa.func.count()).select_from(t)
            ).scalar_one()
            pending = conn.execute(
                sa.select(sa.func.count()).where(
                    t.c.comment_state == CommentState.PENDING
                )
            ).scalar_one()
        return OrderExportStatus(
            cursor=self.get_cursor(),
            last_poll=self.get_last_poll(),
            exported=int(exported),
            comments_pending=int(pending),
            failures=self.failures(),
        )


def _export(m: Any) -> OrderExport:
    return OrderExport(
        entity_id=m["entity_id"],
        order_number=m["order_number"],
        file_name=m["file_name"],
        sha256=m["sha256"],
        exported_at=as_utc(m["exported_at"]),
        comment_state=m["comment_state"],
        comment_attempts=m["comment_attempts"],
        comment_error=m["comment_error"],
    )
