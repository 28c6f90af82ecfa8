"""ERP stock levels → Magento stock payloads, and the as-of time of a stock value.

Pure functions (S2.3). Magento never derives the in-stock flag from the quantity over
the API (magento/inventory#2823, magento2#11942), so it is always sent: in stock when
the quantity is above zero.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bridge.support.clock import as_utc
from bridge.support.jsonvalues import json_number

__all__ = [
    "as_of",
    "as_of_micros",
    "from_micros",
    "in_stock",
    "to_magento_source_item",
    "to_magento_stock_item",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def in_stock(qty: Decimal) -> bool:
    """Return whether a quantity means "in stock" (strictly above zero)."""
    return qty > 0


def to_magento_source_item(sku: str, source_code: str, qty: Decimal) -> dict[str, Any]:
    """Build one MSI source item for ``POST /V1/inventory/source-items``.

    Args:
        sku: The SKU.
        source_code: The MSI source.
        qty: The quantity at that source.

    Returns:
        ``{"sku", "source_code", "quantity", "status"}`` with status 1 when qty > 0,
        else 0 (always sent: the API does not derive it).
    """
    return {
        "sku": sku,
        "source_code": source_code,
        "quantity": json_number(qty),
        "status": 1 if in_stock(qty) else 0,
    }


def to_magento_stock_item(qty: Decimal) -> dict[str, Any]:
    """Build the legacy ``stockItem`` body: quantity plus ``is_in_stock``, always."""
    return {"qty": json_number(qty), "is_in_stock": in_stock(qty)}


def as_of(
    updated_at: datetime | None, generated: datetime | None, mtime: datetime
) -> datetime:
    """Return the time a stock value is valid at (SPEC §3).

    Args:
        updated_at: The record's own ``updated_at``, if any.
        generated: The file's ``generated`` attribute, if any.
        mtime: The file's modification time when received.

    Returns:
        The first of the three that is set, timezone-aware (naive values are UTC).
    """
    return as_utc(updated_at or generated or mtime)


def as_of_micros(when: datetime) -> int:
    """Return ``when`` as integer microseconds since the epoch (exact ordering)."""
    delta = as_utc(when) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    """Return the UTC time of ``micros`` microseconds since the epoch."""
    return _EPOCH + timedelta(microseconds=micros)
