"""The ``ubl-despatch-advice`` layout on the official UBL and Peppol examples."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bridge.config import CsvOptions
from bridge.formats import REGISTRY, RecordReader, validate_file, write_rejects
from bridge.models.erp import ErpShipment, ErpShipmentLine, ErpTrack
from tests.conftest import SHARED
from tests.unit.formats.conftest import SAMPLES, read_all

STANDARDS = SHARED / "reference" / "standards"
OASIS = STANDARDS / "oasis-ubl-2.1" / "xml" / "UBL-DespatchAdvice-2.0-Example.xml"
PEPPOL = STANDARDS / "peppol-bis3-poacc" / "rules" / "examples"
USE_CASES = PEPPOL / "Despatch Advice use cases"


def _copy(src: Path, tmp_path: Path, name: str | None = None) -> Path:
    """Copy an example out of shared so nothing there is ever touched."""
    dest = tmp_path / (name or src.name)
    dest.write_bytes(src.read_bytes())
    return dest


def test_peppol_example_is_one_shipment_with_tracking_and_carrier(
    tmp_path: Path,
) -> None:
    """The full Peppol BIS 3 example maps to one shipment with its order, line and track."""
    path = _copy(PEPPOL / "DespatchAdvice_Example.xml", tmp_path)
    records, issues, reader = read_all(path, "shipments")
    assert issues == []
    assert reader.codec.layout == "ubl-despatch-advice"
    [record] = records
    assert (record.key, record.line) == ("565899", 13)
    assert record.model == ErpShipment(
        shipment_id="565899",
        order_number="AEG012345",
        shipped_at=datetime(2018, 9, 20, 12, 0, tzinfo=UTC),
        lines=(ErpShipmentLine(sku="17589683", qty=Decimal(10)),),
        tracks=(ErpTrack(number="456789", title="Name"),),
    )


@pytest.mark.parametrize(
    ("name", "sid", "shipped", "lines", "track"),
    [
        (
            "DespatchAdvice-BIS3_UseCase1.xml",
            "1234",
            datetime(2019, 3, 15, 8, 0, tzinfo=UTC),
            [("010120401", "10"), ("010140403", "10")],
            ErpTrack(number="12345", title="CarrierPart"),
        ),
        (
            "DespatchAdvice-BIS3_UseCase2.xml",
            "1236",
            datetime(2013, 3, 15, 8, 0, tzinfo=UTC),
            [
                ("010120401", "10"),
                ("010120409", "6"),
                ("010120405", "6"),
                ("010120407", "6"),
                ("010120408", "12"),
            ],
            ErpTrack(number="12345", title="CarrierPart"),
        ),
    ],
)
def test_peppol_use_cases_with_sellers_ids_are_read(
    tmp_path: Path,
    name: str,
    sid: str,
    shipped: datetime,
    lines: list[tuple[str, str]],
    track: ErpTrack,
) -> None:
    """Use cases 1 and 2 name the seller's item ids: every line is read, the consignment tracks."""
    records, issues, _ = read_all(_copy(USE_CASES / name, tmp_path), "shipments")
    assert issues == []
    [record] = records
    assert record.model == ErpShipment(
        shipment_id=sid,
        order_number="4321",
        shipped_at=shipped,
        lines=tuple(ErpShipmentLine(sku=s, qty=Decimal(q)) for s, q in lines),
        tracks=(track,),
    )


def test_gtin_only_lines_refer_to_their_gtins(tmp_path: Path) -> None:
    """Use case 3's lines name items only by GTIN: each becomes a ``gtin:`` reference.

    Before issue 15 such a line was refused; now the flows find the SKU through the
    EAN attribute. The example's fourth "GTIN" has 15 digits: the file is refused
    naming it; with 14 digits the document reads.
    """
    path = _copy(USE_CASES / "DespatchAdvice-BIS3_UseCase3.xml", tmp_path)
    result = validate_file(path, "shipments", csv=CsvOptions())
    assert [str(i) for i in result.issues] == [
        "DespatchAdvice-BIS3_UseCase3.xml:254: sku: line 4 has no seller's id, and"
        " '057098987656543' is no GTIN (8, 12, 13 or 14 digits)"
    ]
    path.write_bytes(path.read_bytes().replace(b"057098987656543", b"05709898765654"))
    [record] = list(RecordReader(path, "shipments", csv=CsvOptions()))
    assert isinstance(record.model, ErpShipment)
    assert [ln.sku for ln in record.model.lines] == [
        "gtin:05702938473625",
        "gtin:07611104117051",
        "gtin:08886765117054",
        "gtin:05709898765654",
    ]


