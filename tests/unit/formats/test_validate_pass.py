"""The validation pass keeps the reader's verdicts and builds nothing it throws away."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.config import CsvOptions
from bridge.formats import RecordReader, _batch, csv_fast, validate_file
from bridge.models.erp import Kind
from tests.unit.formats.conftest import FIXTURES, SAMPLES, WriteFile
from tests.unit.formats.test_fastpath import _EDGE, VALUES

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
    monkeypatch: pytest.MonkeyPatch, write: WriteFile
) -> None:
    """Reading XML with libxml2 serializes no element until its raw form is asked."""
    calls: list[object] = []
    real: Callable[..., bytes] = _batch._tostring

    def counting(element: object, **kw: object) -> bytes:
        calls.append(element)
        return real(element, **kw)

    monkeypatch.setattr(_batch, "_tostring", counting)
    path = write(  # qty before sku: beyond the grammar, so libxml2 reads it
        "stock.xml",
        "<stock>\n<item><qty>1</qty><sku>A</sku></item>\n"
        "<item><qty>2</qty><sku>B</sku></item>\n</stock>\n",
    )
    records = list(RecordReader(path, "stock", csv=CsvOptions()))
    assert len(records) == 2
    assert calls == []
    raw = records[1].raw
    assert raw == b"<item><qty>2</qty><sku>B</sku></item>"
    assert records[1].raw is raw
    assert len(calls) == 1


_CSV_COLUMNS = ("sku", "qty", "source", "updated_at")
_CSV_PLAIN = {
    "sku": st.from_regex(r"[A-Z]{2}-[0-9]{1,5}", fullmatch=True),
    "qty": st.from_regex(r"[0-9]{1,4}(\.[0-9]{1,3})?", fullmatch=True),
    "source": st.sampled_from(["", "eu", "lager-malmo"]),
    "updated_at": st.sampled_from(["", "2026-11-26T05:00:00Z", "2024-02-29T00:00:00"]),
}
_CSV_END = st.sampled_from(["\n", "\r\n", "", "\n\n", "\r\n\r\n"])


@st.composite
def _csv_cell(draw: st.DrawFn, name: str) -> str:
    how = draw(st.integers(0, 9))
    if how == 7:
        return draw(st.sampled_from(_EDGE))
    if how == 8:
        return draw(VALUES)
    return draw(_CSV_PLAIN[name])


@st.composite
def csv_documents(draw: st.DrawFn) -> str:
    """Stock CSV files, mostly plain, with odd cells, blank lines and CRLF."""
    names = list(draw(st.permutations(_CSV_COLUMNS)))
    if draw(st.booleans()):
        names = [n for n in names if n in ("sku", "qty", "source")]
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    lines = [delimiter.join(names)]
    for _ in range(draw(st.integers(0, 14))):
        if draw(st.integers(0, 9)) == 7:
            lines.append(draw(st.sampled_from(["", " ", delimiter * 3, '"A";1'])))
        else:
            lines.append(delimiter.join(draw(_csv_cell(n)) for n in names))
    sep = draw(st.sampled_from(["\n", "\r\n"]))
    return lines[0] + sep + sep.join(lines[1:]) + draw(_CSV_END)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(doc=csv_documents())
def test_csv_validation_pass_gives_the_row_readers_verdict(
    doc: str, write: WriteFile
) -> None:
    """Whatever the rows, the CSV validation pass (fast path) reports what rows do."""
    path = write("stock.csv", doc.encode("utf-8", "surrogatepass"))
    for size in (16, 1 << 20):
        saved, csv_fast.CHUNK = csv_fast.CHUNK, size
        try:
            _both(path, "stock", CsvOptions())
        finally:
            csv_fast.CHUNK = saved


@pytest.mark.parametrize("column", _CSV_COLUMNS)
def test_each_odd_csv_cell_gets_the_row_readers_verdict(
    column: str, write: WriteFile
) -> None:
    """Every edge value, in any column of an otherwise plain file, reads as before."""
    for n, value in enumerate(_EDGE):
        if any(c in value for c in ';"\n\r'):
            continue
        cells = {
            "sku": "A-2",
            "qty": "2",
            "source": "",
            "updated_at": "",
            column: value,
        }
        rows = ";".join(cells[c] for c in _CSV_COLUMNS)
        doc = f"sku;qty;source;updated_at\nA-1;1;;\n{rows}\nA-3;3;eu;\n"
        path = write(f"stock-{n}.csv", doc.encode("utf-8", "surrogatepass"))
        _both(path, "stock", CsvOptions())


def test_csv_validation_pass_is_read_by_the_fast_path(write: WriteFile) -> None:
    """A plain stock CSV is vouched for whole by the row grammar, CRLF and blanks too."""
    rows = "".join(f"A-{i};{i}.5;eu;2026-11-26T05:00:00Z\r\n" for i in range(50))
    path = write("stock.csv", f"sku;qty;source;updated_at\r\n{rows}\r\n\r\nB;1;;")
    rows_pattern = csv_fast.row_grammar("stock", tuple(_CSV_COLUMNS), ";")
    assert rows_pattern is not None
    with path.open("rb") as fh:
        fh.readline()
        scan = csv_fast.CsvScan(fh, rows_pattern)
        scan.run()
    assert scan.complete
    assert scan.records == 51
    _both(path, "stock", CsvOptions())
