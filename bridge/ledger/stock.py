"""Stock state: the last applied qty per SKU and source, with the time it is valid at.

The as-of time (``updated_at``, else the file's ``generated``, else its mtime) is kept
as integer microseconds since the epoch so that ordering is exact in SQL. A value older
than the stored one is stale and never applied (SPEC §3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from bridge.ledger._schema import stock_state
from bridge.ledger._sql import upsert, write_outcomes
from bridge.ledger.staging import STAGED_COLUMNS, StagedRow, winners_query
from bridge.models.status import RecordOutcome

if TYPE_CHECKING:
    from bridge.ledger.database import Database

__all__ = ["AppliedStock", "StockCandidate", "StockState", "StockStateStore"]


@dataclass(frozen=True)
class AppliedStock:
    """A stock value Magento now has."""

    sku: str
    source: str
    qty: str
    as_of: int
    item_id: int | None
    idx: int
    line: int
    record_key: str


@dataclass(frozen=True, slots=True)
class StockState:
    """What the ledger knows of one SKU at one source."""

    qty: str
    as_of: int
    item_id: int | None


@dataclass(frozen=True, slots=True)
class StockCandidate:
    """A staged stock value (key ``sku``, subkey ``source``) with its state, if any."""

    staged: StagedRow
    state: StockState | None


#: The state columns a candidate carries, in ``StockState`` order.
_STATE = (stock_state.c.qty, stock_state.c.as_of, stock_state.c.item_id)


class StockStateStore:
    """Read and write the per-SKU-and-source stock state."""

    def __init__(self, db: Database) -> None:
        """Use ``ledger``'s database."""
        self._db = db

    def get(self, sku: str, source: str) -> StockState | None:
        """Return the state of one SKU at one source, or None."""
        stmt = sa.select(*_STATE).where(
            stock_state.c.sku == sku, stock_state.c.source == source
        )
        with self._db.begin() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else StockState(*row)

    def candidates(
        self, file_id: int, lane: str, *, after_idx: int, limit: int
    ) -> list[StockCandidate]:
        """Return the next page of a lane's staged winners, each with its state.

        This runs once per staged row of a million-row snapshot, so rows are read
        by position rather than by name.

        Args:
            file_id: The file.
            lane: The staging lane whose key is the SKU and subkey the source.
            after_idx: Keyset cursor: only rows with a larger ``idx``.
            limit: Page size.
        """
        stmt = winners_query(
            file_id,
            lane,
            _STATE,
            (("key", "sku"), ("subkey", "source")),
            after_idx=after_idx,
            limit=limit,
        )
        with self._db.begin() as conn:
            rows = conn.execute(stmt).all()
        n = len(STAGED_COLUMNS)
        return [
            StockCandidate(
                StagedRow(*r[:n]), None if r[n] is None else StockState(*r[n:])
            )
            for r in rows
        ]

    def save(
        self,
        file_id: int | None,
        applied: Sequence[AppliedStock],
        *,
        kind: str = "stock",
    ) -> None:
        """Remember applied stock values and log the outcomes, in one transaction.

        Args:
            file_id: The applying file (None when seeding a baseline).
            applied: The values Magento accepted.
            kind: The kind of file they came from (stock, or products for ``qty``).
        """
        if not applied:
            return
        now = self._db.now()
        rows = [
            {
                "sku": a.sku,
                "source": a.source,
                "qty": a.qty,
                "as_of": a.as_of,
                "item_id": a.item_id,
                "file_id": file_id,
                "applied_at": now,
            }
            for a in applied
        ]
        with self._db.begin() as conn:
            upsert(conn, stock_state, rows, ["sku", "source"])
            if file_id is not None:
                outcomes = [
                    (a.idx, a.line, a.record_key, RecordOutcome.APPLIED, f"qty {a.qty}")
                    for a in applied
                ]
                write_outcomes(conn, file_id, kind, outcomes, now)

    def bump_as_of(self, bumps: Sequence[tuple[str, str, int]]) -> None:
        """Move the as-of time forward for values confirmed by a newer record.

        Args:
            bumps: ``(sku, source, as_of)`` triples; older times never win.
        """
        if not bumps:
            return
        stmt = (
            stock_state.update()
            .where(
                stock_state.c.sku == sa.bindparam("b_sku"),
                stock_state.c.source == sa.bindparam("b_source"),
                stock_state.c.as_of < sa.bindparam("b_as_of"),
            )
            .values(as_of=sa.bindparam("b_as_of"))
        )
        params = [{"b_sku": s, "b_source": src, "b_as_of": t} for s, src, t in bumps]
        with self._db.begin() as conn:
            conn.execute(stmt, params)
