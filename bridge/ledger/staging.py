"""Per-file staging of records, so a streamed file can be deduplicated on disk.

A flow gets each file's records once, as a stream. To honour "the last occurrence of a
key wins" (and "the newest value wins") without holding the file in memory, a flow
first appends every record here, then lets SQL mark the superseded ones, then reads
the winners page by page (joined with its state by the state's store). The ledger
reads only the key columns; ``value`` and ``payload`` are the flow's, kept as they
were handed in. Rows are removed when the file is done (and staged again from scratch
when a file is resumed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bridge.ledger._schema import staging

if TYPE_CHECKING:
    from bridge.ledger.database import Database

__all__ = [
    "STAGED_COLUMNS",
    "StagedRow",
    "StagingStore",
    "Superseded",
    "staged_row",
    "winners_query",
]


@dataclass(frozen=True, slots=True)
class StagedRow:
    """One staged record: plain values only (what is staged is what is read back).

    Attributes:
        idx: The record's index in the file (unique per file and lane).
        line: Its line in the file.
        record_key: Its business key, for messages and the records log.
        key: The deduplication key (rows with equal key and subkey compete).
        subkey: The second part of that key ("" when there is none).
        as_of: The time the value is valid at; the newer one wins, then the later idx.
        value: A short value the flow compares with its state.
        payload: Anything the flow wants back, opaque to the ledger.
    """

    idx: int
    line: int
    record_key: str
    key: str
    subkey: str
    as_of: int
    value: str
    payload: str


@dataclass(frozen=True, slots=True)
class Superseded:
    """A staged row beaten by another of its key, with that winner's position."""

    row: StagedRow
    winner_idx: int
    winner_line: int


#: The staging columns in ``StagedRow`` field order (rows are read by position).
STAGED_COLUMNS = (
    "idx",
    "line",
    "record_key",
    "key",
    "subkey",
    "as_of",
    "value",
    "payload",
)


def staged_row(row: Any) -> StagedRow:
    """Build a typed staged row from a result row that starts with the staged columns."""
    return StagedRow(*row[: len(STAGED_COLUMNS)])


def winners_query(
    file_id: int,
    lane: str,
    state_columns: Sequence[sa.Column[Any]],
    on: Sequence[tuple[str, str]],
    *,
    after_idx: int,
    limit: int,
) -> sa.Select[Any]:
    """Select the next page of winners of a lane, left-joined with a state table.

    Each result row is the staged columns (``STAGED_COLUMNS``) followed by
    ``state_columns`` (all None when the key has no state yet).

    Args:
        file_id: The file.
        lane: The staging lane.
        state_columns: The columns of the store's state table to return.
        on: ``(staging column, state column)`` names that form the join.
        after_idx: Keyset cursor: only rows with a larger ``idx``.
        limit: Page size.
    """
    state = state_columns[0].table
    cond = sa.and_(*(staging.c[a] == state.c[b] for a, b in on))
    return (
        sa.select(*(staging.c[n] for n in STAGED_COLUMNS), *state_columns)
        .select_from(staging.outerjoin(state, cond))
        .where(
            staging.c.file_id == file_id,
            staging.c.lane == lane,
            staging.c.superseded == sa.false(),
            staging.c.idx > after_idx,
        )
        .order_by(staging.c.idx)
        .limit(limit)
    )


