"""Unit tests for bridge.mapping.stock: source items, stock items, as-of times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bridge.mapping.stock import (
    as_of,
    as_of_micros,
    in_stock,
    to_magento_source_item,
    to_magento_stock_item,
)


@pytest.mark.parametrize(
    ("qty", "quantity", "status"),
    [("12", 12, 1), ("0", 0, 0), ("0.5", 0.5, 1), ("12.000", 12, 1)],
)
def test_source_item_always_carries_status(
    qty: str, quantity: float, status: int
) -> None:
    """Status is 1 above zero and 0 at zero, and the quantity is a JSON number."""
    item = to_magento_source_item("A", "default", Decimal(qty))
    assert item == {
        "sku": "A",
        "source_code": "default",
        "quantity": quantity,
        "status": status,
    }
    assert type(item["quantity"]) is type(quantity)


def test_stock_item_always_carries_is_in_stock() -> None:
    """The legacy body always says whether the item is in stock."""
    assert to_magento_stock_item(Decimal("0")) == {"qty": 0, "is_in_stock": False}
    assert to_magento_stock_item(Decimal("3")) == {"qty": 3, "is_in_stock": True}
    assert in_stock(Decimal("0.001"))


def test_as_of_prefers_updated_at_then_generated_then_mtime() -> None:
    """The record's time wins over the file's generated time, which wins over mtime."""
    t1 = datetime(2026, 1, 1, tzinfo=UTC)
    t2 = datetime(2026, 2, 1, tzinfo=UTC)
    t3 = datetime(2026, 3, 1, tzinfo=UTC)
    assert as_of(t1, t2, t3) == t1
    assert as_of(None, t2, t3) == t2
    assert as_of(None, None, t3) == t3


def test_naive_times_are_taken_as_utc() -> None:
    """A timestamp without a zone is read as UTC."""
    naive = datetime(2026, 1, 1, 12, 0)  # noqa: DTZ001
    assert as_of(naive, None, datetime.now(UTC)).tzinfo is UTC
    assert as_of_micros(naive) == as_of_micros(naive.replace(tzinfo=UTC))


def test_as_of_micros_orders_across_zones_exactly() -> None:
    """The same instant in two zones is equal; one microsecond later is larger."""
    utc = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    cet = utc.astimezone(timezone(timedelta(hours=2)))
    assert as_of_micros(utc) == as_of_micros(cet)
    assert as_of_micros(utc + timedelta(microseconds=1)) == as_of_micros(utc) + 1
    assert as_of_micros(datetime(1970, 1, 1, tzinfo=UTC)) == 0
