"""Time helpers: the one clock and the one naive → UTC conversion.

Every time the bridge stores is UTC. SQLite hands timestamps back naive, and ERP
files may carry times without an offset; both are read as UTC here, in one place.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

__all__ = ["as_utc", "utcnow"]


def utcnow() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return datetime.now(UTC)


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """Return ``value`` as an aware UTC datetime; a naive one is taken as UTC.

    Args:
        value: Any datetime, or None.

    Returns:
        The same instant in UTC, or None for None (never "now": a missing time
        stays missing).
    """
    if value is None or value.tzinfo is UTC:
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
