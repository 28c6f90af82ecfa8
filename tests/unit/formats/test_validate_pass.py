"""The validation pass keeps the reader's verdicts and builds nothing it throws away."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bridge.config import CsvOptions
from bridge.formats import RecordReader, _batch, validate_file
from bridge.models.erp import Kind
from tests.unit.formats.conftest import FIXTURES, SAMPLES, WriteFile

_FILES = sorted(
    [p for p in (SAMPLES / "invalid").iterdir() if not p.name.endswith(".txt")]
    + [SAMPLES / n for n in ("stock.xml", "stock.csv", "products.xml")]
    + [SAMPLES / n for n in ("products.csv", "shipments.xml", "shipments.csv")]
    + [FIXTURES / n for n in ("products-cp1252.csv", "stock-bom.csv")]
    + [FIXTURES / n for n in ("stock-tab.tsv", "not-well-formed.xml", "xxe.xml")]
)
_ODD = {
    "stock-dates.xml": (
        '<stock generated="2026-11-26T06:00:00Z">\n'
        "<item><sku>A</sku><qty>1</qty><updated_at>2026-11-26T24:00:00Z</updated_at>"
        "</item>\n<item><sku>B</sku><qty> 2 </qty>"
        "<updated_at>0001-01-01T00:00:00+14:00</updated_at></item>\n"
        "<item><sku>C</sku><qty>+.5</qty></item>\n</stock>\n"
    ),
    "products-ean.csv": (
        "sku;name;price;ean\nP-1;Mug;9.90;4006381333931\nP-2;Mug;9.90;4006381333932\n"
    ),
    "stock-dates.csv": (
        "sku,qty,updated_at\nA,1,2026-02-29T00:00:00Z\nB,1,2026-11-26T24:00:00Z\n"
    ),
}


def _kind(path: Path) -> Kind:
    found = [k for k in ("products", "stock", "shipments") if k in path.name]
    return found[0] if found else "stock"  # type: ignore[return-value]


def _both(path: Path, kind: Kind, options: CsvOptions) -> None:
    reader = RecordReader(path, kind, csv=options)
    records = list(reader)
    result = validate_file(path, kind, csv=options)
    assert result.issues == reader.issues
    assert result.issue_count == reader.issue_count
    assert result.record_count == reader.record_count
    assert result.generated == reader.generated
    assert result.fmt == reader.fmt
    assert result.valid == (not reader.issues)
    assert len(records) <= result.record_count


@pytest.mark.parametrize("path", _FILES, ids=lambda p: p.name)
def test_validation_pass_gives_the_readers_verdict(path: Path) -> None:
    """validate_file reports exactly the issues, counts and stamp a full read does."""
    options = CsvOptions(encoding="cp1252") if "cp1252" in path.name else CsvOptions()
    _both(path, _kind(path), options)


@pytest.mark.parametrize("name", sorted(_ODD))
def test_validation_pass_keeps_checks_beyond_the_xsd(
    name: str, write: WriteFile
) -> None:
    """Odd dates, spaced decimals and EAN check digits get the reader's verdict."""
    path = write(name, _ODD[name])
    _both(path, _kind(path), CsvOptions())


@pytest.mark.parametrize("name", ["stock.xml", "stock.csv", "products.xml"])
def test_validation_pass_builds_no_records(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The validation pass never makes a ParsedRecord (no model, no raw form)."""

    def refuse(*args: object) -> None:
        raise AssertionError("a record was built during validation")

    monkeypatch.setattr(_batch, "ParsedRecord", refuse)
    path = SAMPLES / name
    result = validate_file(path, _kind(path), csv=CsvOptions())
    assert result.valid
    assert result.record_count > 0


def test_xml_raw_form_is_made_only_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reading XML serializes no element until a record's raw form is asked for."""
    calls: list[object] = []
    real: Callable[..., bytes] = _batch._tostring

    def counting(element: object, **kw: object) -> bytes:
        calls.append(element)
        return real(element, **kw)

    monkeypatch.setattr(_batch, "_tostring", counting)
    records = list(RecordReader(SAMPLES / "stock.xml", "stock", csv=CsvOptions()))
    assert records
    assert calls == []
    raw = records[1].raw
    assert isinstance(raw, bytes)
    assert raw.startswith(b"<item><sku>ERP-1002</sku>")
    assert records[1].raw is raw
    assert len(calls) == 1
