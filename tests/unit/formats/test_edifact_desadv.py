"""The ``edifact-desadv`` layout: DESADV D.96A messages of an interchange are shipments."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from bridge.config import CsvOptions
from bridge.formats import REGISTRY, RecordReader, validate_file, write_rejects
from bridge.models.erp import ErpShipment, ErpShipmentLine, ErpTrack
from tests.conftest import SHARED
from tests.unit.formats._desadv_gen import MESSAGE, write_interchange
from tests.unit.formats.conftest import SAMPLES, read_all

FOLDER = SAMPLES / "edifact-desadv"
ORDRSP = next(
    (SHARED / "reference/standards/sap-idoc/teched2025-IN260/Testdata").rglob(
        "*ORDRSP.edi"
    )
)


def test_each_message_is_one_shipment() -> None:
    """Two DESADV messages in one interchange are two shipments on their UNH lines."""
    records, issues, reader = read_all(FOLDER / "desadv.edi", "shipments")
    assert (issues, reader.codec.layout) == ([], "edifact-desadv")
    assert [(r.line, r.key) for r in records] == [(3, "FS-80001"), (19, "FS-80002")]
    assert records[0].model == ErpShipment(
        shipment_id="FS-80001",
        order_number="000000001",
        shipped_at=datetime(2026, 11, 26, 14, 10, tzinfo=UTC),
        lines=(
            ErpShipmentLine(sku="ERP-1001", qty=Decimal(2)),
            ErpShipmentLine(sku="ERP-1003", qty=Decimal(1)),
        ),
        tracks=(ErpTrack(number="00370730253796583020", title="PostNord"),),
    )
    assert records[1].model.tracks == (ErpTrack(number="340123450000000014"),)  # type: ignore[union-attr]


def test_invalid_sample_names_quantity_and_line() -> None:
    """A zero quantity is refused on the QTY segment's line."""
    result = validate_file(FOLDER / "desadv-invalid.edi", "shipments", csv=CsvOptions())
    assert [str(i) for i in result.issues] == [
        "desadv-invalid.edi:25: qty: '0' is not a valid value"
        " (must be a decimal > 0, at most 6 decimals)"
    ]


def test_weight_keeps_its_unit(tmp_path: Path) -> None:
    """A QTY+12 in KGM is read with its unit (refused before issue 15)."""
    path = tmp_path / "w.edi"
    source = (FOLDER / "desadv-invalid.edi").read_bytes()
    path.write_bytes(source.replace(b"QTY+12:0:PCE'", b"QTY+12:1.5:KGM'"))
    records, issues, _ = read_all(path, "shipments")
    assert issues == []
    last = records[-1].model
    assert isinstance(last, ErpShipment)
    assert [(ln.sku, ln.qty, ln.unit) for ln in last.lines] == [
        ("ERP-1002", Decimal("1.5"), "KGM")
    ]


def test_segment_count_is_checked(tmp_path: Path) -> None:
    """A UNT whose count disagrees with its message is refused on its line."""
    path = tmp_path / "d.edi"
    path.write_bytes(
        (FOLDER / "desadv.edi").read_bytes().replace(b"UNT+16+1", b"UNT+15+1")
    )
    _, issues, _ = read_all(path, "shipments")
    assert issues == ["d.edi:18: UNT: UNT counts 15 segments, the message has 16"]


def test_released_separators_and_one_line_files(tmp_path: Path) -> None:
    """An interchange on one line with a released apostrophe reads the same."""
    text = (FOLDER / "desadv.edi").read_text("latin-1").replace("\n", "")
    path = tmp_path / "one.edi"
    path.write_text(text.replace("PN:::PostNord", "PN:::Post?'Nord"), "latin-1")
    records, issues, _ = read_all(path, "shipments")
    assert issues == []
    assert records[0].model.tracks[0].title == "Post'Nord"  # type: ignore[union-attr]


