"""A namespaced document layout registered in a test: read, checked, rejected whole.

The toy "despatch" document (one delivery per file, in its own namespace and with its
own schema) stands in for the business documents of SPEC §7. Registered in the
formats' registry, it is read through the same entry points the runtime uses.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from bridge.config import CsvOptions, load_config
from bridge.flows.base import FileContext, FlowResult
from bridge.folders.local import LocalInbox
from bridge.formats import (
    REGISTRY,
    CanonicalTree,
    DocumentXmlCodec,
    RecordReader,
    XmlNames,
    validate_file,
    write_rejects,
)
from bridge.formats._records import FieldError
from bridge.ledger import Ledger
from bridge.models.erp import ErpShipment, ErpShipmentLine, ErpTrack, ParsedRecord
from bridge.runtime.pipeline import Pipeline
from tests.unit.formats.conftest import SAMPLES

TD = "urn:example:toy-despatch:1"
TOY_XSD = f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{TD}"
           elementFormDefault="qualified">
  <xs:element name="Despatch">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="Id" type="xs:string"/>
        <xs:element name="OrderRef" type="xs:string"/>
        <xs:element name="Parcel" minOccurs="0" maxOccurs="unbounded">
          <xs:complexType>
            <xs:attribute name="tracking" type="xs:string" use="required"/>
            <xs:attribute name="carrier" type="xs:string"/>
          </xs:complexType>
        </xs:element>
        <xs:element name="Item" maxOccurs="unbounded">
          <xs:complexType>
            <xs:attribute name="sku" type="xs:string" use="required"/>
            <xs:attribute name="qty" type="xs:string" use="required"/>
            <xs:attribute name="unit" type="xs:string"/>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""


def toy_document(*items: str, parcel: str = '<td:Parcel tracking="TRK-1"/>') -> bytes:
    """A toy despatch document holding the given ``<td:Item>`` elements, one a line."""
    lines = "\n".join(f"  {item}" for item in items)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<td:Despatch xmlns:td="{TD}">\n'
        "  <td:Id>DN-9001</td:Id>\n"
        "  <td:OrderRef>000000042</td:OrderRef>\n"
        f"  {parcel}\n"
        f"{lines}\n"
        "</td:Despatch>\n"
    ).encode()


GOOD = toy_document(
    '<td:Item sku="ERP-1" qty="2"/>', '<td:Item sku="ERP-2" qty="1.5" unit="PCE"/>'
)


def _q(local: str) -> str:
    return f"{{{TD}}}{local}"


def map_toy(root: etree._Element, out: CanonicalTree) -> None:
    """Map a toy despatch document to one canonical shipment."""
    shipment = out.record(root)
    for tag, source in (("shipment_id", "Id"), ("order_number", "OrderRef")):
        el = root.find(_q(source))
        out.child(shipment, tag, el.text if el is not None else None, source=el)
    lines = out.child(shipment, "lines", source=root)
    for item in root.iterfind(_q("Item")):
        unit = item.get("unit", "PCE")
        if unit != "PCE":
            raise FieldError("qty", f"unit {unit} is not pieces", item)
        line = out.child(lines, "line", source=item)
        out.child(line, "sku", item.get("sku"), source=item)
        out.child(line, "qty", item.get("qty"), source=item)
    parcels = root.findall(_q("Parcel"))
    if parcels:
        tracks = out.child(shipment, "tracks", source=parcels[0])
        for parcel in parcels:
            track = out.child(tracks, "track", source=parcel)
            out.child(track, "number", parcel.get("tracking"), source=parcel)
            carrier = parcel.get("carrier")
            if carrier is not None:
                out.child(track, "carrier_code", carrier, source=parcel)


@pytest.fixture
def toy(tmp_path: Path) -> Iterator[DocumentXmlCodec]:
    """The toy layout, registered for shipments for the length of one test."""
    xsd = tmp_path / "toy.xsd"
    xsd.write_text(TOY_XSD, encoding="utf-8")
    codec = DocumentXmlCodec(
        "shipments", "toy-despatch", XmlNames(TD, "Despatch"), map_toy, schema=xsd
    )
    REGISTRY.register(codec)
    try:
        yield codec
    finally:
        REGISTRY.unregister("shipments", "toy-despatch")


def _issues(path: Path) -> list[str]:
    result = validate_file(path, "shipments", csv=CsvOptions())
    return [str(i) for i in result.issues]


def test_document_is_read_as_one_shipment_with_its_source(
    toy: DocumentXmlCodec, tmp_path: Path
) -> None:
    """The registered layout reads the whole document as one shipment, raw = the document."""
    path = tmp_path / "lev-1.xml"
    path.write_bytes(GOOD)
    reader = RecordReader(path, "shipments", csv=CsvOptions())
    records = list(reader)
    assert reader.codec is toy
    assert (reader.fmt, reader.issues, reader.record_count) == ("xml", [], 1)
    [record] = records
    assert (record.index, record.line, record.key) == (0, 2, "DN-9001")
    assert record.raw == GOOD
    assert record.model == ErpShipment(
        shipment_id="DN-9001",
        order_number="000000042",
        lines=(
            ErpShipmentLine(sku="ERP-1", qty=Decimal(2)),
            ErpShipmentLine(sku="ERP-2", qty=Decimal("1.5")),
        ),
        tracks=(ErpTrack(number="TRK-1"),),
    )


def test_canonical_check_names_the_source_line_and_canonical_field(
    toy: DocumentXmlCodec, tmp_path: Path
) -> None:
    """A mapped value the shipments XSD refuses is reported on its source line."""
    path = tmp_path / "lev-2.xml"
    path.write_bytes(
        toy_document('<td:Item sku="ERP-1" qty="2"/>', '<td:Item sku="ERP-2" qty="0"/>')
    )
    assert _issues(path) == [
        "lev-2.xml:7: qty: '0' is not a valid value "
        "(must be a decimal > 0, at most 6 decimals)"
    ]


def test_document_schema_is_checked_before_mapping(
    toy: DocumentXmlCodec, tmp_path: Path
) -> None:
    """A document its own schema refuses yields nothing and names the line."""
    path = tmp_path / "lev-3.xml"
    path.write_bytes(toy_document('<td:Item qty="2"/>'))
    reader = RecordReader(path, "shipments", csv=CsvOptions())
    assert list(reader) == []
    [issue] = reader.issues
    assert issue.line == 6
    assert "sku" in issue.reason


def test_mapper_refusal_is_a_located_issue(
    toy: DocumentXmlCodec, tmp_path: Path
) -> None:
    """A value the mapper cannot take is reported with its field and source line."""
    path = tmp_path / "lev-4.xml"
    path.write_bytes(toy_document('<td:Item sku="ERP-1" qty="2" unit="KGM"/>'))
    assert _issues(path) == ["lev-4.xml:6: qty: unit KGM is not pieces"]


def test_rejects_of_a_document_are_the_whole_document(
    toy: DocumentXmlCodec, tmp_path: Path
) -> None:
    """A refused document-mode record is written back as the document, byte for byte."""
    path = tmp_path / "lev-5.xml"
    path.write_bytes(GOOD)
    records = list(RecordReader(path, "shipments", csv=CsvOptions()))
    dest = tmp_path / "lev-5.xml.rejects.xml"
    write_rejects(dest, path, "shipments", csv=CsvOptions(), records=records)
    assert dest.read_bytes() == GOOD
    again = list(RecordReader(dest, "shipments", csv=CsvOptions()))
    assert [r.model for r in again] == [r.model for r in records]


@pytest.mark.parametrize("name", ["shipments.xml", "shipments.csv"])
def test_canonical_files_are_still_read_canonically(
    toy: DocumentXmlCodec, name: str
) -> None:
    """With the layout registered, canonical files keep their codec and records."""
    reader = RecordReader(SAMPLES / name, "shipments", csv=CsvOptions())
    records = list(reader)
    assert reader.codec.layout == "canonical"
    assert [r.key for r in records] == ["FS-50001", "FS-50002"]
    assert reader.issues == []


def test_without_the_layout_the_document_is_refused_by_namespace(
    tmp_path: Path,
) -> None:
    """Unregistered, the namespaced root is not the canonical root: an invalid file."""
    path = tmp_path / "lev-6.xml"
    path.write_bytes(GOOD)
    assert _issues(path) == [
        f"lev-6.xml:2: root element is <{{{TD}}}Despatch>, expected <shipments>"
    ]


def test_layout_is_listed_with_how_it_matches(toy: DocumentXmlCodec) -> None:
    """The registry lists the layout under its kind, after the canonical ones."""
    rows = [(i.kind, i.layout, i.fmt) for i in REGISTRY.layouts()]
    assert rows.index(("shipments", "toy-despatch", "xml")) < rows.index(
        ("shipments", "canonical", "xml")
    )
    [info] = [i for i in REGISTRY.layouts() if i.layout == "toy-despatch"]
    assert TD in info.matches


class _RejectingFlow:
    """A shipments flow that refuses every shipment (the seam the pipeline calls)."""

    kind = "shipments"

    def __init__(self) -> None:
        self.contexts: list[FileContext] = []

    def apply(self, ctx: FileContext, records: Iterable[ParsedRecord]) -> FlowResult:
        self.contexts.append(ctx)
        result = FlowResult()
        for record in records:
            result.reject(record, f"Order {record.model.order_number} not found.")  # type: ignore[union-attr]
        return result


def test_pipeline_takes_a_document_layout_file_and_rejects_it_whole(
    toy: DocumentXmlCodec, tmp_path: Path
) -> None:
    """Dropped in the shipments inbox, the document is read by its layout; rejects = it."""
    settings = load_config(
        None, overrides={"folders": {"root": tmp_path, "stable_seconds": 0}}
    )
    ledger = Ledger(settings.ledger_url)
    flow = _RejectingFlow()
    pipeline = Pipeline(settings, ledger, {"shipments": flow})  # type: ignore[dict-item]
    inbox = LocalInbox(tmp_path, stable_seconds=0)
    inbox.ensure()
    dropped = inbox.inbox / "shipments" / "lev-7.xml"
    dropped.write_bytes(GOOD)
    os.utime(dropped, (1.0e9, 1.0e9))
    [candidate] = inbox.scan()
    claimed = inbox.claim(
        candidate, pipeline.work_dir, datetime(2026, 11, 26, tzinfo=UTC)
    )
    assert claimed is not None
    try:
        out = pipeline.process(claimed)
    finally:
        ledger.close()
    assert out.status == "partial"
    assert flow.contexts[0].fmt == "xml"
    assert out.rejects_path is not None
    assert out.rejects_path.read_bytes() == GOOD
    assert out.report_path is not None
    assert (
        "lev-7.xml:2: DN-9001: Order 000000042 not found."
        in out.report_path.read_text()
    )


def test_document_with_a_doctype_is_refused_unread(
    toy: DocumentXmlCodec, tmp_path: Path
) -> None:
    """An entity-carrying document of the layout is invalid, its entity never expanded."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    path = tmp_path / "lev-8.xml"
    path.write_bytes(
        GOOD.replace(
            b"<td:Despatch",
            f'<!DOCTYPE td:Despatch [<!ENTITY x SYSTEM "file://{secret}">]>\n'
            "<td:Despatch".encode(),
        ).replace(b"DN-9001", b"&x;")
    )
    reader = RecordReader(path, "shipments", csv=CsvOptions())
    assert reader.codec is toy
    assert list(reader) == []
    assert [str(i) for i in reader.issues] == [
        "lev-8.xml:2: DOCTYPE not allowed (no DTDs or entities)"
    ]
