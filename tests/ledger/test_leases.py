"""Leases on SQLite: one owner at a time, renewal, takeover after expiry, races."""

from __future__ import annotations

from pathlib import Path

from tests.ledger._lease_checks import (
    check_one_owner_until_expiry,
    check_racing_owners_get_one_lease,
)


def test_lease_has_one_owner_until_it_expires(tmp_path: Path) -> None:
    """A held lease is refused to others, renewed by its owner, taken over after expiry."""
    check_one_owner_until_expiry(f"sqlite:///{tmp_path / 'l.db'}")


def test_racing_owners_get_exactly_one_lease(tmp_path: Path) -> None:
    """Eight connections racing for a free, then an expired lease: one wins each round."""
    check_racing_owners_get_one_lease(f"sqlite:///{tmp_path / 'l.db'}")
