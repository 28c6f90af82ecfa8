"""The CSV reading pass builds from vouched chunks exactly the rows' records."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from bridge.config import CsvOptions
from bridge.formats import RecordReader, _batch, _csvrows, csv_fast
from bridge.models.erp import ErpProduct, ErpStockLevel, Kind
from tests.unit.formats.conftest import WriteFile
from tests.unit.formats.test_validate_pass import csv_documents

Read = tuple[list[tuple[object, ...]], list[str], int, int]


@contextmanager
def _chunk_size(size: int) -> Iterator[None]:
    saved, csv_fast.CHUNK = csv_fast.CHUNK, size
    try:
        yield
    finally:
        csv_fast.CHUNK = saved


@contextmanager
def _rows_only() -> Iterator[None]:
    """Every row through the row reader and the XSD (no fast path at all)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_csvrows, "vouch", lambda kind: None)
        yield


def _read(path: Path, kind: Kind) -> Read:
    reader = RecordReader(path, kind, csv=CsvOptions())
    records: list[tuple[object, ...]] = [
        (r.index, r.line, r.key, r.model, r.raw) for r in reader
    ]
    issues = [str(i) for i in reader.issues]
    return records, issues, reader.issue_count, reader.record_count


def _differential(path: Path, kind: Kind) -> Read:
    with _rows_only():
        slow = _read(path, kind)
    for size in (16, 1 << 20):
        with _chunk_size(size):
            fast = _read(path, kind)
        assert fast[1:] == slow[1:]
        if not slow[1]:  # a broken file may give out a different valid prefix
            assert fast[0] == slow[0]
    return slow


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(doc=csv_documents())
def test_csv_records_are_the_row_readers(doc: str, write: WriteFile) -> None:
    """Whatever the rows, the reading pass gives the row reader's verdict and records."""
    path = write("stock.csv", doc.encode("utf-8", "surrogatepass"))
    _differential(path, "stock")


_STAMPED = "".join(
    f"A-{i};{i}.{i % 7};{'eu' if i % 3 else ''};"
    f"{'2026-11-26T05:00:00+01:00' if i % 4 == 0 else ''}\r\n"
    for i in range(300)
)


def test_plain_csv_is_built_from_chunks_alone(
    write: WriteFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plain file's records never pass the row reader's batch, blanks and CRLF too."""

    def refuse(*args: object) -> None:
        raise AssertionError("a record was built by the row reader")

    path = write("stock.csv", f"sku;qty;source;updated_at\r\n{_STAMPED}\r\n\r\nB;1;;")
    expected = _differential(path, "stock")
    monkeypatch.setattr(_batch, "ParsedRecord", refuse)
    with _chunk_size(64):
        records = list(RecordReader(path, "stock", csv=CsvOptions()))
    assert len(records) == 301
    assert [(r.index, r.line, r.key, r.model, r.raw) for r in records] == expected[0]
    last = records[-1]
    assert (last.line, last.key, last.raw) == (304, "B", (("B", "1", "", ""),))
    assert records[4].key == "A-4@eu"
    model = records[4].model
    assert isinstance(model, ErpStockLevel)
    assert (model.sku, model.qty, model.source) == ("A-4", Decimal("4.4"), "eu")
    assert str(model.updated_at) == "2026-11-26 05:00:00+01:00"


def test_a_bad_row_hands_the_rest_to_the_row_reader(write: WriteFile) -> None:
    """Rows after an unplain one are read row by row, with the same lines and issues."""
    rows = "".join(f"A-{i};{i}\n" for i in range(200))
    path = write("stock.csv", f"sku;qty\n{rows}B;-1\nC; 2 \n{rows}")
    records, issues, _, count = _differential(path, "stock")
    assert count == 402
    assert len(records) == 401
    assert len(issues) == 1
    assert issues[0].startswith("stock.csv:202: qty: ")
    assert records[200][1:4] == (203, "C", ErpStockLevel(sku="C", qty=Decimal(2)))


@pytest.mark.parametrize(
    "header",
    ["sku,name,price", "price,name,sku,qty", "sku,name,price,short_description,qty"],
)
def test_products_csv_records_are_the_row_readers(
    header: str, write: WriteFile
) -> None:
    """Products without an EAN column come from chunks, as the rows would give them."""
    values = {
        "sku": "P-{i}",
        "name": "Mug-{i}",
        "price": "{i}.90",
        "short_description": "Short",
        "qty": "{i}",
    }
    names = header.split(",")
    rows = "".join(
        ",".join(values[n].format(i=i) for n in names) + "\n" for i in range(40)
    )
    path = write("products.csv", f"{header}\n{rows}")
    records, issues, _, _ = _differential(path, "products")
    assert not issues
    assert len(records) == 40
    assert records[7][3] == ErpProduct(
        sku="P-7",
        name="Mug-7",
        price=Decimal("7.90"),
        short_description="Short" if "short_description" in names else None,
        qty=Decimal(7) if "qty" in names else None,
    )
