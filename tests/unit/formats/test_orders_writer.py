"""Order export writers: real bytes checked with lxml against schemas/orders.xsd."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from bridge.errors import InvalidFileError
from bridge.formats.orders import (
    CSV_COLUMNS,
    neutralise,
    order_file_name,
    order_to_csv,
    order_to_xml,
    render_order,
)
from bridge.models.export import (
    ExportAddress,
    ExportCustomer,
    ExportLine,
    ExportOrder,
    ExportPayment,
    ExportShipping,
    ExportTotals,
)

REPO = Path(__file__).resolve().parents[3]
XSD = etree.XMLSchema(etree.parse(str(REPO / "schemas" / "orders.xsd")))
D = Decimal


def _address(**over: Any) -> ExportAddress:
    values: dict[str, Any] = {
        "firstname": "Anna",
        "lastname": "Berg",
        "company": None,
        "street": ("Storgatan 1",),
        "postcode": "111 22",
        "city": "Stockholm",
        "region": None,
        "country": "SE",
        "telephone": "+46 8 123 456",
    }
    values.update(over)
    return ExportAddress(**values)


def _line(line_id: int, sku: str, **over: Any) -> ExportLine:
    values: dict[str, Any] = {
        "line_id": line_id,
        "sku": sku,
        "name": f"Product {sku}",
        "qty": D("2"),
        "unit_price": D("100.00"),
        "unit_price_incl_tax": D("125.00"),
        "tax_percent": D("25"),
        "discount_amount": D("0.00"),
        "row_total_incl_tax": D("250.00"),
    }
    values.update(over)
    return ExportLine(**values)


def export_order(**over: Any) -> ExportOrder:
    """A two-line order with an invoice fee."""
    values: dict[str, Any] = {
        "order_number": "000000042",
        "magento_id": 42,
        "created_at": datetime(2026, 3, 1, 10, 15, tzinfo=UTC),
        "status": "pending",
        "currency": "SEK",
        "customer": ExportCustomer(
            email="anna@example.com",
            firstname="Anna",
            lastname="Berg",
            telephone=None,
            customer_id=None,
            is_guest=True,
        ),
        "billing_address": _address(),
        "shipping_address": _address(street=("Lillgatan 3", "c/o Ek")),
        "shipping": ExportShipping(
            method="flatrate_flatrate",
            description="Flat Rate - Fixed",
            amount=D("49.00"),
            amount_incl_tax=D("61.25"),
        ),
        "payment": ExportPayment(method="checkmo", invoice_fee=D("29.00")),
        "lines": (
            _line(101, "A-1"),
            _line(103, "B-2", qty=D("1.5"), row_total_incl_tax=D("187.50")),
        ),
        "totals": ExportTotals(
            subtotal=D("350.00"),
            discount_amount=D("0.00"),
            shipping_amount=D("49.00"),
            invoice_fee=D("29.00"),
            tax_amount=D("99.75"),
            grand_total=D("527.75"),
        ),
    }
    values.update(over)
    return ExportOrder(**values)


def _rows(payload: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(payload.decode("utf-8"))))


def test_xml_validates_and_carries_the_values() -> None:
    """The XML is valid against orders.xsd and holds the record's values."""
    root = etree.fromstring(order_to_xml(export_order()))
    XSD.assertValid(root)
    order = root.find("order")
    assert order is not None
    assert order.findtext("order_number") == "000000042"
    assert order.findtext("created_at") == "2026-03-01T10:15:00Z"
    assert order.findtext("customer/is_guest") == "true"
    assert order.find("customer/customer_id") is None
    assert [s.text for s in order.iterfind("shipping_address/street")] == [
        "Lillgatan 3",
        "c/o Ek",
    ]
    assert [ln.findtext("sku") for ln in order.iterfind("lines/line")] == ["A-1", "B-2"]
    assert order.findtext("lines/line[2]/qty") == "1.5"
    assert order.findtext("payment/invoice_fee") == "29.00"
    assert order.findtext("totals/grand_total") == "527.75"


def test_amounts_use_a_point_and_two_decimals() -> None:
    """Whole and fractional amounts are written as ``123.00`` style decimals."""
    root = etree.fromstring(order_to_xml(export_order()))
    amounts = [
        e.text for e in root.iter("unit_price", "amount", "subtotal", "tax_amount")
    ]
    assert amounts == ["49.00", "100.00", "100.00", "350.00", "99.75"]


