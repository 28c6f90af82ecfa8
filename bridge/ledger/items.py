"""Items found by GTIN: which SKU a GTIN-14 was found under, remembered.

A despatch or inventory line that names its item only by a GTIN is resolved through
Magento's EAN attribute once (SPEC §7); the answer is kept in ``gtin_items`` so later
files with the same GTIN need no search. Only unambiguous answers (exactly one
product) are remembered: a GTIN that matches no product, or several, is asked again
next time, so fixing the catalogue is enough. An answer older than
``magento.gtin_cache_seconds`` is asked again as well, so an EAN moved to another
product in Magento is followed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from bridge.ledger._schema import gtin_items
from bridge.ledger._sql import upsert

if TYPE_CHECKING:
    from bridge.ledger.database import Database

__all__ = ["ItemStore"]


class ItemStore:
    """The ``gtin_items`` table: GTIN-14 → SKU."""

    def __init__(self, db: Database) -> None:
        """Bind the store to its database."""
        self.db = db

    def skus(
        self, gtins: Iterable[str], *, since: datetime | None = None
    ) -> dict[str, str]:
        """The remembered SKU of each of ``gtins`` that has one (GTIN-14 keys).

        Args:
            gtins: The GTIN-14s wanted.
            since: Only answers found at or after this time (``None``: any age).
        """
        wanted = sorted(set(gtins))
        if not wanted:
            return {}
        query = sa.select(gtin_items.c.gtin, gtin_items.c.sku).where(
            gtin_items.c.gtin.in_(wanted)
        )
        if since is not None:
            query = query.where(gtin_items.c.resolved_at >= since)
        with self.db.begin() as conn:
            return {row.gtin: row.sku for row in conn.execute(query)}

    def remember(self, found: Mapping[str, str]) -> None:
        """Keep the SKU each GTIN-14 was found under (replacing an older answer)."""
        if not found:
            return
        now = self.db.now()
        rows = [
            {"gtin": gtin, "sku": sku, "resolved_at": now}
            for gtin, sku in sorted(found.items())
        ]
        with self.db.begin() as conn:
            upsert(conn, gtin_items, rows, ["gtin"])
