"""Small SQL helpers shared by the stores: upsert, named values, outcome rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bridge.ledger._schema import kv, records

__all__ = ["put_value", "upsert", "write_outcomes"]


def upsert(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
) -> None:
    """Insert ``rows`` into ``table``, replacing rows with the same ``keys``.

    Args:
        conn: An open transaction.
        table: The target table.
        rows: Complete rows (every row has the same columns).
        keys: The primary-key columns that identify a row.
    """
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table)
    update = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    conn.execute(
        stmt.on_conflict_do_update(index_elements=list(keys), set_=update), rows
    )


def put_value(conn: Connection, name: str, value: str, now: datetime) -> None:
    """Write one named value of the ``kv`` table (insert or replace)."""
    upsert(conn, kv, [{"name": name, "value": value, "updated_at": now}], ["name"])


def write_outcomes(
    conn: Connection,
    file_id: int,
    kind: str,
    outcomes: Sequence[tuple[int, int, str, str, str]],
    at: datetime,
) -> None:
    """Log per-record outcomes in the ``records`` table, in the caller's transaction.

    Applied records are logged here, next to the state they changed, rather than
    carried in ``FlowResult.notes``: that keeps memory flat for million-row files.

    Args:
        conn: An open transaction.
        file_id: The file the records came from.
        kind: The file's kind.
        outcomes: ``(idx, line, record_key, outcome, message)`` tuples.
        at: The time to log.
    """
    if not outcomes:
        return
    conn.execute(
        records.insert(),
        [
            {
                "file_id": file_id,
                "idx": idx,
                "line": line,
                "kind": kind,
                "record_key": key,
                "outcome": outcome,
                "message": message,
                "at": at,
            }
            for idx, line, key, outcome, message in outcomes
        ],
    )
