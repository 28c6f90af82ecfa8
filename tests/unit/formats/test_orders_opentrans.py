"""The ``opentrans`` order format: an openTRANS 2.1 ORDER, valid and carrying the whole order."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from bridge.errors import InvalidFileError
from bridge.formats.orders import order_file_name, render_order
from bridge.models.export import ExportCustomer, ExportOrder, ExportPayment
from tests.conftest import SHARED
from tests.unit.formats._order_readers import OT, assert_full_order, read_opentrans
from tests.unit.formats.test_orders_writer import _address, _line, export_order

STANDARD = SHARED / "reference/standards/opentrans-2.1"
SCHEMA = STANDARD / "xsd/opentrans_2_1.xsd"
ITSCOPE = STANDARD / "samples/itscope-testdistributor/Order"
ITSCOPE_ORDER = ITSCOPE / "Example_ORDER_Testdistributor_Bestellung.xml"
FRAUNHOFER_ORDER = (
    STANDARD
    / "samples/fraunhofer-official/Orders/sample_order_opentrans_2_1_xml signature.xml"
)
D = Decimal


def full_order() -> ExportOrder:
    """A registered customer's order with a company, a region, a discount and a fee."""
    return export_order(
        customer=ExportCustomer(
            email="anna@example.com",
            firstname="Anna",
            lastname="Berg",
            telephone="+46 8 123 456",
            customer_id=7,
            is_guest=False,
        ),
        billing_address=_address(company="Berg AB", region="Skåne"),
        payment=ExportPayment(
            method="sveacheckout", transaction_id="tx-991", invoice_fee=D("29.00")
        ),
        lines=(
            _line(101, "A-1", discount_amount=D("10.00")),
            _line(103, "B-2", qty=D("1.5"), row_total_incl_tax=D("187.50")),
        ),
    )


def _doc(order: ExportOrder | None = None) -> etree._Element:
    return etree.fromstring(render_order(order or full_order(), "opentrans"))


def test_valid_against_the_official_schema_and_named_xml() -> None:
    """The document validates against openTRANS 2.1 as shared; the file is order-<n>.xml."""
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    assert schema.validate(_doc()), schema.error_log
    assert order_file_name("000000042", "opentrans") == "order-000000042.xml"


def test_carries_every_canonical_field() -> None:
    """Customer, both addresses, shipping, payment and fee, lines and totals read back."""
    got = read_opentrans(render_order(full_order(), "opentrans"))
    assert (got.order_number, got.magento_id, got.created) == (
        "000000042",
        "42",
        "2026-03-01T10:15:00Z",
    )
    assert_full_order(got)
    root = _doc()
    assert (
        root.findtext(".//o:UDX.BRIDGE.PAYMENT_TRANSACTION_ID", namespaces=OT)
        == "tx-991"
    )
    assert (
        root.findtext(".//o:PARTY[o:PARTY_ROLE='buyer']/bme:PARTY_ID", namespaces=OT)
        == "7"
    )
    assert root.findtext(".//bme:STATE", namespaces=OT) == "Skåne"
    discount = root.find(".//o:ORDER_ITEM[1]//o:ALLOW_OR_CHARGE", OT)
    assert discount is not None
    assert discount.get("type") == "allowance"
    assert discount.findtext(".//o:AOC_MONETARY_AMOUNT", namespaces=OT) == "10.00"
    assert (
        root.findtext(".//o:ORDER_ITEM[1]/o:PRICE_LINE_AMOUNT", namespaces=OT)
        == "190.00"
    )
    assert root.findtext(".//o:ORDER_ITEM[1]//bme:TAX", namespaces=OT) == "0.25"


