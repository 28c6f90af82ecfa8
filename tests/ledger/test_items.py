"""ItemStore: GTIN-14 → SKU answers kept in the ledger's ``gtin_items`` (revision 0007)."""

from __future__ import annotations

from pathlib import Path

from bridge.ledger import Ledger
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