def test_use_case_in_kilograms_carries_the_unit(tmp_path: Path) -> None:
    """Use case 4 ships by weight: the KGM lines keep their unit for the flow to judge.

    Before issue 15 the file was refused; the shipments flow now takes a weight for
    an order item with a decimal quantity only.
    """
    path = _copy(USE_CASES / "DespatchAdvice-BIS3_UseCase4.xml", tmp_path)
    result = validate_file(path, "shipments", csv=CsvOptions())
    assert (result.layout, result.issues) == ("ubl-despatch-advice", [])
    [record] = list(RecordReader(path, "shipments", csv=CsvOptions()))
    assert isinstance(record.model, ErpShipment)
    assert [(ln.qty, ln.unit) for ln in record.model.lines][:3] == [
        (Decimal("4.25"), "KGM"),
        (Decimal("5.97"), "KGM"),
        (Decimal("8"), None),
    ]


def test_oasis_example_in_kilograms_reads_with_its_unit(tmp_path: Path) -> None:
    """The OASIS 2.0 example ships 90 KGM: read as 90 with unit KGM (refused before issue 15)."""
    path = _copy(OASIS, tmp_path)
    result = validate_file(path, "shipments", csv=CsvOptions())
    assert result.issues == []
    [record] = list(RecordReader(path, "shipments", csv=CsvOptions()))
    assert isinstance(record.model, ErpShipment)
    assert [(ln.sku, ln.qty, ln.unit) for ln in record.model.lines] == [
        ("17589683", Decimal("90"), "KGM")
    ]


def test_schema_violation_is_reported_before_mapping(tmp_path: Path) -> None:
    """A document the UBL XSD refuses yields no record and the XSD's complaint."""
    source = (PEPPOL / "DespatchAdvice_Example.xml").read_bytes()
    broken = source.replace(
        b"<cbc:ID>565899</cbc:ID>", b"<cbc:Bogus>565899</cbc:Bogus>"
    )
    path = tmp_path / "da.xml"
    path.write_bytes(broken)
    records, issues, _ = read_all(path, "shipments")
    assert records == []
    assert len(issues) == 1
    assert issues[0].startswith("da.xml:16: ")
    assert "Bogus" in issues[0]


def test_several_orders_in_one_document_are_refused(tmp_path: Path) -> None:
    """Lines naming different orders without a document-level one are refused whole."""
    source = (USE_CASES / "DespatchAdvice-BIS3_UseCase1.xml").read_text("utf-8")
    head, _, rest = source.partition("<cac:OrderReference>")
    rest = rest.split("</cac:OrderReference>", 1)[1]
    one = head + rest
    two = one.replace("<cbc:ID>4321</cbc:ID>", "<cbc:ID>9999</cbc:ID>", 1)
    path = tmp_path / "da.xml"
    path.write_text(two, "utf-8")
    _, issues, _ = read_all(path, "shipments")
    assert len(issues) == 1
    assert "order_number: the lines name several orders (4321, 9999)" in issues[0]


def test_rejects_are_the_whole_document(tmp_path: Path) -> None:
    """A refused despatch advice is written back byte for byte."""
    path = _copy(PEPPOL / "DespatchAdvice_Example.xml", tmp_path)
    records = list(RecordReader(path, "shipments", csv=CsvOptions()))
    dest = tmp_path / "rejects.xml"
    write_rejects(dest, path, "shipments", csv=CsvOptions(), records=records)
    assert dest.read_bytes() == path.read_bytes()


def test_layout_is_builtin_and_sniffed_by_namespace() -> None:
    """The registry lists the layout for shipments and guesses the kind from the root."""
    infos = [i for i in REGISTRY.layouts() if i.layout == "ubl-despatch-advice"]
    assert [(i.kind, i.fmt) for i in infos] == [("shipments", "xml")]
    assert REGISTRY.guess_kind(PEPPOL / "DespatchAdvice_Example.xml") == "shipments"


def test_samples_valid_and_invalid() -> None:
    """The shipped samples: the valid one reads clean, the invalid one names its line."""
    folder = SAMPLES / "ubl-despatch-advice"
    good = validate_file(folder / "despatch-advice.xml", "shipments", csv=CsvOptions())
    bad = validate_file(
        folder / "despatch-advice-invalid.xml", "shipments", csv=CsvOptions()
    )
    assert (good.layout, good.issues, good.record_count) == (
        "ubl-despatch-advice",
        [],
        1,
    )
    assert [str(i) for i in bad.issues] == [
        "despatch-advice-invalid.xml:37: qty: '0' is not a valid value"
        " (must be a decimal > 0, at most 6 decimals)"
    ]