def test_same_order_gives_identical_bytes() -> None:
    """Rendering is deterministic, so a re-export can be recognised by its hash."""
    assert order_to_xml(export_order()) == order_to_xml(export_order())


def test_generated_attribute_is_written_when_asked() -> None:
    """The root carries ``generated`` only when a time is passed."""
    stamp = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    root = etree.fromstring(order_to_xml(export_order(), generated=stamp))
    assert root.get("generated") == "2026-03-01T12:00:00Z"


def test_record_the_schema_refuses_is_never_rendered() -> None:
    """An invalid record (e-mail without @) raises InvalidFileError naming the field."""
    customer = export_order().customer.model_copy(update={"email": "not-an-email"})
    for fmt in ("xml", "csv"):
        with pytest.raises(InvalidFileError) as err:
            render_order(export_order(customer=customer), fmt)
        assert err.value.issues[0].field == "email"


def test_csv_has_the_documented_header_and_one_row_per_line() -> None:
    """CSV: header from CSV_COLUMNS, one row per line, order columns repeated."""
    payload = order_to_csv(export_order())
    header = payload.decode().splitlines()[0].split(",")
    assert tuple(header) == CSV_COLUMNS
    rows = _rows(payload)
    assert [r["line_sku"] for r in rows] == ["A-1", "B-2"]
    assert {r["order_number"] for r in rows} == {"000000042"}
    assert {r["total_grand_total"] for r in rows} == {"527.75"}
    assert rows[1]["line_qty"] == "1.5"
    assert rows[0]["shipping_street_2"] == "c/o Ek"
    assert rows[0]["shipping_street_3"] == ""
    assert rows[0]["customer_is_guest"] == "true"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_neutralises_formula_starts_in_text(start: str) -> None:
    """Text that starts like a formula gets a leading quote in every text column."""
    evil = f'{start}HYPERLINK("http://x","y")'
    order = export_order(
        billing_address=_address(firstname=evil, street=(evil,), city=evil),
        customer=export_order().customer.model_copy(update={"lastname": evil}),
    )
    row = _rows(order_to_csv(order))[0]
    for column in (
        "billing_firstname",
        "billing_street_1",
        "billing_city",
        "customer_lastname",
    ):
        assert row[column] == "'" + evil
        assert not row[column].startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_never_touches_amounts_or_plain_text() -> None:
    """Amounts and ordinary text are written unchanged."""
    row = _rows(order_to_csv(export_order()))[0]
    assert row["line_unit_price"] == "100.00"
    assert row["shipping_amount_incl_tax"] == "61.25"
    assert row["billing_city"] == "Stockholm"
    assert neutralise("Anna") == "Anna"


def test_extra_street_lines_are_kept_in_the_last_street_column() -> None:
    """More than four street lines are joined into ``*_street_4``, none lost."""
    addr = _address(street=("a", "b", "c", "d", "e"))
    row = _rows(order_to_csv(export_order(billing_address=addr)))[0]
    assert [row[f"billing_street_{i}"] for i in range(1, 5)] == ["a", "b", "c", "d, e"]


def test_csv_in_a_narrow_encoding_names_the_column_it_cannot_write() -> None:
    """A character cp1252 lacks is reported with line and column, not replaced."""
    order = export_order(billing_address=_address(city="Łódź"))
    with pytest.raises(InvalidFileError) as err:
        order_to_csv(order, encoding="cp1252")
    issue = err.value.issues[0]
    assert (issue.line, issue.field) == (2, "billing_city")
    assert order_to_csv(export_order(), encoding="cp1252").startswith(b"order_number,")


def test_file_names_follow_the_order_number() -> None:
    """Outbox names are ``order-<increment_id>.<ext>``."""
    assert order_file_name("000000042", "xml") == "order-000000042.xml"
    assert order_file_name("000000042", "csv") == "order-000000042.csv"


def test_samples_are_current_and_valid() -> None:
    """samples/orders/ holds this module's example order, valid and up to date."""
    xml = (REPO / "samples" / "orders" / "order-000000042.xml").read_bytes()
    XSD.assertValid(etree.fromstring(xml))
    assert xml == order_to_xml(export_order())
    csv_bytes = (REPO / "samples" / "orders" / "order-000000042.csv").read_bytes()
    assert csv_bytes == order_to_csv(export_order())
