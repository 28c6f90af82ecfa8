"""XML reading: records, root attributes, placement checks and big line numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bridge.config import CsvOptions
from bridge.formats import validate_file
from tests.unit.formats.conftest import SAMPLES, WriteFile, read_all


def test_generated_is_read_from_the_root() -> None:
    """The root's generated attribute is exposed as an aware datetime."""
    _, _, reader = read_all(SAMPLES / "stock.xml", "stock")
    assert reader.generated == datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def test_record_carries_line_key_and_raw_element() -> None:
    """Each record knows its line, business key and serialized element."""
    records, _, _ = read_all(SAMPLES / "stock.xml", "stock")
    second = records[1]
    assert (second.index, second.line, second.key) == (1, 4, "ERP-1002@lager-malmo")
    assert isinstance(second.raw, bytes)
    assert second.raw.startswith(b"<item><sku>ERP-1002</sku>")
    assert second.model.updated_at == datetime(2026, 11, 26, 4, 55, tzinfo=UTC)  # type: ignore[union-attr]


def test_products_keep_html_description() -> None:
    """A CDATA description with HTML is kept as text."""
    records, _, _ = read_all(SAMPLES / "products.xml", "products")
    first = records[0].model
    assert first.description == (  # type: ignore[union-attr]
        "<p>Handgjord i Gustavsberg. <strong>Tål diskmaskin.</strong></p>"
    )
    assert first.price == Decimal("129.00")  # type: ignore[union-attr]


def test_elements_outside_records_are_reported(write: WriteFile) -> None:
    """Unknown elements under the root and too-deep records are located issues."""
    path = write(
        "s.xml",
        "<stock>\n<note>x</note>\n<item><sku>A</sku><qty>1</qty></item>\n"
        "<group><item><sku>B</sku><qty>1</qty></item></group>\n<tail/>\n</stock>",
    )
    records, issues, _ = read_all(path, "stock")
    assert [r.key for r in records] == ["A"]
    assert issues == [
        "s.xml:2: note: unexpected element",
        "s.xml:4: <item> must be directly inside <stock>",
        "s.xml:4: group: unexpected element",
        "s.xml:5: tail: unexpected element",
    ]


@pytest.mark.slow
def test_error_past_line_65535_has_its_true_line(write: WriteFile) -> None:
    """Line numbers stay right in long files (libxml2 big-line handling)."""
    items = "".join(f"<item><sku>E{i}</sku><qty>1</qty></item>\n" for i in range(70000))
    path = write(
        "s.xml",
        "<stock>\n" + items + "<item><sku>X</sku><qty>-1</qty></item>\n</stock>",
    )
    result = validate_file(path, "stock", csv=CsvOptions())
    assert result.record_count == 70001
    assert [(i.line, i.field) for i in result.issues] == [(70002, "qty")]


def test_batch_errors_are_attributed_to_the_right_record(write: WriteFile) -> None:
    """In a batch of many records only the bad one is refused, with its own line."""
    items = [f"<item><sku>E{i}</sku><qty>{i}</qty></item>\n" for i in range(1200)]
    items[700] = "<item><sku>BAD</sku><qty>x</qty></item>\n"
    records, issues, _ = read_all(
        write("s.xml", "<stock>\n" + "".join(items) + "</stock>"), "stock"
    )
    assert len(records) == 1199
    assert "BAD" not in {r.key for r in records}
    assert [r.index for r in records][699:701] == [699, 701]
    assert issues == [
        "s.xml:702: qty: 'x' is not a valid value (must be a decimal >= 0, "
        "at most 6 decimals)"
    ]


def test_naive_datetimes_are_utc_and_offsets_kept(write: WriteFile) -> None:
    """A naive xs:dateTime is taken as UTC; one with an offset keeps its instant."""
    path = write(
        "s.xml",
        "<stock><item><sku>A</sku><qty>1</qty><updated_at>2026-05-01T12:00:00"
        "</updated_at></item><item><sku>B</sku><qty>1</qty><updated_at>"
        "2026-05-01T12:00:00+02:00</updated_at></item></stock>",
    )
    records, issues, _ = read_all(path, "stock")
    assert issues == []
    stamps = [r.model.updated_at for r in records]  # type: ignore[union-attr]
    assert stamps[0] == datetime(2026, 5, 1, 12, tzinfo=UTC)
    assert stamps[1] == datetime(2026, 5, 1, 10, tzinfo=UTC)


def test_validate_file_reports_format_and_counts() -> None:
    """validate_file gives format, record count and no issue for a good file."""
    result = validate_file(SAMPLES / "shipments.xml", "shipments", csv=CsvOptions())
    assert (result.fmt, result.record_count, result.issues, result.valid) == (
        "xml",
        2,
        [],
        True,
    )