def test_gtin_only_line_refers_to_its_gtin(tmp_path: Path) -> None:
    """A LIN with only its EAN becomes a ``gtin:`` reference (was refused before issue 15)."""
    path = tmp_path / "g.edi"
    source = (FOLDER / "desadv.edi").read_bytes()
    source = source.replace(b"PIA+5+ERP-1003:SA'\n", b"")
    path.write_bytes(source.replace(b"UNT+16+1", b"UNT+15+1"))
    records, issues, _ = read_all(path, "shipments")
    assert issues == []
    first = records[0].model
    assert isinstance(first, ErpShipment)
    assert [ln.sku for ln in first.lines] == ["ERP-1001", "gtin:07350000000016"]


def test_line_whose_ean_is_no_gtin_is_refused(tmp_path: Path) -> None:
    """A LIN with only an EN code that is not 8, 12, 13 or 14 digits is refused, naming it."""
    path = tmp_path / "g.edi"
    source = (FOLDER / "desadv.edi").read_bytes()
    source = source.replace(b"PIA+5+ERP-1003:SA'\n", b"")
    source = source.replace(b"7350000000016:EN", b"73500-16:EN")
    path.write_bytes(source.replace(b"UNT+16+1", b"UNT+15+1"))
    _, issues, _ = read_all(path, "shipments")
    assert issues == [
        "g.edi:15: sku: LIN has no SA number, and '73500-16' is no GTIN"
        " (8, 12, 13 or 14 digits)"
    ]


def test_rejects_are_the_whole_interchange(tmp_path: Path) -> None:
    """A refused message is written back as the interchange, byte for byte."""
    source = FOLDER / "desadv.edi"
    records = list(RecordReader(source, "shipments", csv=CsvOptions()))
    dest = tmp_path / "r.edi"
    write_rejects(dest, source, "shipments", csv=CsvOptions(), records=records[:1])
    assert dest.read_bytes() == source.read_bytes()


def test_other_edifact_messages_are_not_desadv() -> None:
    """SAP's ORDRSP interchange is not taken for a despatch advice."""
    head = ORDRSP.read_bytes()[:4096]
    [codec] = [c for c in REGISTRY.codecs("shipments") if c.layout == "edifact-desadv"]
    assert not codec.sniff(head, ORDRSP.name)
    assert codec.sniff((FOLDER / "desadv.edi").read_bytes(), "desadv.edi")


def test_large_interchange_is_read_message_by_message(tmp_path: Path) -> None:
    """2,000 generated messages give 2,000 shipments, each with its own lines and unit."""
    path = write_interchange(tmp_path / "big.edi", 2_000)
    records, issues, _ = read_all(path, "shipments")
    assert (issues, len(records)) == ([], 2_000)
    last = records[-1]
    assert isinstance(last.model, ErpShipment)
    assert (last.key, last.line, last.model.order_number) == (
        "FS-2000",
        19_993,
        "000002000",
    )
    assert [(ln.sku, ln.unit) for ln in last.model.lines] == [
        ("GEN-4000", None),
        ("GEN-4001", "KGM"),
    ]
    message = MESSAGE.format(i=2000, order="000002000", a=4000, b=4001)
    assert last.raw == message.replace("\n", "").encode()  # its own segments only


def test_fault_past_line_65535_is_named_on_its_line(tmp_path: Path) -> None:
    """A message without an order past line 65,535 is refused on its own line."""
    path = write_interchange(tmp_path / "big.edi", 6_600)
    text = path.read_text(encoding="latin-1")
    bad = "UNH+9999+DESADV:D:96A:UN'\nBGM+351+FS-BAD+9'\nUNT+3+9999'\n"
    path.write_text(text.replace("UNZ+", bad + "UNZ+"), encoding="latin-1")
    _, issues, _ = read_all(path, "shipments")
    assert len(issues) == 1
    assert issues[0].startswith("big.edi:66003: order_number: ")
