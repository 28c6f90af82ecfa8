"""The ``ubl`` order format: one Magento order as an OASIS UBL 2.1 Order.

The document carries everything the canonical order file carries, in the places
Peppol BIS 3 orders use, and is validated against the official UBL 2.1 Order schema
before a byte is published:

=========================  ===========================================================
canonical                  UBL 2.1 Order
=========================  ===========================================================
order_number / magento_id  ``cbc:ID`` / ``cbc:SalesOrderID``
created_at                 ``cbc:IssueDate`` + ``cbc:IssueTime`` (UTC)
status                     ``cbc:Note`` (``status: …``)
currency                   ``cbc:DocumentCurrencyCode`` and every ``currencyID``
customer                   ``cac:BuyerCustomerParty``: ``cbc:SupplierAssignedAccountID``
                           (customer id), ``cac:Party/cac:Contact`` (telephone, e-mail),
                           ``cac:Party/cac:Person`` (first and family name)
billing_address            ``cac:BuyerCustomerParty/cac:Party/cac:PostalAddress``
shipping_address           ``cac:Delivery/cac:DeliveryLocation/cac:Address`` (as Peppol
                           places it) and ``cac:Delivery/cac:DeliveryParty``
shipping                   ``cac:Delivery/cac:DeliveryTerms`` (method, description, amount
                           incl. tax) and a freight ``cac:AllowanceCharge`` (``FC``)
payment                    ``cac:PaymentMeans`` (method as the code's name, transaction as
                           ``cbc:PaymentID``); the invoice fee as a charge (``ABK``)
lines/line                 ``cac:OrderLine/cac:LineItem``: ``cbc:ID`` (item id), quantity,
                           ``cac:Price`` (unit excl. tax), ``cac:PricingReference`` (unit
                           incl. tax), discount as an allowance, ``cac:Item`` (name,
                           seller's id = SKU, tax percent), ``cac:ItemPriceExtension``
                           (row total incl. tax)
totals                     ``cac:TaxTotal`` and ``cac:AnticipatedMonetaryTotal``
=========================  ===========================================================
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from functools import cache

from lxml import etree

from bridge.errors import FileIssue, InvalidFileError
from bridge.formats._ubl import CAC, CBC, doc_namespace, ubl_schema
from bridge.formats.document import _document_schema
from bridge.models.export import ExportAddress, ExportLine, ExportOrder

__all__ = ["order_to_ubl"]

_ORDER = doc_namespace("Order")
_NSMAP = {None: _ORDER, "cac": CAC, "cbc": CBC}


@cache
def _schema() -> etree.XMLSchema:
    return _document_schema(ubl_schema("Order"))


def _amount(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


class _Builder:
    def __init__(self, currency: str) -> None:
        self.currency = currency

    def cbc(self, parent: etree._Element, tag: str, text: object, **attrs: str) -> None:
        if text is None or text == "":
            return
        el = etree.SubElement(parent, f"{{{CBC}}}{tag}", attrs)
        el.text = (
            _amount(text)
            if isinstance(text, Decimal) and "currencyID" in attrs
            else str(text)
        )

    def money(self, parent: etree._Element, tag: str, value: Decimal) -> None:
        self.cbc(parent, tag, value, currencyID=self.currency)

    def cac(self, parent: etree._Element, tag: str) -> etree._Element:
        return etree.SubElement(parent, f"{{{CAC}}}{tag}")

    def address(self, parent: etree._Element, tag: str, addr: ExportAddress) -> None:
        el = self.cac(parent, tag)
        self.cbc(el, "StreetName", addr.street[0] if addr.street else None)
        self.cbc(el, "AdditionalStreetName", ", ".join(addr.street[1:]) or None)
        self.cbc(el, "CityName", addr.city)
        self.cbc(el, "PostalZone", addr.postcode)
        self.cbc(el, "CountrySubentity", addr.region)
        country = self.cac(el, "Country")
        self.cbc(country, "IdentificationCode", addr.country)

    def party(
        self, parent: etree._Element, addr: ExportAddress, email: str | None
    ) -> etree._Element:
        party = self.cac(parent, "Party")
        if addr.company:
            self.cbc(self.cac(party, "PartyName"), "Name", addr.company)
        self.address(party, "PostalAddress", addr)
        contact = self.cac(party, "Contact")
        self.cbc(contact, "Name", f"{addr.firstname} {addr.lastname}".strip())
        self.cbc(contact, "Telephone", addr.telephone)
        self.cbc(contact, "ElectronicMail", email)
        person = self.cac(party, "Person")
        self.cbc(person, "FirstName", addr.firstname)
        self.cbc(person, "FamilyName", addr.lastname)
        return party

    def charge(
        self,
        parent: etree._Element,
        charge: bool,
        code: str,
        reason: str,
        amount: Decimal,
    ) -> None:
        el = self.cac(parent, "AllowanceCharge")
        self.cbc(el, "ChargeIndicator", "true" if charge else "false")
        self.cbc(el, "AllowanceChargeReasonCode", code)
        self.cbc(el, "AllowanceChargeReason", reason)
        self.money(el, "Amount", amount)

    def line(self, parent: etree._Element, line: ExportLine) -> None:
        item = self.cac(self.cac(parent, "OrderLine"), "LineItem")
        self.cbc(item, "ID", line.line_id)
        self.cbc(item, "Quantity", format(line.qty, "f"), unitCode="C62")
        self.money(
            item,
            "LineExtensionAmount",
            line.unit_price * line.qty - line.discount_amount,
        )
        alternative = self.cac(
            self.cac(item, "PricingReference"), "AlternativeConditionPrice"
        )
        self.money(alternative, "PriceAmount", line.unit_price_incl_tax)
        self.cbc(alternative, "PriceType", "unit price including tax")
        if line.discount_amount:
            self.charge(item, False, "95", "discount", line.discount_amount)
        self.money(self.cac(item, "Price"), "PriceAmount", line.unit_price)
        product = self.cac(item, "Item")
        self.cbc(product, "Name", line.name)
        self.cbc(self.cac(product, "SellersItemIdentification"), "ID", line.sku)
        tax = self.cac(product, "ClassifiedTaxCategory")
        self.cbc(tax, "ID", "S")
        self.cbc(tax, "Percent", format(line.tax_percent, "f"))
        self.cbc(self.cac(tax, "TaxScheme"), "ID", "VAT")
        extension = self.cac(item, "ItemPriceExtension")
        self.money(extension, "Amount", line.row_total_incl_tax)


def _document(order: ExportOrder) -> etree._Element:
    b = _Builder(order.currency)
    root = etree.Element(f"{{{_ORDER}}}Order", nsmap=_NSMAP)
    created = order.created_at.astimezone(UTC)
    b.cbc(root, "CustomizationID", "urn:fdc:peppol.eu:poacc:trns:order:3")
    b.cbc(root, "ProfileID", "urn:fdc:peppol.eu:poacc:bis:order_only:3")
    b.cbc(root, "ID", order.order_number)
    b.cbc(root, "SalesOrderID", order.magento_id)
    b.cbc(root, "IssueDate", created.date().isoformat())
    b.cbc(root, "IssueTime", created.time().replace(microsecond=0).isoformat() + "Z")
    b.cbc(root, "Note", f"status: {order.status}")
    b.cbc(root, "DocumentCurrencyCode", order.currency)
    buyer = b.cac(root, "BuyerCustomerParty")
    b.cbc(buyer, "SupplierAssignedAccountID", order.customer.customer_id)
    b.party(buyer, order.billing_address, order.customer.email)
    b.cac(root, "SellerSupplierParty")
    delivery = b.cac(root, "Delivery")
    b.address(b.cac(delivery, "DeliveryLocation"), "Address", order.shipping_address)
    b.party(delivery, order.shipping_address, None).tag = f"{{{CAC}}}DeliveryParty"
    terms = b.cac(delivery, "DeliveryTerms")
    b.cbc(terms, "ID", order.shipping.method)
    b.cbc(terms, "SpecialTerms", order.shipping.description)
    b.money(terms, "Amount", order.shipping.amount_incl_tax)
    means = b.cac(root, "PaymentMeans")
    b.cbc(means, "PaymentMeansCode", "ZZZ", name=order.payment.method)
    b.cbc(means, "PaymentID", order.payment.transaction_id)
    b.charge(
        root,
        True,
        "FC",
        order.shipping.description or "shipping",
        order.shipping.amount,
    )
    b.charge(root, True, "ABK", "invoice fee", order.payment.invoice_fee)
    if order.totals.discount_amount:
        b.charge(root, False, "95", "discount", order.totals.discount_amount)
    b.money(b.cac(root, "TaxTotal"), "TaxAmount", order.totals.tax_amount)
    totals = b.cac(root, "AnticipatedMonetaryTotal")
    b.money(totals, "LineExtensionAmount", order.totals.subtotal)
    b.money(totals, "AllowanceTotalAmount", order.totals.discount_amount)
    b.money(
        totals,
        "ChargeTotalAmount",
        order.totals.shipping_amount + order.totals.invoice_fee,
    )
    b.money(totals, "PayableAmount", order.totals.grand_total)
    for line in order.lines:
        b.line(root, line)
    return root


def order_to_ubl(order: ExportOrder) -> bytes:
    """Render an order as a UBL 2.1 Order, validated against the official schema.

    Raises:
        InvalidFileError: The document does not match the UBL 2.1 Order schema.
    """
    root = _document(order)
    name = f"order-{order.order_number}.xml"
    schema = _schema()
    if not schema.validate(root):
        issues = [
            FileIssue(name, e.line or None, None, e.message) for e in schema.error_log
        ]
        raise InvalidFileError(str(issues[0]), file=name, issues=issues)
    payload: bytes = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    return payload
