"""Small SQL helpers shared by the stores: upsert, named values, outcome rows."""

from __future__ import annotations

import functools
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
    stmt = _upsert(conn.dialect.name, table, tuple(keys), tuple(rows[0]))
    conn.execute(stmt, rows)


@functools.lru_cache(maxsize=256)
def _upsert(
    dialect: str, table: sa.Table, keys: tuple[str, ...], columns: tuple[str, ...]
) -> Any:
    """The upsert statement for these columns, built once.

    Building a statement costs more than running it (many small files, issue 17).
    """
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table)
    update = {c: stmt.excluded[c] for c in columns if c not in keys}
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=update)


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
