"""Product state: the core data last applied per SKU, and its fingerprint.

A record whose fingerprint equals the stored one makes no Magento call; otherwise the
stored per-field values tell which core fields changed, so an update carries only those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bridge.ledger._schema import product_state
from bridge.ledger._sql import upsert, write_outcomes
from bridge.ledger.staging import STAGED_COLUMNS, StagedRow, winners_query
from bridge.models.status import ProductAction, RecordOutcome
from bridge.support.clock import as_utc

if TYPE_CHECKING:
    from bridge.ledger.database import Database

__all__ = ["AppliedProduct", "ProductCandidate", "ProductState", "ProductStateStore"]


@dataclass(frozen=True)
class AppliedProduct:
    """A product whose core data Magento now has."""

    sku: str
    fingerprint: str
    fields: str
    action: str
    idx: int
    line: int
    record_key: str


@dataclass(frozen=True, slots=True)
class ProductState:
    """What the ledger knows of one SKU's core data."""

    fingerprint: str
    fields: str
    action: str
    file_id: int | None
    applied_at: datetime


@dataclass(frozen=True, slots=True)
class ProductCandidate:
    """A staged product (key ``sku``) with its state, if any."""

    staged: StagedRow
    state: ProductState | None


#: The state columns a candidate carries, in ``ProductState`` order.
_STATE = (
    product_state.c.fingerprint,
    product_state.c.fields,
    product_state.c.action,
    product_state.c.file_id,
    product_state.c.applied_at,
)


def _state(values: Sequence[Any]) -> ProductState | None:
    if values[0] is None:
        return None
    fingerprint, fields, action, file_id, applied_at = values
    return ProductState(fingerprint, fields, action, file_id, as_utc(applied_at))


class ProductStateStore:
    """Read and write the per-SKU product state."""

    def __init__(self, db: Database) -> None:
        """Use ``ledger``'s database."""
        self._db = db

    def get(self, sku: str) -> ProductState | None:
        """Return the state of one SKU, or None when never applied."""
        stmt = sa.select(*_STATE).where(product_state.c.sku == sku)
        with self._db.begin() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else _state(row)

    def candidates(
        self, file_id: int, lane: str, *, after_idx: int, limit: int
    ) -> list[ProductCandidate]:
        """Return the next page of a lane's staged winners (key: SKU) with state."""
        stmt = winners_query(
            file_id,
            lane,
            _STATE,
            (("key", "sku"),),
            after_idx=after_idx,
            limit=limit,
        )
        with self._db.begin() as conn:
            rows = conn.execute(stmt).all()
        n = len(STAGED_COLUMNS)
        return [ProductCandidate(StagedRow(*r[:n]), _state(r[n:])) for r in rows]

    def save(self, file_id: int, applied: Sequence[AppliedProduct]) -> None:
        """Remember what Magento now has, and log the outcomes, in one transaction."""
        if not applied:
            return
        now = self._db.now()
        rows = [
            {
                "sku": a.sku,
                "fingerprint": a.fingerprint,
                "fields": a.fields,
                "action": a.action,
                "file_id": file_id,
                "applied_at": now,
            }
            for a in applied
        ]
        outcomes = [
            (
                a.idx,
                a.line,
                a.record_key,
                RecordOutcome.APPLIED
                if a.action != ProductAction.UNCHANGED
                else RecordOutcome.UNCHANGED,
                a.action,
            )
            for a in applied
        ]
        with self._db.begin() as conn:
            upsert(conn, product_state, rows, ["sku"])
            write_outcomes(conn, file_id, "products", outcomes, now)

    def page(
        self, skus: Sequence[str], *, after: str, limit: int
    ) -> list[tuple[str, str]]:
        """Return the next page of ``(sku, fields JSON)`` states, by SKU.

        Args:
            skus: Only these SKUs (empty: every SKU).
            after: Keyset cursor: only SKUs after this one.
            limit: Page size.
        """
        sku = product_state.c.sku
        stmt = (
            sa.select(sku, product_state.c.fields)
            .where(sku > after)
            .order_by(sku)
            .limit(limit)
        )
        if skus:
            stmt = stmt.where(sku.in_(list(skus)))
        with self._db.begin() as conn:
            return [(r[0], r[1]) for r in conn.execute(stmt)]
