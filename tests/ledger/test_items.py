"""ItemStore: GTIN-14 → SKU answers kept in the ledger's ``gtin_items`` (revision 0007)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from bridge.ledger import Ledger
from bridge.ledger._schema import gtin_items
from bridge.ledger.migrate import head


def test_found_skus_are_remembered_and_replaced(tmp_path: Path) -> None:
    """What was remembered is found again by a new Ledger; a new answer replaces it."""
    url = f"sqlite:///{tmp_path / 'bridge.db'}"
    ledger = Ledger(url)
    try:
        assert ledger.items.skus(["07311100000047"]) == {}
        ledger.items.remember({"07311100000047": "KOPP-1", "00000096385074": "B-8"})
    finally:
        ledger.close()
    again = Ledger(url)
    try:
        assert again.schema_revision() == head()
        assert again.items.skus(["07311100000047", "00000000000000"]) == {
            "07311100000047": "KOPP-1"
        }
        again.items.remember({"07311100000047": "KOPP-2"})
        assert again.items.skus(["07311100000047"]) == {"07311100000047": "KOPP-2"}
    finally:
        again.close()


def _aged(ledger: Ledger, gtin: str, hours: int) -> None:
    """Make a remembered answer ``hours`` old, as if found that long ago."""
    with ledger.begin() as conn:
        conn.execute(
            sa.update(gtin_items)
            .where(gtin_items.c.gtin == gtin)
            .values(resolved_at=ledger.now() - timedelta(hours=hours))
        )


def check_answers_older_than_since_are_not_found(url: str) -> None:
    """The ``since`` bound on SQLite and PostgreSQL alike."""
    ledger = Ledger(url)
    try:
        ledger.items.remember({"07311100000047": "KOPP-1", "00000096385074": "B-8"})
        _aged(ledger, "07311100000047", hours=2)
        hour_ago = ledger.now() - timedelta(hours=1)
        both = ["07311100000047", "00000096385074"]
        assert ledger.items.skus(both, since=hour_ago) == {"00000096385074": "B-8"}
        assert ledger.items.skus(both) == {
            "07311100000047": "KOPP-1",
            "00000096385074": "B-8",
        }
        ledger.items.remember({"07311100000047": "KOPP-2"})  # asked again: fresh
        assert ledger.items.skus(["07311100000047"], since=hour_ago) == {
            "07311100000047": "KOPP-2"
        }
    finally:
        ledger.close()


def test_answers_older_than_since_are_not_found(tmp_path: Path) -> None:
    """An answer found before ``since`` is not returned; a new answer is."""
    check_answers_older_than_since_are_not_found(f"sqlite:///{tmp_path / 'b.db'}")
