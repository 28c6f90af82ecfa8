"""A file's stock values staged in a TEMP table: ranking, settling, the delta (SQLite)."""

from __future__ import annotations

from pathlib import Path

from tests.ledger._stock_staging_checks import (
    check_forced_delta_and_release,
    check_ranks_settles_and_pages,
)


def test_stock_staging_ranks_settles_and_pages_the_delta(tmp_path: Path) -> None:
    """Repeats are ranked, what Magento has is settled, and only the delta is paged."""
    check_ranks_settles_and_pages(f"sqlite:///{tmp_path}/s.db")


def test_stock_staging_forced_and_released(tmp_path: Path) -> None:
    """A forced apply pages every winner; closing gives the connection back."""
    check_forced_delta_and_release(f"sqlite:///{tmp_path}/s.db")
