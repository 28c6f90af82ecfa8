"""Stock state: the last applied qty per SKU and source, with the time it is valid at.

The as-of time (``updated_at``, else the file's ``generated``, else its mtime) is kept
as integer microseconds since the epoch so that ordering is exact in SQL. A value older
than the stored one is stale and never applied (SPEC §3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bridge.ledger._schema import stock_state
from bridge.ledger._sql import upsert, write_outcomes

if TYPE_CHECKING:
    from bridge.ledger.database import Database

__all__ = ["AppliedStock", "StockStateStore", "stock_state"]


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


class StockStateStore:
    """Read and write the per-SKU-and-source stock state."""

    def __init__(self, db: Database) -> None:
        """Use ``ledger``'s database."""
        self._db = db

    def get(self, sku: str, source: str) -> Any | None:
        """Return the state row of one SKU at one source, or None."""
        stmt = sa.select(stock_state).where(
            stock_state.c.sku == sku, stock_state.c.source == source
        )
        with self._db.begin() as conn:
            return conn.execute(stmt).first()

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
                    (a.idx, a.line, a.record_key, "applied", f"qty {a.qty}")
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