@pytest.mark.parametrize(
    "sample", [ITSCOPE_ORDER, FRAUNHOFER_ORDER], ids=["itscope", "fraunhofer"]
)
def test_paths_are_those_of_the_opentrans_order_samples(sample: Path) -> None:
    """Each value sits where the ITscope and Fraunhofer ORDER samples put the same information."""
    ours = _doc()
    theirs = etree.parse(str(sample)).getroot()
    shared = [
        "o:ORDER_HEADER/o:ORDER_INFO/o:ORDER_ID",
        "o:ORDER_HEADER/o:ORDER_INFO/o:ORDER_DATE",
        "o:ORDER_HEADER/o:ORDER_INFO/o:PARTIES/o:PARTY/bme:PARTY_ID",
        "o:ORDER_HEADER/o:ORDER_INFO/o:PARTIES/o:PARTY/o:PARTY_ROLE",
        "o:ORDER_HEADER/o:ORDER_INFO/o:PARTIES/o:PARTY/o:ADDRESS/bme:NAME",
        "o:ORDER_HEADER/o:ORDER_INFO/o:PARTIES/o:PARTY/o:ADDRESS/bme:STREET",
        "o:ORDER_HEADER/o:ORDER_INFO/o:PARTIES/o:PARTY/o:ADDRESS/bme:ZIP",
        "o:ORDER_HEADER/o:ORDER_INFO/o:PARTIES/o:PARTY/o:ADDRESS/bme:CITY",
        "o:ORDER_HEADER/o:ORDER_INFO/o:PARTIES/o:PARTY/o:ADDRESS/bme:COUNTRY_CODED",
        "o:ORDER_HEADER/o:ORDER_INFO/o:PARTIES/o:PARTY/o:ADDRESS/o:CONTACT_DETAILS/bme:FIRST_NAME",
        "o:ORDER_HEADER/o:ORDER_INFO/o:PARTIES/o:PARTY/o:ADDRESS/o:CONTACT_DETAILS/bme:PHONE",
        "o:ORDER_HEADER/o:ORDER_INFO/o:PARTIES/o:PARTY/o:ADDRESS/o:CONTACT_DETAILS/bme:EMAILS/bme:EMAIL",
        "o:ORDER_HEADER/o:ORDER_INFO/o:ORDER_PARTIES_REFERENCE/bme:BUYER_IDREF",
        "o:ORDER_HEADER/o:ORDER_INFO/o:ORDER_PARTIES_REFERENCE/bme:SUPPLIER_IDREF",
        "o:ORDER_HEADER/o:ORDER_INFO/o:ORDER_PARTIES_REFERENCE/o:INVOICE_RECIPIENT_IDREF",
        "o:ORDER_HEADER/o:ORDER_INFO/o:ORDER_PARTIES_REFERENCE/o:SHIPMENT_PARTIES_REFERENCE/o:DELIVERY_IDREF",
        "o:ORDER_HEADER/o:ORDER_INFO/bme:CURRENCY",
        "o:ORDER_HEADER/o:ORDER_INFO/o:REMARKS",
        "o:ORDER_HEADER/o:ORDER_INFO/o:HEADER_UDX",
        "o:ORDER_ITEM_LIST/o:ORDER_ITEM/o:LINE_ITEM_ID",
        "o:ORDER_ITEM_LIST/o:ORDER_ITEM/o:PRODUCT_ID/bme:SUPPLIER_PID",
        "o:ORDER_ITEM_LIST/o:ORDER_ITEM/o:PRODUCT_ID/bme:DESCRIPTION_SHORT",
        "o:ORDER_ITEM_LIST/o:ORDER_ITEM/o:QUANTITY",
        "o:ORDER_ITEM_LIST/o:ORDER_ITEM/bme:ORDER_UNIT",
        "o:ORDER_ITEM_LIST/o:ORDER_ITEM/o:PRODUCT_PRICE_FIX/bme:PRICE_AMOUNT",
        "o:ORDER_ITEM_LIST/o:ORDER_ITEM/o:PRICE_LINE_AMOUNT",
        "o:ORDER_SUMMARY/o:TOTAL_ITEM_NUM",
        "o:ORDER_SUMMARY/o:TOTAL_AMOUNT",
    ]
    if sample == FRAUNHOFER_ORDER:  # the official sample's single party is the buyer
        shared = [p for p in shared if "DELIVERY_IDREF" not in p] + [
            "o:ORDER_ITEM_LIST/o:ORDER_ITEM/o:PRODUCT_PRICE_FIX/o:TAX_DETAILS_FIX/bme:TAX",
            "o:ORDER_ITEM_LIST/o:ORDER_ITEM/o:PRODUCT_PRICE_FIX/o:ALLOW_OR_CHARGES_FIX/o:ALLOW_OR_CHARGE",
            "o:ORDER_ITEM_LIST/o:ORDER_ITEM/o:ITEM_UDX",
        ]
    missing_in_ours = [p for p in shared if ours.find(p, OT) is None]
    missing_in_sample = [p for p in shared if theirs.find(p, OT) is None]
    assert (missing_in_ours, missing_in_sample) == ([], [])
    assert {r.text for r in ours.iterfind(".//o:PARTY_ROLE", OT)} >= {
        "buyer",
        "supplier",
    }
    if sample == ITSCOPE_ORDER:  # both count in pieces, UN/ECE Rec 20 "C62"
        unit = ".//bme:ORDER_UNIT"
        assert ours.findtext(unit, namespaces=OT) == theirs.findtext(
            unit, namespaces=OT
        )


def test_long_product_name_is_cut_in_the_short_description_and_kept_whole() -> None:
    """A name past DESCRIPTION_SHORT's 150 characters is cut there, kept whole in the long one."""
    name = "Kaffekopp " * 20
    root = _doc(
        full_order().model_copy(update={"lines": (_line(1, "A-1", name=name),)})
    )
    assert root.findtext(".//bme:DESCRIPTION_SHORT", namespaces=OT) == name[:150]
    assert root.findtext(".//bme:DESCRIPTION_LONG", namespaces=OT) == name


def test_value_the_schema_refuses_is_never_rendered() -> None:
    """A SKU longer than SUPPLIER_PID allows (50) fails the file with the schema's message."""
    order = full_order().model_copy(update={"lines": (_line(1, "S" * 51),)})
    with pytest.raises(InvalidFileError) as caught:
        render_order(order, "opentrans")
    assert caught.value.file == "order-000000042.xml"
    assert "SUPPLIER_PID" in str(caught.value)
    assert caught.value.issues[0].line is not None
