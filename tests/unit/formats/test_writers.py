"""Rejects files: same format as the source, re-readable, never overwriting."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.config import CsvOptions
from bridge.formats import write_rejects
from tests.unit.formats.conftest import FIXTURES, SAMPLES, read_all


@pytest.mark.parametrize("kind", ["products", "stock", "shipments"])
@pytest.mark.parametrize("ext", ["xml", "csv"])
def test_rejects_round_trip(tmp_path: Path, kind: str, ext: str) -> None:
    """A rejects file re-read gives the same records as the rejected ones."""
    source = SAMPLES / f"{kind}.{ext}"
    records, _, _ = read_all(source, kind)  # type: ignore[arg-type]
    rejected = records[1:]
    dest = tmp_path / f"x.rejects.{ext}"
    write_rejects(dest, source, kind, csv=CsvOptions(), records=rejected)  # type: ignore[arg-type]
    again, issues, _ = read_all(dest, kind)  # type: ignore[arg-type]
    assert issues == []
    assert [r.model for r in again] == [r.model for r in rejected]


def test_csv_rejects_keep_header_delimiter_encoding_and_bom(tmp_path: Path) -> None:
    """A CSV rejects file keeps the source's BOM, header line, delimiter and CRLF."""
    source = FIXTURES / "stock-bom.csv"
    records, _, _ = read_all(source, "stock")
    dest = tmp_path / "r.csv"
    write_rejects(dest, source, "stock", csv=CsvOptions(), records=records[1:])
    assert dest.read_bytes() == b"\xef\xbb\xbfsku;qty;source\r\nERP-1002;3;\r\n"


def test_cp1252_rejects_stay_cp1252(tmp_path: Path) -> None:
    """Rejects of a cp1252 file stay cp1252, with the source's decimal commas."""
    options = CsvOptions(encoding="cp1252", decimal_separator=",")
    source = FIXTURES / "products-cp1252.csv"
    records, _, _ = read_all(source, "products", options)
    dest = tmp_path / "r.csv"
    write_rejects(dest, source, "products", csv=options, records=records[1:])
    assert (
        dest.read_bytes()
        == "sku;name;price;qty\nERP-2002;Kålhuvud €-låda;1234,5;0,5\n".encode("cp1252")
    )


def test_existing_rejects_file_is_never_overwritten(tmp_path: Path) -> None:
    """Writing onto an existing rejects file raises and leaves it untouched."""
    source = SAMPLES / "stock.xml"
    records, _, _ = read_all(source, "stock")
    dest = tmp_path / "r.xml"
    dest.write_text("keep")
    with pytest.raises(FileExistsError):
        write_rejects(dest, source, "stock", csv=CsvOptions(), records=records)
    assert dest.read_text() == "keep"
    assert list(tmp_path.iterdir()) == [dest]
