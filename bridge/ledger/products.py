"""Product state: the core data last applied per SKU, and its fingerprint.

A record whose fingerprint equals the stored one makes no Magento call; otherwise the
stored per-field values tell which core fields changed, so an update carries only those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bridge.ledger._schema import product_state
from bridge.ledger._sql import upsert, write_outcomes

if TYPE_CHECKING:
    from bridge.ledger.database import Database

__all__ = ["AppliedProduct", "ProductStateStore", "product_state"]


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


class ProductStateStore:
    """Read and write the per-SKU product state."""

    def __init__(self, db: Database) -> None:
        """Use ``ledger``'s database."""
        self._db = db

    def get(self, sku: str) -> Any | None:
        """Return the state row of one SKU, or None when never applied."""
        stmt = sa.select(product_state).where(product_state.c.sku == sku)
        with self._db.begin() as conn:
            return conn.execute(stmt).first()

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
                "applied" if a.action != "unchanged" else "unchanged",
                a.action,
            )
            for a in applied
        ]
        with self._db.begin() as conn:
            upsert(conn, product_state, rows, ["sku"])
            write_outcomes(conn, file_id, "products", outcomes, now)
