"""CSV reading: delimiters, encodings, decimal marks, headers, shipment grouping."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bridge.config import CsvOptions
from bridge.formats.csv import detect_delimiter
from bridge.models.erp import ErpShipment
from tests.unit.formats.conftest import FIXTURES, WriteFile, read_all


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("sku,qty", ","),
        ("sku;qty;source", ";"),
        ("sku\tqty", "\t"),
        ("sku", None),
        ("name;price,with,commas;sku", ","),
    ],
)
def test_delimiter_is_the_most_frequent_candidate(
    header: str, expected: str | None
) -> None:
    """The header's most frequent of , ; TAB is the delimiter; none found gives None."""
    assert detect_delimiter(header) == expected


def test_tab_separated_file_is_read() -> None:
    """A .tsv file with TAB delimiter is read as CSV."""
    records, issues, reader = read_all(FIXTURES / "stock-tab.tsv", "stock")
    assert issues == []
    assert reader.delimiter == "\t"
    assert [(r.key, r.model.qty) for r in records] == [  # type: ignore[union-attr]
        ("ERP-1001", Decimal(24)),
        ("ERP-1002", Decimal(3)),
    ]


def test_utf8_bom_and_crlf_are_handled() -> None:
    """A UTF-8 BOM before the header and CRLF line ends do not disturb the columns."""
    records, issues, _ = read_all(FIXTURES / "stock-bom.csv", "stock")
    assert issues == []
    assert [r.key for r in records] == ["ERP-1001@default", "ERP-1002"]
    assert records[0].raw == (("ERP-1001", "24", "default"),)


def test_cp1252_semicolon_decimal_comma() -> None:
    """A cp1252 file with ';' and decimal comma reads right with that folder config."""
    options = CsvOptions(encoding="cp1252", decimal_separator=",")
    records, issues, _ = read_all(FIXTURES / "products-cp1252.csv", "products", options)
    assert issues == []
    names = [r.model.name for r in records]  # type: ignore[union-attr]
    assert names == ["Smörkniv Ek", "Kålhuvud €-låda"]
    assert [r.model.price for r in records] == [Decimal("89.50"), Decimal("1234.5")]  # type: ignore[union-attr]
    assert records[1].model.qty == Decimal("0.5")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("sep", "value"),
    [(",", "1.234,50"), (",", "12.5"), (".", "1,234.50"), (".", "12,5")],
)
def test_thousands_or_wrong_separator_is_invalid(
    write: WriteFile, sep: str, value: str
) -> None:
    """A thousands separator or the other decimal mark is a located issue."""
    path = write("s.csv", f'sku;qty\nERP-1;"{value}"\n')
    records, issues, _ = read_all(path, "stock", CsvOptions(decimal_separator=sep))
    assert records == []
    assert len(issues) == 1
    assert issues[0].startswith(
        f"s.csv:2: qty: '{value}' is not a valid value (must be"
    )


def test_header_is_case_insensitive_and_in_any_order(write: WriteFile) -> None:
    """Header names match whatever their case and order."""
    path = write("s.csv", "Updated_At,QTY,Sku\n2026-01-02T03:04:05,7,ERP-9\n")
    records, issues, _ = read_all(path, "stock")
    assert issues == []
    model = records[0].model
    assert (model.sku, model.qty, model.updated_at.isoformat()) == (  # type: ignore[union-attr]
        "ERP-9",
        Decimal(7),
        "2026-01-02T03:04:05+00:00",
    )


def test_header_problems_are_all_reported(write: WriteFile) -> None:
    """Unknown, duplicate and missing columns each give an issue on line 1."""
    path = write("s.csv", "sku;sku;lager\nERP-1;ERP-1;A\n")
    records, issues, _ = read_all(path, "stock")
    assert records == []
    assert issues == [
        "s.csv:1: sku: column given twice in the header",
        "s.csv:1: lager: unknown column (expected: sku, qty, source, updated_at)",
        "s.csv:1: qty: required column is missing",
    ]


