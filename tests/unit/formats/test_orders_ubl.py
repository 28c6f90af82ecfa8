"""The ``ubl`` order format: a UBL 2.1 Order, valid and carrying the whole order."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from bridge.formats.orders import order_file_name, render_order
from bridge.models.export import ExportCustomer
from tests.conftest import SHARED
from tests.unit.formats.test_orders_writer import export_order

NS = {
    "o": "urn:oasis:names:specification:ubl:schema:xsd:Order-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
UBL = SHARED / "reference/standards/oasis-ubl-2.1"
PEPPOL_ORDER = (
    SHARED / "reference/standards/peppol-bis3-poacc/rules/examples/Order_Example.xml"
)


def _doc(**over: object) -> etree._Element:
    return etree.fromstring(render_order(export_order(**over), "ubl"))


def _texts(root: etree._Element, path: str) -> list[str]:
    return [el.text or "" for el in root.iterfind(path, NS)]


def test_valid_against_the_official_schema_and_named_xml() -> None:
    """The document validates against UBL 2.1 Order; the file is order-<n>.xml."""
    schema = etree.XMLSchema(etree.parse(str(UBL / "xsd/maindoc/UBL-Order-2.1.xsd")))
    assert schema.validate(_doc()), schema.error_log
    assert order_file_name("000000042", "ubl") == "order-000000042.xml"


def test_carries_every_canonical_field() -> None:
    """Customer, both addresses, shipping, payment and fee, lines and totals are all there."""
    customer = ExportCustomer(
        email="anna@example.com",
        firstname="Anna",
        lastname="Berg",
        customer_id=7,
        is_guest=False,
    )
    root = _doc(customer=customer)
    assert _texts(root, "cbc:ID") == ["000000042"]
    assert _texts(root, "cbc:SalesOrderID") == ["42"]
    assert (_texts(root, "cbc:IssueDate"), _texts(root, "cbc:IssueTime")) == (
        ["2026-03-01"],
        ["10:15:00Z"],
    )
    assert _texts(root, "cbc:Note") == ["status: pending"]
    assert _texts(root, "cbc:DocumentCurrencyCode") == ["SEK"]
    buyer = "cac:BuyerCustomerParty"
    assert _texts(root, f"{buyer}/cbc:SupplierAssignedAccountID") == ["7"]
    assert _texts(root, f"{buyer}/cac:Party/cac:Contact/cbc:ElectronicMail") == [
        "anna@example.com"
    ]
    assert _texts(root, f"{buyer}/cac:Party/cac:PostalAddress/cbc:StreetName") == [
        "Storgatan 1"
    ]
    delivery = "cac:Delivery/cac:DeliveryLocation/cac:Address"
    assert _texts(root, f"{delivery}/cbc:StreetName") == ["Lillgatan 3"]
    assert _texts(root, f"{delivery}/cbc:AdditionalStreetName") == ["c/o Ek"]
    assert _texts(root, f"{delivery}/cac:Country/cbc:IdentificationCode") == ["SE"]
    terms = "cac:Delivery/cac:DeliveryTerms"
    assert _texts(root, f"{terms}/cbc:ID") == ["flatrate_flatrate"]
    assert _texts(root, f"{terms}/cbc:Amount") == ["61.25"]
    means = root.find("cac:PaymentMeans/cbc:PaymentMeansCode", NS)
    assert means is not None
    assert means.get("name") == "checkmo"
    charges = {
        (
            c.findtext("cbc:AllowanceChargeReasonCode", namespaces=NS),
            c.findtext("cbc:Amount", namespaces=NS),
        )
        for c in root.iterfind("cac:AllowanceCharge", NS)
    }
    assert charges == {("FC", "49.00"), ("ABK", "29.00")}
    item = "cac:OrderLine/cac:LineItem"
    assert _texts(root, f"{item}/cbc:ID") == ["101", "103"]
    assert _texts(root, f"{item}/cac:Item/cac:SellersItemIdentification/cbc:ID") == [
        "A-1",
        "B-2",
    ]
    assert _texts(root, f"{item}/cbc:Quantity") == ["2", "1.5"]
    assert _texts(root, f"{item}/cac:Price/cbc:PriceAmount") == ["100.00", "100.00"]
    assert _texts(root, f"{item}/cac:ItemPriceExtension/cbc:Amount") == [
        "250.00",
        "187.50",
    ]
    assert _texts(root, f"{item}/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent") == [
        "25",
        "25",
    ]
    assert _texts(root, "cac:TaxTotal/cbc:TaxAmount") == ["99.75"]
    assert _texts(root, "cac:AnticipatedMonetaryTotal/cbc:PayableAmount") == ["527.75"]
    assert {el.get("currencyID") for el in root.iter() if el.get("currencyID")} == {
        "SEK"
    }


def test_paths_are_those_of_the_peppol_order_example() -> None:
    """Each value sits where the Peppol BIS 3 order example puts the same information."""
    ours = _doc()
    sample = etree.parse(str(PEPPOL_ORDER)).getroot()
    shared = [
        "cbc:CustomizationID",
        "cbc:ProfileID",
        "cbc:ID",
        "cbc:IssueDate",
        "cbc:DocumentCurrencyCode",
        "cac:BuyerCustomerParty/cac:Party/cac:PostalAddress/cbc:StreetName",
        "cac:BuyerCustomerParty/cac:Party/cac:PostalAddress/cbc:CityName",
        "cac:BuyerCustomerParty/cac:Party/cac:PostalAddress/cbc:PostalZone",
        "cac:BuyerCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        "cac:BuyerCustomerParty/cac:Party/cac:Contact/cbc:Telephone",
        "cac:BuyerCustomerParty/cac:Party/cac:Contact/cbc:ElectronicMail",
        "cac:Delivery/cac:DeliveryLocation/cac:Address/cbc:StreetName",
        "cac:AllowanceCharge/cbc:ChargeIndicator",
        "cac:AllowanceCharge/cbc:Amount",
        "cac:TaxTotal/cbc:TaxAmount",
        "cac:AnticipatedMonetaryTotal/cbc:LineExtensionAmount",
        "cac:AnticipatedMonetaryTotal/cbc:PayableAmount",
        "cac:OrderLine/cac:LineItem/cbc:ID",
        "cac:OrderLine/cac:LineItem/cbc:Quantity",
        "cac:OrderLine/cac:LineItem/cac:Price/cbc:PriceAmount",
        "cac:OrderLine/cac:LineItem/cac:Item/cbc:Name",
        "cac:OrderLine/cac:LineItem/cac:Item/cac:SellersItemIdentification/cbc:ID",
        "cac:OrderLine/cac:LineItem/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent",
    ]
    missing_in_ours = [p for p in shared if ours.find(p, NS) is None]
    missing_in_sample = [p for p in shared if sample.find(p, NS) is None]
    assert (missing_in_ours, missing_in_sample) == ([], [])
    assert ours.findtext("cbc:CustomizationID", namespaces=NS) == sample.findtext(
        "cbc:CustomizationID", namespaces=NS
    )
    assert (
        Decimal(ours.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=NS) or "0") > 0
    )
