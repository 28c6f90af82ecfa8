"""The ``idoc`` order format: a SAP ORDERS05 IDoc-XML shaped as SAP's own sample."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from bridge.errors import InvalidFileError
from bridge.formats.orders import order_file_name, render_order
from bridge.formats.orders_idoc import FIELD_LENGTHS
from tests.conftest import SHARED
from tests.unit.formats._order_readers import assert_full_order, read_idoc
from tests.unit.formats.test_orders_opentrans import full_order
from tests.unit.formats.test_orders_writer import _address, _line

SAP = (
    SHARED / "reference/standards/sap-idoc/teched2025-IN260/Testdata"
    "/IN 260 - Order to Cash - SAP IDoc with UN-EDIFACT"
    "/01.b) Sales Order Response - Outbound/Source - IN260-IDOC-ORDRSP.ORDERS05.xml"
)
D = Decimal


def _idoc() -> etree._Element:
    idoc = etree.fromstring(render_order(full_order(), "idoc")).find("IDOC")
    assert idoc is not None
    return idoc


def _sample() -> etree._Element:
    idoc = etree.parse(str(SAP)).getroot().find("IDOC")
    assert idoc is not None
    return idoc


def test_control_record_and_name() -> None:
    """EDI_DC40 names ORDERS05/ORDERS inbound, with the Magento id and creation time."""
    idoc = _idoc()
    parent = idoc.getparent()
    assert parent is not None
    assert parent.tag == "ORDERS05"
    assert idoc.get("BEGIN") == "1"
    dc = idoc.find("EDI_DC40")
    assert dc is not None
    assert [dc.findtext(f) for f in ("IDOCTYP", "MESTYP", "DIRECT", "DOCNUM")] == [
        "ORDERS05",
        "ORDERS",
        "2",
        "0000000000000042",
    ]
    assert (dc.findtext("CREDAT"), dc.findtext("CRETIM")) == ("20260301", "101500")
    assert order_file_name("000000042", "idoc") == "order-000000042.xml"


def test_carries_every_canonical_field() -> None:
    """Customer, both addresses, shipping, payment and fee, lines and totals read back."""
    got = read_idoc(render_order(full_order(), "idoc"))
    assert (got.order_number, got.magento_id, got.created) == (
        "000000042",
        "42",
        "20260301101500",
    )
    assert_full_order(got)
    idoc = _idoc()
    ag = idoc.find("E1EDKA1[PARVW='AG']")
    assert ag is not None
    assert [ag.findtext(f) for f in ("PARTN", "NAME2", "ORT02")] == [
        "7",
        "Anna Berg",
        "Skåne",
    ]
    first = idoc.find("E1EDP01")
    assert first is not None
    assert first.findtext("NETWR") == "190.00"
    assert first.findtext("E1EDP05/BETRG") == "10.00"
    assert first.findtext("E1EDP04/MSATZ") == "25"


def test_segments_and_fields_are_those_of_sap_orders05_sample() -> None:
    """Shared segments come in the sample's order, with the sample's fields in its order."""
    ours, theirs = _idoc(), _sample()

    def order_of(idoc: etree._Element) -> list[str]:
        seen: list[str] = []
        for seg in idoc:
            if isinstance(seg.tag, str) and seg.tag not in seen:
                seen.append(seg.tag)
        return seen

    common = [s for s in order_of(theirs) if s in order_of(ours)]
    assert common == [
        "EDI_DC40",
        "E1EDK01",
        "E1EDK03",
        "E1EDKA1",
        "E1EDK02",
        "E1EDP01",
        "E1EDS01",
    ]
    assert [s for s in order_of(ours) if s in common] == common
    pairs = [
        ("EDI_DC40", "EDI_DC40"),
        ("E1EDK01", "E1EDK01"),
        ("E1EDK02", "E1EDK02[QUALF='001']"),
        ("E1EDK03", "E1EDK03"),
        ("E1EDKA1", "E1EDKA1[PARVW='AG']"),
        ("E1EDKA1", "E1EDKA1[PARVW='WE']"),
        ("E1EDP01", "E1EDP01"),
        ("E1EDP01/E1EDP19", "E1EDP01/E1EDP19[QUALF='002']"),
        ("E1EDS01", "E1EDS01"),
    ]
    for theirs_path, ours_path in pairs:
        sample_seg, our_seg = theirs.find(theirs_path), ours.find(ours_path)
        assert sample_seg is not None, theirs_path
        assert our_seg is not None, ours_path
        # SAP's sample leaves SEGMENT="1" off its E1EDS01; every other segment has it.
        assert our_seg.get("SEGMENT") == "1"
        assert sample_seg.get("SEGMENT") in ("1", None)
        sample_fields = [f.tag for f in sample_seg if not f.tag.startswith("E1")]
        our_fields = [f.tag for f in our_seg if not f.tag.startswith("E1")]
        for f in our_fields:
            assert f in FIELD_LENGTHS, f
        shared = [f for f in sample_fields if f in our_fields]
        assert [f for f in our_fields if f in shared] == shared, ours_path
    we = ours.find("E1EDKA1[PARVW='WE']")
    assert we is not None
    for field in ("NAME1", "STRAS", "ORT01", "PSTLZ", "LAND1"):
        assert we.findtext(field), field


def test_value_longer_than_its_field_is_refused_naming_it() -> None:
    """A street past STRAS's 35 characters refuses the file naming E1EDKA1-STRAS."""
    order = full_order().model_copy(
        update={"shipping_address": _address(street=("x" * 36,))}
    )
    with pytest.raises(InvalidFileError) as caught:
        render_order(order, "idoc")
    assert caught.value.issues[0].field == "E1EDKA1-STRAS"
    assert caught.value.file == "order-000000042.xml"


def test_long_name_is_cut_in_the_short_text_and_kept_whole_in_the_item_text() -> None:
    """KTEXT holds the first 70 characters; the item text holds the whole name."""
    name = "Porslinskopp " * 10
    order = full_order().model_copy(update={"lines": (_line(1, "A-1", name=name),)})
    idoc = etree.fromstring(render_order(order, "idoc")).find("IDOC")
    assert idoc is not None
    assert idoc.findtext("E1EDP01/E1EDP19/KTEXT") == name[:70]
    texts = "".join(
        t.text or "" for t in idoc.iterfind("E1EDP01/E1EDPT1/E1EDPT2/TDLINE")
    )
    assert texts.endswith(f"name: {name}")
