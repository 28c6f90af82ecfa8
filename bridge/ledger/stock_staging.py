"""A file's stock values staged in a TEMP table on one held connection.

A stock snapshot stages a million values only to compare them with the stock state
once and throw them away, and a crashed or stopped file is staged again from scratch
anyway (the stock state and the records log are what make it exactly once). So the
values do not go to the shared ``staging`` table, whose every row is written to the
WAL, indexed twice and deleted again, but to a connection-local TEMP table: no WAL, no
fsync, nothing to delete (it is dropped). The table is loaded bare (``executemany`` on
SQLite, ``COPY`` on PostgreSQL) and indexed once, after the load.

Then, in SQL: the values beaten by a newer or later one of their SKU and source are
marked (ranking only the keys that repeat), one join copies the *delta* (winners that
are new, changed, stale, future-dated or lowered by a later delivery) into a second
TEMP table and one ``UPDATE … FROM`` moves the as-of time of the rest forward. Only the
delta is paged into Python, joined with the current state at each page.
"""

# ruff: noqa: S608 - every statement here is assembled from this module's constants
# (table and column names); values always go in as bound parameters.
from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bridge.ledger.staging import StagedRow, Superseded
from bridge.ledger.stock import StockCandidate, StockState

if TYPE_CHECKING:
    from bridge.ledger.database import Database

__all__ = ["StagedStock", "StockStaging"]

#: A staged stock value: ``(idx, line, record_key, sku, source, as_of, qty, payload)``.
StagedStock = tuple[int, int, str, str, str, int, str, str]

_COLUMNS = "idx, line, record_key, sku, source, as_of, qty, payload"
#: The staging table; on SQLite ``idx`` is the rowid (appended in order, no index).
_STAGE = (
    "CREATE TEMP TABLE stock_stage (idx {idx}, line BIGINT NOT NULL,"
    " record_key TEXT NOT NULL, sku TEXT NOT NULL, source TEXT NOT NULL,"
    " as_of BIGINT NOT NULL, qty TEXT NOT NULL, payload TEXT NOT NULL,"
    " superseded BOOLEAN NOT NULL DEFAULT FALSE)"
)
_DELTA = (
    f"CREATE TEMP TABLE stock_delta AS SELECT {_COLUMNS} FROM stock_stage WHERE 1=0"
)
_KEY_INDEX = "CREATE INDEX stock_stage_key ON stock_stage (sku, source, as_of, idx)"
#: Keys staged more than once: only their rows are ranked.
_REPEATED = (
    "SELECT sku, source FROM stock_stage GROUP BY sku, source HAVING count(*) > 1"
)
_RANKED = (
    f"SELECT s.*, first_value(s.idx) OVER w AS winner_idx,"
    f" first_value(s.line) OVER w AS winner_line,"
    f" row_number() OVER w AS rank FROM stock_stage s"
    f" JOIN ({_REPEATED}) r ON r.sku = s.sku AND r.source = s.source"
    f" WINDOW w AS (PARTITION BY s.sku, s.source ORDER BY s.as_of DESC, s.idx DESC)"
)
#: A winner Magento already has as it is (joined with its state ``st``).
_SETTLED = (
    "st.qty = s.qty AND st.as_of <= s.as_of AND s.as_of <= :horizon"
    " AND NOT EXISTS (SELECT 1 FROM stock_deductions d WHERE d.sku = s.sku"
    " AND d.source = s.source AND d.shipped_at > s.as_of)"
)
_STATE_JOIN = "stock_state st ON st.sku = s.sku AND st.source = s.source"


