"""The one Decimal → JSON rule and the one naive → UTC conversion."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bridge.support import as_utc, json_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2", 2), ("2.0", 2), ("0", 0), ("7.5", 7.5), ("12.50", 12.5), ("-3", -3)],
)
def test_json_number_is_an_int_when_whole_else_a_float(
    value: str, expected: float
) -> None:
    """Whole decimals become ints, the others floats, with the same value."""
    number = json_number(Decimal(value))
    assert number == expected
    assert type(number) is type(expected)
    assert json.dumps(number) == json.dumps(expected)


def test_naive_time_is_taken_as_utc() -> None:
    """A naive datetime gets the UTC zone, keeping its wall-clock fields."""
    naive = datetime(2026, 11, 26, 10, 30)  # noqa: DTZ001 - the case under test
    assert as_utc(naive) == datetime(2026, 11, 26, 10, 30, tzinfo=UTC)


def test_aware_time_is_converted_to_utc() -> None:
    """An aware datetime is the same instant, expressed in UTC."""
    cet = timezone(timedelta(hours=1))
    value = as_utc(datetime(2026, 11, 26, 11, 30, tzinfo=cet))
    assert value.tzinfo is UTC
    assert value == datetime(2026, 11, 26, 10, 30, tzinfo=UTC)


def test_missing_time_stays_missing() -> None:
    """None is returned as None, never replaced by the current time."""
    assert as_utc(None) is None