class StagingStore:
    """Stage a file's records, find the superseded ones, and clean up.

    Args:
        db: The database holding the staging table.
        chunk: Rows written per statement.
    """

    def __init__(self, db: Database, *, chunk: int = 10_000) -> None:
        """Use ``db``; nothing is read yet."""
        self._db = db
        self._chunk = chunk

    def clear(self, file_id: int, lane: str) -> None:
        """Forget what was staged for one file and lane."""
        with self._db.begin() as conn:
            conn.execute(
                staging.delete().where(
                    staging.c.file_id == file_id, staging.c.lane == lane
                )
            )

    def stage(self, file_id: int, lane: str, rows: Iterable[StagedRow]) -> int:
        """Append rows (streamed, in chunks) and return how many were staged.

        Rows go straight to the driver (``COPY`` on PostgreSQL, ``executemany`` on
        SQLite): a million-row snapshot is staged without a SQLAlchemy parameter
        dict per row.
        """
        count = 0
        buffer: list[tuple[Any, ...]] = []
        for r in rows:
            buffer.append(
                (
                    file_id,
                    lane,
                    r.idx,
                    r.line,
                    r.record_key,
                    r.key,
                    r.subkey,
                    r.as_of,
                    r.value,
                    r.payload,
                    False,
                )
            )
            if len(buffer) >= self._chunk:
                count += self._flush(buffer)
        return count + self._flush(buffer)

    def _flush(self, buffer: list[tuple[Any, ...]]) -> int:
        if not buffer:
            return 0
        with self._db.begin() as conn:
            _insert_rows(conn, buffer)
        n = len(buffer)
        buffer.clear()
        return n

    def mark_superseded(self, file_id: int, lane: str) -> int:
        """Mark every row beaten by a newer (as_of) or later (idx) row of its key.

        One ranking pass (a window over each key, newest and latest first) and one
        ``UPDATE … FROM``: linear in the rows however often a key repeats (a
        correlated "is there a better row" test was quadratic in the repeats).

        Returns:
            How many rows were marked.
        """
        ranked = (
            sa.select(
                staging.c.idx,
                sa.func.row_number()
                .over(
                    partition_by=(staging.c.key, staging.c.subkey),
                    order_by=(staging.c.as_of.desc(), staging.c.idx.desc()),
                )
                .label("rank"),
            )
            .where(staging.c.file_id == file_id, staging.c.lane == lane)
            .subquery("ranked")
        )
        stmt = (
            staging.update()
            .where(
                staging.c.file_id == file_id,
                staging.c.lane == lane,
                staging.c.idx == ranked.c.idx,
                ranked.c.rank > 1,
            )
            .values(superseded=True)
        )
        with self._db.begin() as conn:
            return int(conn.execute(stmt).rowcount or 0)

    def superseded(self, file_id: int, lane: str, *, limit: int) -> list[Superseded]:
        """Return up to ``limit`` superseded rows, each with its winner's position.

        The winner of a key is the first row of its ranking (as in
        :meth:`mark_superseded`), read in the same window pass: a join with it
        would look at every row of a key once per superseded row.
        """
        by_key = (staging.c.key, staging.c.subkey)
        best_first = (staging.c.as_of.desc(), staging.c.idx.desc())
        ranked = (
            sa.select(
                *(staging.c[n] for n in STAGED_COLUMNS),
                staging.c.superseded,
                sa.func.first_value(staging.c.idx)
                .over(partition_by=by_key, order_by=best_first)
                .label("winner_idx"),
                sa.func.first_value(staging.c.line)
                .over(partition_by=by_key, order_by=best_first)
                .label("winner_line"),
            )
            .where(staging.c.file_id == file_id, staging.c.lane == lane)
            .subquery("ranked")
        )
        stmt = (
            sa.select(
                *(ranked.c[n] for n in STAGED_COLUMNS),
                ranked.c.winner_idx,
                ranked.c.winner_line,
            )
            .where(ranked.c.superseded == sa.true())
            .order_by(ranked.c.idx)
            .limit(limit)
        )
        with self._db.begin() as conn:
            rows = conn.execute(stmt).all()
        return [Superseded(staged_row(r), r.winner_idx, r.winner_line) for r in rows]

    def count_superseded(self, file_id: int, lane: str) -> int:
        """Count the superseded rows of one file and lane."""
        stmt = sa.select(sa.func.count()).where(
            staging.c.file_id == file_id,
            staging.c.lane == lane,
            staging.c.superseded == sa.true(),
        )
        with self._db.begin() as conn:
            return int(conn.execute(stmt).scalar_one())

    def discard_beaten(self, file_id: int, lane: str, by_lane: str) -> None:
        """Drop ``lane`` rows staged from records superseded in ``by_lane``.

        The rows of both lanes share their ``idx`` (one record, staged twice).
        """
        beaten = sa.select(staging.c.idx).where(
            staging.c.file_id == file_id,
            staging.c.lane == by_lane,
            staging.c.superseded == sa.true(),
        )
        with self._db.begin() as conn:
            conn.execute(
                staging.delete().where(
                    staging.c.file_id == file_id,
                    staging.c.lane == lane,
                    staging.c.idx.in_(beaten),
                )
            )

    def discard_keys(self, file_id: int, lane: str, keys: Iterable[str]) -> None:
        """Drop the staged rows of the given keys."""
        keys = list(keys)
        if not keys:
            return
        with self._db.begin() as conn:
            conn.execute(
                staging.delete().where(
                    staging.c.file_id == file_id,
                    staging.c.lane == lane,
                    staging.c.key.in_(keys),
                )
            )


#: The staging columns in the order ``stage`` hands them to the driver.
_INSERT_COLUMNS = ("file_id", "lane", *STAGED_COLUMNS, "superseded")


def _insert_rows(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert staging rows through the DB-API, in the caller's transaction."""
    names = ", ".join(_INSERT_COLUMNS)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY staging ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(_INSERT_COLUMNS))
    conn.exec_driver_sql(f"INSERT INTO staging ({names}) VALUES ({marks})", rows)  # noqa: S608 - fixed column names