class StockStaging:
    """One file's staged stock values, on a connection held until :meth:`close`.

    Args:
        db: The ledger's database (its engine lends the connection).
        chunk: Rows handed to the driver per statement while loading.
    """

    def __init__(self, db: Database, *, chunk: int = 10_000) -> None:
        """Take a connection from the pool and create the empty TEMP tables."""
        self._db = db
        self._chunk = chunk
        self._pg = db.dialect == "postgresql"
        self._indexed = False
        self._conn: Connection | None = db.engine.connect()
        temp = "pg_temp" if self._pg else "temp"
        with self._tx() as conn:
            for table in ("stock_stage", "stock_delta"):
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {temp}.{table}")
            if not self._pg:
                # The TEMP tables' own page cache (the default is 2 MB); pages beyond
                # it spill to an unsynced temporary file, so memory stays flat.
                conn.exec_driver_sql("PRAGMA temp.cache_size = -16384")
            idx = "BIGINT NOT NULL" if self._pg else "INTEGER PRIMARY KEY"
            conn.exec_driver_sql(_STAGE.format(idx=idx))
            conn.exec_driver_sql(_DELTA)

    @contextlib.contextmanager
    def _tx(self) -> Iterator[Connection]:
        if self._conn is None:
            msg = "stock staging used after close()"
            raise RuntimeError(msg)
        with self._db.translate(), self._conn.begin():
            yield self._conn

    def close(self) -> None:
        """Drop the TEMP tables and give the connection back (idempotent)."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            with conn.begin():
                conn.exec_driver_sql("DROP TABLE IF EXISTS stock_stage")
                conn.exec_driver_sql("DROP TABLE IF EXISTS stock_delta")
        finally:
            conn.close()

    def add(self, rows: Iterable[StagedStock]) -> int:
        """Stage values (streamed, in chunks); return how many were staged."""
        count = 0
        buffer: list[StagedStock] = []
        for row in rows:
            buffer.append(row)
            if len(buffer) >= self._chunk:
                count += self._load(buffer)
        return count + self._load(buffer)

    def _load(self, buffer: list[StagedStock]) -> int:
        if not buffer:
            return 0
        with self._tx() as conn:
            if self._pg:
                cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                with cursor.copy(f"COPY stock_stage ({_COLUMNS}) FROM STDIN") as copy:
                    for row in buffer:
                        copy.write_row(row)
            else:
                conn.exec_driver_sql(
                    f"INSERT INTO stock_stage ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
                    buffer,
                )
        n = len(buffer)
        buffer.clear()
        return n

    def _ready(self, conn: Connection) -> None:
        """Index the loaded table once (cheaper than indexing row by row)."""
        if self._indexed:
            return
        conn.exec_driver_sql(_KEY_INDEX)
        if self._pg:
            # PostgreSQL has no rowid, and never analyses TEMP tables by itself.
            conn.exec_driver_sql(
                "CREATE UNIQUE INDEX stock_stage_idx ON stock_stage (idx)"
            )
            conn.exec_driver_sql("ANALYZE stock_stage")
        self._indexed = True

    def _run(self, sql: str, **params: Any) -> int:
        """Run one statement in its own transaction; return its row count."""
        with self._tx() as conn:
            self._ready(conn)
            return int(conn.execute(sa.text(sql), params).rowcount or 0)

    def _rows(self, sql: str, **params: Any) -> list[Any]:
        """Run one query in its own transaction; return its rows."""
        with self._tx() as conn:
            self._ready(conn)
            return list(conn.execute(sa.text(sql), params).all())

    def _count(self, sql: str) -> int:
        return int(self._rows(sql)[0][0])

    def discard_keys(self, skus: Iterable[str]) -> None:
        """Drop the staged values of these SKUs (rejected products)."""
        for sku in sorted(set(skus)):
            for table in ("stock_stage", "stock_delta"):
                self._run(f"DELETE FROM {table} WHERE sku = :sku", sku=sku)

    def discard_beaten(self, file_id: int, lane: str) -> None:
        """Drop values of records superseded in a lane of the shared staging table."""
        self._run(
            "DELETE FROM stock_stage WHERE idx IN (SELECT idx FROM staging"
            " WHERE file_id = :file_id AND lane = :lane AND superseded = :yes)",
            file_id=file_id,
            lane=lane,
            yes=True,
        )

    def mark_superseded(self) -> int:
        """Mark every value beaten by a newer (as-of) or later (idx) one of its key.

        Only the keys staged more than once are ranked (one window over them), so a
        snapshot of distinct SKUs costs one pass over the index and no sort.

        Returns:
            How many values were marked.
        """
        return self._run(
            "UPDATE stock_stage SET superseded = TRUE WHERE idx IN"
            f" (SELECT idx FROM ({_RANKED}) x WHERE x.rank > 1)"
        )

    def superseded(self, *, limit: int) -> list[Superseded]:
        """Return up to ``limit`` superseded values, each with its winner's position."""
        rows = self._rows(
            f"SELECT idx, line, record_key, sku, source, as_of, qty, payload,"
            f" winner_idx, winner_line FROM ({_RANKED}) x WHERE x.superseded"
            " ORDER BY idx LIMIT :limit",
            limit=limit,
        )
        return [Superseded(StagedRow(*r[:8]), r[8], r[9]) for r in rows]

    def count_superseded(self) -> int:
        """Count the superseded values."""
        return self._count("SELECT count(*) FROM stock_stage WHERE superseded")

    def settle(self, horizon: int | None) -> int:
        """Set the delta apart, settle the rest, and return how many were settled.

        A winner is settled when its SKU and source hold the same qty, it is not
        older than the state (stale) nor dated past ``horizon`` (future), and no
        delivery shipped after its time would lower it. One join copies every other
        winner (the delta) into ``stock_delta``; one ``UPDATE … FROM`` moves the
        state's as-of time to the settled values that are newer.

        Args:
            horizon: Values dated after this (micros) are left in the delta; None
                settles nothing (every winner is in the delta: a forced re-apply).
        """
        cols = ", ".join(f"s.{c.strip()}" for c in _COLUMNS.split(","))
        if horizon is None:
            self._run(
                f"INSERT INTO stock_delta SELECT {cols} FROM stock_stage s"
                " WHERE NOT s.superseded"
            )
        else:
            self._run(
                f"INSERT INTO stock_delta SELECT {cols} FROM stock_stage s"
                f" LEFT JOIN {_STATE_JOIN} WHERE NOT s.superseded"
                f" AND (st.sku IS NULL OR NOT ({_SETTLED}))",
                horizon=horizon,
            )
            self._run(
                "UPDATE stock_state AS st SET as_of = s.as_of FROM stock_stage s"
                " WHERE st.sku = s.sku AND st.source = s.source"
                f" AND NOT s.superseded AND s.as_of > st.as_of AND {_SETTLED}",
                horizon=horizon,
            )
        self._run("CREATE INDEX stock_delta_idx ON stock_delta (idx)")
        winners = self._count("SELECT count(*) FROM stock_stage WHERE NOT superseded")
        return winners - self._count("SELECT count(*) FROM stock_delta")

    def candidates(self, *, after_idx: int, limit: int) -> list[StockCandidate]:
        """Return the next page of the delta (see :meth:`settle`) with its state."""
        rows = self._rows(
            "SELECT s.idx, s.line, s.record_key, s.sku, s.source, s.as_of, s.qty,"
            f" s.payload, st.qty, st.as_of, st.item_id FROM stock_delta s"
            f" LEFT JOIN {_STATE_JOIN} WHERE s.idx > :after ORDER BY s.idx"
            " LIMIT :limit",
            after=after_idx,
            limit=limit,
        )
        return [
            StockCandidate(
                StagedRow(*r[:8]), None if r[8] is None else StockState(*r[8:])
            )
            for r in rows
        ]
