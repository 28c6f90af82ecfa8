"""Stock state: the last applied qty per SKU and source, with the time it is valid at.

The as-of time (``updated_at``, else the file's ``generated``, else its mtime) is kept
as integer microseconds since the epoch so that ordering is exact in SQL. A value older
than the stored one is stale and never applied (SPEC §3).

The stored qty is what Magento holds after the bridge's writes *and* MSI's deductions:
a delivery shipped after the stored figure's time takes its quantity off it (Magento
deducted it), so "unchanged" keeps meaning "Magento already has it". Each delivery's
deduction is kept with its time, so that an ERP figure dated before a delivery (which
does not reflect it) is lowered by it before it is compared and sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa

from bridge.ledger._schema import staging, stock_deductions, stock_state
from bridge.ledger._sql import upsert, write_outcomes
from bridge.ledger.staging import STAGED_COLUMNS, StagedRow, winners_query
from bridge.models.status import RecordOutcome

if TYPE_CHECKING:
    from bridge.ledger.database import Database
    from bridge.ledger.stock_staging import StockStaging

__all__ = [
    "AppliedStock",
    "Deduction",
    "StockCandidate",
    "StockState",
    "StockStateStore",
]

#: SKUs per ``IN`` list when reading deductions (well under every driver's limit).
_IN_CHUNK = 500


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
class Deduction:
    """What MSI took off one source for one SKU when a delivery was shipped."""

    sku: str
    source: str
    qty: Decimal
    shipped_at: int


@dataclass(frozen=True, slots=True)
class StockCandidate:
    """A staged stock value (key ``sku``, subkey ``source``) with its state, if any."""

    staged: StagedRow
    state: StockState | None


def _settled(horizon: int) -> sa.ColumnElement[bool]:
    """A staged winner (joined with its state) that Magento already has as it is."""
    s, d = staging, stock_deductions
    later_delivery = (
        sa.select(sa.literal(1))
        .where(d.c.sku == s.c.key, d.c.source == s.c.subkey, d.c.shipped_at > s.c.as_of)
        .exists()
    )
    return sa.and_(
        s.c.value == stock_state.c.qty,
        s.c.as_of >= stock_state.c.as_of,
        s.c.as_of <= horizon,
        sa.not_(later_delivery),
    )


#: The state columns a candidate carries, in ``StockState`` order.
_STATE = (stock_state.c.qty, stock_state.c.as_of, stock_state.c.item_id)


class StockStateStore:
    """Read and write the per-SKU-and-source stock state."""

    def __init__(self, db: Database) -> None:
        """Use ``ledger``'s database."""
        self._db = db

    def open_staging(self) -> StockStaging:
        """Open a staging area for one file's stock values (close it when done).

        See ``stock_staging.py``: a TEMP table on a connection held until
        ``close()``, set apart from the shared staging table.
        """
        from bridge.ledger.stock_staging import StockStaging

        return StockStaging(self._db)

    def get(self, sku: str, source: str) -> StockState | None:
        """Return the state of one SKU at one source, or None."""
        stmt = sa.select(*_STATE).where(
            stock_state.c.sku == sku, stock_state.c.source == source
        )
        with self._db.begin() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else StockState(*row)

    def candidates(
        self,
        file_id: int,
        lane: str,
        *,
        after_idx: int,
        limit: int,
        settled_before: int | None = None,
    ) -> list[StockCandidate]:
        """Return the next page of a lane's staged winners, each with its state.

        Rows are read by position rather than by name (a snapshot's pages are many).

        Args:
            file_id: The file.
            lane: The staging lane whose key is the SKU and subkey the source.
            after_idx: Keyset cursor: only rows with a larger ``idx``.
            limit: Page size.
            settled_before: Leave out the values :meth:`settle_unchanged` counts for
                this horizon (None: every winner).
        """
        stmt = winners_query(
            file_id,
            lane,
            _STATE,
            (("key", "sku"), ("subkey", "source")),
            after_idx=after_idx,
            limit=limit,
        )
        if settled_before is not None:
            stmt = stmt.where(
                sa.or_(
                    stock_state.c.sku.is_(None),
                    sa.not_(_settled(settled_before)),
                )
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

    def settle_unchanged(self, file_id: int, lane: str, *, horizon: int) -> int:
        """Count a lane's winners Magento already has, and move their as-of forward.

        A winner is settled when its SKU and source hold the same qty, it is not
        older than the state (stale) nor dated past ``horizon`` (future), and no
        delivery shipped after its time would lower it. One join counts them and
        one ``UPDATE … FROM`` moves the state's as-of time to the newer values, so
        a snapshot's unchanged rows never come back to Python.

        Args:
            file_id: The file.
            lane: The staging lane (key = SKU, subkey = source).
            horizon: Values dated after this (micros) are left for the caller.

        Returns:
            How many winners were settled.
        """
        s = staging
        joined = sa.and_(
            s.c.key == stock_state.c.sku,
            s.c.subkey == stock_state.c.source,
            s.c.file_id == file_id,
            s.c.lane == lane,
            s.c.superseded == sa.false(),
            _settled(horizon),
        )
        count = sa.select(sa.func.count()).select_from(s).join(stock_state, joined)
        bump = (
            stock_state.update()
            .where(joined, s.c.as_of > stock_state.c.as_of)
            .values(as_of=s.c.as_of)
        )
        with self._db.begin() as conn:
            settled = int(conn.execute(count).scalar_one())
            conn.execute(bump)
        return settled

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

    def deductions(self, skus: Sequence[str]) -> dict[tuple[str, str], list[Deduction]]:
        """Return the recorded deductions of ``skus``, by (SKU, source).

        Args:
            skus: The SKUs of one page of candidates.
        """
        found: dict[tuple[str, str], list[Deduction]] = {}
        cols = (
            stock_deductions.c.sku,
            stock_deductions.c.source,
            stock_deductions.c.qty,
            stock_deductions.c.shipped_at,
        )
        unique = sorted(set(skus))
        with self._db.begin() as conn:
            for start in range(0, len(unique), _IN_CHUNK):
                chunk = unique[start : start + _IN_CHUNK]
                stmt = sa.select(*cols).where(stock_deductions.c.sku.in_(chunk))
                for sku, source, qty, when in conn.execute(stmt):
                    found.setdefault((sku, source), []).append(
                        Deduction(sku, source, Decimal(qty), when)
                    )
        return found

    def record_deductions(
        self,
        shipment_id: str,
        deductions: Sequence[Deduction],
        adjusted: Sequence[tuple[str, str, str]],
    ) -> None:
        """Remember a shipped delivery's deductions and the qty Magento now holds.

        Args:
            shipment_id: The ERP delivery whose shipment MSI deducted.
            deductions: What was taken off each SKU and source.
            adjusted: ``(sku, source, qty)`` of states whose figure predates the
                delivery: Magento now holds ``qty`` (the figure minus the delivery).
        """
        if not deductions:
            return
        now = self._db.now()
        rows = [
            {
                "shipment_id": shipment_id,
                "sku": d.sku,
                "source": d.source,
                "qty": str(d.qty),
                "shipped_at": d.shipped_at,
                "recorded_at": now,
            }
            for d in deductions
        ]
        stmt = (
            stock_state.update()
            .where(
                stock_state.c.sku == sa.bindparam("b_sku"),
                stock_state.c.source == sa.bindparam("b_source"),
            )
            .values(qty=sa.bindparam("b_qty"))
        )
        with self._db.begin() as conn:
            upsert(conn, stock_deductions, rows, ["shipment_id", "sku", "source"])
            if adjusted:
                params = [
                    {"b_sku": sku, "b_source": src, "b_qty": qty}
                    for sku, src, qty in adjusted
                ]
                conn.execute(stmt, params)

    def page(
        self, skus: Sequence[str], *, after: tuple[str, str], limit: int
    ) -> list[tuple[str, str, str]]:
        """Return the next page of ``(sku, source, qty)`` states, by SKU and source.

        Args:
            skus: Only these SKUs (empty: every SKU).
            after: Keyset cursor: only states after this ``(sku, source)``.
            limit: Page size.
        """
        sku, source = stock_state.c.sku, stock_state.c.source
        stmt = (
            sa.select(sku, source, stock_state.c.qty)
            .where(sa.tuple_(sku, source) > sa.tuple_(*after))
            .order_by(sku, source)
            .limit(limit)
        )
        if skus:
            stmt = stmt.where(sku.in_(list(skus)))
        with self._db.begin() as conn:
            return [(r[0], r[1], r[2]) for r in conn.execute(stmt)]
