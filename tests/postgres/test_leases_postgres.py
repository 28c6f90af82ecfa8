"""Leases on PostgreSQL behave as on SQLite (one owner, renewal, takeover, races)."""

from __future__ import annotations

from tests.ledger._lease_checks import (
    check_one_owner_until_expiry,
    check_racing_owners_get_one_lease,
)


def test_lease_has_one_owner_until_it_expires_on_postgres(
    fresh_postgres_url: str,
) -> None:
    """A held lease is refused to others, renewed by its owner, taken over after expiry."""
    check_one_owner_until_expiry(fresh_postgres_url)


def test_racing_owners_get_exactly_one_lease_on_postgres(
    fresh_postgres_url: str,
) -> None:
    """Eight connections racing for a free, then an expired lease: one wins each round."""
    check_racing_owners_get_one_lease(fresh_postgres_url)
