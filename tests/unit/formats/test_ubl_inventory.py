"""The ``ubl-inventory-report`` layout on the official UBL 2.1 example and the samples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from bridge.config import CsvOptions
from bridge.formats import REGISTRY, validate_file
from bridge.models.erp import ErpStockLevel
from tests.conftest import SHARED
from tests.unit.formats.conftest import SAMPLES, read_all

EXAMPLE = (
    SHARED / "reference/standards/oasis-ubl-2.1/xml/UBL-InventoryReport-2.1-Example.xml"
)
FOLDER = SAMPLES / "ubl-inventory-report"


def test_oasis_example_is_one_stock_item_per_line() -> None:
    """Each InventoryReportLine is a stock item on its own line, dated by the issue date."""
    records, issues, reader = read_all(EXAMPLE, "stock")
    assert (issues, reader.codec.layout) == ([], "ubl-inventory-report")
    assert [(r.line, r.key) for r in records] == [
        (85, "DD88"),
        (99, "DA008"),
        (113, "BA058"),
    ]
    when = datetime(2010, 4, 12, tzinfo=UTC)
    assert [r.model for r in records] == [
        ErpStockLevel(sku="DD88", qty=Decimal(10), updated_at=when),
        ErpStockLevel(sku="DA008", qty=Decimal(15), updated_at=when),
        ErpStockLevel(sku="BA058", qty=Decimal(5), updated_at=when),
    ]


def test_sample_takes_the_location_as_source() -> None:
    """A line's InventoryLocation is its MSI source; the issue time keeps its zone."""
    records, issues, _ = read_all(FOLDER / "inventory-report.xml", "stock")
    assert issues == []
    when = datetime(2026, 11, 26, 6, tzinfo=timezone(timedelta(hours=1)))
    assert [r.model for r in records] == [
        ErpStockLevel(sku="ERP-1001", qty=Decimal(25), updated_at=when),
        ErpStockLevel(
            sku="ERP-1002", qty=Decimal(7), source="lager-malmo", updated_at=when
        ),
    ]


def test_invalid_sample_names_its_line_and_field() -> None:
    """A negative quantity passes the UBL schema but not the stock record's."""
    result = validate_file(
        FOLDER / "inventory-report-invalid.xml", "stock", csv=CsvOptions()
    )
    assert [str(i) for i in result.issues] == [
        "inventory-report-invalid.xml:23: qty: '-7' is not a valid value "
        "(must be a decimal >= 0, at most 6 decimals)"
    ]


def test_weight_is_refused_with_its_unit(tmp_path: Path) -> None:
    """A quantity in kilograms is refused, naming the unit and the source line."""
    path = tmp_path / "inv.xml"
    path.write_bytes(
        EXAMPLE.read_bytes().replace(b'unitCode="NAR">15', b'unitCode="KGM">15')
    )
    _, issues, _ = read_all(path, "stock")
    assert issues == [
        "inv.xml:101: qty: unit KGM is not pieces (only pieces are taken)"
    ]


def test_guess_kind_by_root() -> None:
    """Out of its folder, an InventoryReport is recognised as stock."""
    assert REGISTRY.guess_kind(EXAMPLE) == "stock"
