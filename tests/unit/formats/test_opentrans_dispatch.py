"""The ``opentrans-dispatchnotification`` layout on the official and ITscope samples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from bridge.config import CsvOptions
from bridge.formats import REGISTRY, validate_file
from bridge.models.erp import ErpShipment, ErpShipmentLine, ErpTrack
from tests.conftest import SHARED
from tests.unit.formats.conftest import SAMPLES, read_all

SAMPLED = SHARED / "reference/standards/opentrans-2.1/samples"
FRAUNHOFER = (
    SAMPLED
    / "fraunhofer-official/DispatchNotifications/sample_dispatchnotification_opentrans_2_1.xml"
)
ITSCOPE = (
    SAMPLED
    / "itscope-testdistributor/DispatchNotification"
    / "Example_DISPATCHNOTIFICATION_Testdistributor_Lieferavis.xml"
)
FOLDER = SAMPLES / "opentrans-dispatchnotification"


def test_fraunhofer_sample_in_latin1_names_the_deliverer() -> None:
    """The ISO-8859-1 official sample: one shipment, the deliverer party's contact as title."""
    records, issues, reader = read_all(FRAUNHOFER, "shipments")
    assert (issues, reader.codec.layout) == ([], "opentrans-dispatchnotification")
    [record] = records
    assert record.model == ErpShipment(
        shipment_id="LA86",
        order_number="ORD112",
        shipped_at=datetime(2009, 5, 13, 9, tzinfo=timezone(timedelta(hours=1))),
        lines=(ErpShipmentLine(sku="SG8", qty=Decimal(4000)),),
        tracks=(ErpTrack(number="PACK-04943", title="Transportation Services Inc."),),
    )


def test_itscope_sample_tracks_shipment_and_package_ids() -> None:
    """The distributor's sample: three lines, the shipment id and the package id as tracks."""
    records, issues, _ = read_all(ITSCOPE, "shipments")
    assert issues == []
    [record] = records
    title = "Trans-O-Flex GmbH & Co. KG"
    assert record.model == ErpShipment(
        shipment_id="39076516",
        order_number="GWAHJV-160131-1470",
        shipped_at=datetime(2016, 1, 31, 21, 31, tzinfo=UTC),
        lines=(
            ErpShipmentLine(sku="123002", qty=Decimal(1)),
            ErpShipmentLine(sku="123001", qty=Decimal(2)),
            ErpShipmentLine(sku="123003", qty=Decimal(3)),
        ),
        tracks=(
            ErpTrack(number="1Z7318301287125572", title=title),
            ErpTrack(number="00000000305474401482", title=title),
        ),
    )


def test_items_of_several_orders_are_refused(tmp_path: Path) -> None:
    """Items naming two orders make the document invalid, on its root's line."""
    source = ITSCOPE.read_bytes()
    two = source.replace(b"GWAHJV-160131-1470", b"OTHER-1", 1)
    path = tmp_path / "dn.xml"
    path.write_bytes(two)
    _, issues, _ = read_all(path, "shipments")
    assert issues == [
        "dn.xml:3: order_number: the items name several orders "
        "(GWAHJV-160131-1470, OTHER-1); one dispatch notification is one shipment of one order"
    ]


def test_schema_is_checked_first(tmp_path: Path) -> None:
    """A document the openTRANS XSD refuses is reported with the XSD's line."""
    path = tmp_path / "dn.xml"
    path.write_bytes(
        FRAUNHOFER.read_bytes().replace(b"<QUANTITY>4000", b"<QUANTITY>lots")
    )
    records, issues, _ = read_all(path, "shipments")
    assert records == []
    assert len(issues) == 1
    assert issues[0].startswith("dn.xml:91: ")


def test_samples_valid_and_invalid() -> None:
    """The shipped samples: the valid one reads clean, the invalid one names field and line."""
    good = validate_file(
        FOLDER / "dispatchnotification.xml", "shipments", csv=CsvOptions()
    )
    bad = validate_file(
        FOLDER / "dispatchnotification-invalid.xml", "shipments", csv=CsvOptions()
    )
    assert (good.issues, good.record_count) == ([], 1)
    assert [str(i) for i in bad.issues] == [
        "dispatchnotification-invalid.xml:35: qty: '0' is not a valid value"
        " (must be a decimal > 0, at most 6 decimals)"
    ]


def test_guess_kind_by_root() -> None:
    """Out of its folder, a DISPATCHNOTIFICATION is recognised as shipments."""
    assert REGISTRY.guess_kind(ITSCOPE) == "shipments"