def test_header_without_delimiter_is_reported(write: WriteFile) -> None:
    """A header with no candidate delimiter is an issue, not a guess."""
    records, issues, _ = read_all(write("s.csv", "sku qty\nA 1\n"), "stock")
    assert records == []
    assert issues == [
        "s.csv:1: cannot detect the delimiter: the header has no ',', ';' or TAB"
    ]


def test_wrong_field_count_and_blank_lines(write: WriteFile) -> None:
    """Rows with the wrong number of fields are issues; blank lines are skipped."""
    path = write("s.csv", "sku,qty\n\nERP-1,1\nERP-2\n,\nERP-3,3,x\nERP-4,4\n")
    records, issues, _ = read_all(path, "stock")
    assert [r.key for r in records] == ["ERP-1", "ERP-4"]
    assert [r.line for r in records] == [3, 7]
    assert issues == [
        "s.csv:4: has 1 fields, the header has 2",
        "s.csv:6: has 3 fields, the header has 2",
    ]


def test_quoted_newline_keeps_physical_line_numbers(write: WriteFile) -> None:
    """A quoted field spanning lines does not shift the line numbers of later rows."""
    path = write(
        "p.csv", 'sku,name,description,price\nERP-1,N,"two\nlines",1\nERP-2,N,,-1\n'
    )
    records, issues, _ = read_all(path, "products")
    assert [r.line for r in records] == [2]
    assert issues == [
        "p.csv:4: price: '-1' is not a valid value "
        "(must be a decimal >= 0, at most 6 decimals)"
    ]


SHIP_HEADER = (
    "shipment_id;order_number;sku;qty;tracking_number;carrier_code;shipped_at\n"
)


def test_shipment_rows_are_grouped_even_when_apart(write: WriteFile) -> None:
    """Rows of one shipment_id form one shipment with distinct tracks, wherever."""
    path = write(
        "s.csv",
        SHIP_HEADER + "S1;000000001;A;1;T1;dhl;\nS2;000000002;B;2;;;\n"
        "S1;000000001;C;3;T1;dhl;\nS1;000000001;;;T2;;\n",
    )
    records, issues, _ = read_all(path, "shipments")
    assert issues == []
    assert [(r.key, r.line) for r in records] == [("S1", 2), ("S2", 3)]
    s1 = records[0].model
    assert isinstance(s1, ErpShipment)
    assert [(x.sku, x.qty) for x in s1.lines] == [("A", Decimal(1)), ("C", Decimal(3))]
    assert [(t.number, t.carrier_code) for t in s1.tracks] == [
        ("T1", "dhl"),
        ("T2", "custom"),
    ]
    assert len(records[0].raw) == 3


def test_shipment_rows_must_agree_on_order_level_values(write: WriteFile) -> None:
    """A shipment whose rows name different orders is an issue on the odd row."""
    path = write("s.csv", SHIP_HEADER + "S1;000000001;A;1;;;\nS1;000000009;B;1;;;\n")
    records, issues, _ = read_all(path, "shipments")
    assert records == []
    assert issues == [
        "s.csv:3: order_number: '000000009' differs from '000000001' "
        "in another row of the same shipment_id"
    ]


def test_shipment_schema_errors_name_the_csv_column_and_row(write: WriteFile) -> None:
    """An XSD error in a grouped shipment names the row's line and CSV column."""
    header = "shipment_id,order_number,sku,qty,tracking_number,carrier_title\n"
    path = write(
        "s.csv", header + "S1,000000001,A,1,T 1,PostNord\nS1,000000001,B,0,,\n"
    )
    records, issues, _ = read_all(path, "shipments")
    assert records == []
    assert issues == [
        "s.csv:2: tracking_number: 'T 1' is not a valid value "
        "(must be 1 to 255 characters without spaces)",
        "s.csv:3: qty: '0' is not a valid value "
        "(must be a decimal > 0, at most 6 decimals)",
    ]


def test_unknown_encoding_is_reported(write: WriteFile) -> None:
    """A misconfigured encoding is an issue, not a crash."""
    path = write("s.csv", "sku;qty\nA;1\n")
    _, issues, _ = read_all(path, "stock", CsvOptions(encoding="klingon"))
    assert issues == ["s.csv: unknown encoding 'klingon' in the csv settings"]
