"""Order CSV: telephone numbers are written as they are; other formula starts stay neutralised."""

from __future__ import annotations

import csv
import io

import pytest

from bridge.formats.orders import neutralise, order_to_csv
from tests.unit.formats.test_orders_writer import _address, export_order


def _first_row(payload: bytes) -> dict[str, str]:
    return next(csv.DictReader(io.StringIO(payload.decode("utf-8"))))


@pytest.mark.parametrize(
    "phone",
    ["+46 8 123 456", "+46 (0)8-123 45 67", "-0701234567", "+1 555.123/4567"],
)
def test_phone_numbers_are_written_as_they_are(phone: str) -> None:
    """A value of only digits, spaces and + - ( ) . / keeps its leading + or -."""
    order = export_order(
        billing_address=_address(telephone=phone),
        shipping_address=_address(telephone=phone),
        customer=export_order().customer.model_copy(update={"telephone": phone}),
    )
    row = _first_row(order_to_csv(order))
    for column in ("customer_telephone", "billing_telephone", "shipping_telephone"):
        assert row[column] == phone


@pytest.mark.parametrize(
    "value",
    [
        "+46 8 123 456 ext",
        "+cmd|' /C calc'!A0",
        "-2+3*SUM(A1:A9)",
        "+\t46 8 123",
        "+46 8 123\r",
        "+ - ( ) . /",
        "=1+2",
        "@SUM(1)",
    ],
)
def test_formula_looking_text_that_is_no_phone_number_is_still_neutralised(
    value: str,
) -> None:
    """Anything beyond digits, spaces and + - ( ) . / after a formula start gets a quote."""
    assert neutralise(value) == "'" + value
    order = export_order(billing_address=_address(telephone=value))
    assert _first_row(order_to_csv(order))["billing_telephone"] == "'" + value
