"""Hostile and broken files end as issues naming line and reason, never as records."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.config import CsvOptions
from bridge.formats import validate_file
from tests.unit.formats.conftest import FIXTURES, WriteFile, read_all


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("xxe.xml", "xxe.xml:2: DOCTYPE not allowed (no DTDs or entities)"),
        (
            "billion-laughs.xml",
            "billion-laughs.xml:2: DOCTYPE not allowed (no DTDs or entities)",
        ),
        (
            "not-well-formed.xml",
            "not-well-formed.xml:5: not well-formed XML: "
            "Opening and ending tag mismatch: item line 4 and stock",
        ),
    ],
)
def test_hostile_xml_fixture_is_refused_with_line(name: str, expected: str) -> None:
    """XXE, entity-bomb and broken XML give one located issue and no record."""
    records, issues, _ = read_all(FIXTURES / name, "stock")
    assert records == []
    assert issues == [expected]


def test_xxe_never_reads_the_referenced_file(tmp_path: Path) -> None:
    """An external entity pointing at a real file does not put its content anywhere."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    path = tmp_path / "x.xml"
    path.write_text(
        f'<!DOCTYPE stock [<!ENTITY s SYSTEM "{secret.as_uri()}">]>\n'
        "<stock><item><sku>&s;</sku><qty>1</qty></item></stock>\n"
    )
    records, issues, _ = read_all(path, "stock")
    assert records == []
    assert "TOPSECRET" not in "".join(issues)
    assert issues == ["x.xml:1: DOCTYPE not allowed (no DTDs or entities)"]


@pytest.mark.parametrize("ext", ["xml", "csv"])
def test_empty_file_is_reported(write: WriteFile, ext: str) -> None:
    """A zero-byte or blank file is an issue 'file is empty' on line 1."""
    for content in (b"", b"\n  \n"):
        records, issues, _ = read_all(write(f"e.{ext}", content), "stock")
        assert records == []
        assert issues == [f"e.{ext}:1: file is empty"]


def test_binary_file_is_reported() -> None:
    """A file with NUL bytes is refused as binary, naming the line of the first NUL."""
    records, issues, _ = read_all(FIXTURES / "binary.csv", "stock")
    assert records == []
    assert issues == ["binary.csv:3: binary content (NUL byte), not a text file"]


def test_nul_byte_late_in_csv_is_reported_with_its_line(write: WriteFile) -> None:
    """A NUL byte past the first block of a CSV is found by the line reader."""
    rows = "".join(f"ERP-{i};1\n" for i in range(10000))
    path = write("s.csv", ("sku;qty\n" + rows).encode() + b"ERP-X;\x001\n")
    records, issues, _ = read_all(path, "stock")
    assert issues == ["s.csv:10002: binary content (NUL byte), not a text file"]
    assert len(records) <= 10000


def test_cp1252_xml_read_as_utf8_names_the_line(write: WriteFile) -> None:
    """cp1252 bytes in an XML file without encoding declaration are a located issue."""
    text = "<stock>\n<item><sku>ERP-1</sku><qty>1</qty></item>\n<item><sku>Bär</sku>"
    path = write("w.xml", (text + "<qty>1</qty></item></stock>\n").encode("cp1252"))
    records, issues, _ = read_all(path, "stock")
    assert len(issues) == 1
    assert issues[0].startswith(
        "w.xml:3: not readable as UTF-8 or the declared encoding"
    )
    assert records == [] or [r.key for r in records] == ["ERP-1"]
    assert not validate_file(path, "stock", csv=CsvOptions()).valid


def test_cp1252_csv_read_as_utf8_names_line_and_byte() -> None:
    """A cp1252 CSV read as UTF-8 is refused with the line, byte and column."""
    records, issues, _ = read_all(FIXTURES / "products-cp1252.csv", "products")
    assert records == []
    assert issues == [
        "products-cp1252.csv:2: cannot be read as utf-8: byte 0xF6 at column 12 "
        "(set the ERP's encoding in bridge.toml: folders.csv.encoding, "
        "or folders.csv.products.encoding)"
    ]


def test_wrong_root_element_is_reported(write: WriteFile) -> None:
    """A products file dropped into the stock inbox is refused by its root element."""
    path = write("p.xml", "<products>\n<product><sku>A</sku></product></products>")
    records, issues, _ = read_all(path, "stock")
    assert records == []
    assert issues == ["p.xml:1: root element is <products>, expected <stock>"]


def test_xml_declared_encoding_is_honoured(write: WriteFile) -> None:
    """An XML file declaring windows-1252 is read in that encoding."""
    text = '<?xml version="1.0" encoding="windows-1252"?>\n<stock><item><sku>Bär</sku>'
    path = write("w.xml", (text + "<qty>1</qty></item></stock>\n").encode("cp1252"))
    records, issues, _ = read_all(path, "stock")
    assert issues == []
    assert [r.key for r in records] == ["Bär"]


def test_overlong_csv_field_is_an_issue_not_a_blowup(write: WriteFile) -> None:
    """A field beyond max_field_chars is reported with its line and column name."""
    path = write("p.csv", "sku,name,price\nERP-1," + "x" * 5000 + ",1\n")
    records, issues, _ = read_all(path, "products", max_field_chars=1000)
    assert records == []
    assert issues == ["p.csv:2: name: longer than 1000 characters"]


def test_overlong_csv_line_stops_reading(write: WriteFile) -> None:
    """A physical line far beyond the limits is refused without reading it whole."""
    path = write("p.csv", "sku,name,price\nERP-1," + "x" * 200_000 + ",1\n")
    records, issues, _ = read_all(path, "products", max_field_chars=1000)
    assert records == []
    assert issues == ["p.csv:2: line longer than 65536 bytes"]


def test_overlong_xml_description_is_an_issue(write: WriteFile) -> None:
    """A free-text XML field beyond max_field_chars is reported with its field."""
    body = "<sku>ERP-1</sku><name>N</name><price>1</price>"
    path = write(
        "p.xml",
        f"<products>\n<product>{body}<description>{'x' * 300}"
        "</description></product>\n</products>",
    )
    records, issues, _ = read_all(path, "products", max_field_chars=100)
    assert records == []
    assert issues == ["p.xml:2: description: longer than 100 characters (300)"]


def test_control_characters_in_csv_are_an_issue(write: WriteFile) -> None:
    """A CSV cell with a control character (not allowed in XML) is a located issue."""
    path = write("s.csv", "sku;qty\nERP\x01-1;1\nERP-2;2\n")
    records, issues, _ = read_all(path, "stock")
    assert [r.key for r in records] == ["ERP-2"]
    assert issues == ["s.csv:2: sku: contains control characters"]


def test_issues_are_capped_but_counted(write: WriteFile) -> None:
    """Beyond max_issues, issues are counted but not kept."""
    path = write("s.csv", "sku;qty\n" + "".join(f"E{i};-1\n" for i in range(50)))
    records, issues, reader = read_all(path, "stock", max_issues=10)
    assert records == []
    assert len(issues) == 10
    assert reader.issue_count == 50
