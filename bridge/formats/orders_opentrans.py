"""The ``opentrans`` order format: one Magento order as an openTRANS 2.1 ORDER.

The document is validated against the official openTRANS 2.1 schema before a byte is
published. Its parties follow the shapes the ITscope and Fraunhofer samples use: a
``buyer`` (the customer with the billing address), a ``delivery`` party (the shipping
address) and a ``supplier`` (the shop, id ``shop``). openTRANS 2.1 has no place in an
ORDER for freight, fees or totals other than the net total, so those go into
``HEADER_UDX`` and ``ITEM_UDX`` (the standard's extension points, any content), each
value in a ``UDX.BRIDGE.*`` element:

=========================  ===========================================================
canonical                  openTRANS 2.1 ORDER (paths under ``ORDER_HEADER/ORDER_INFO``
                           unless they start with ``ORDER_``)
=========================  ===========================================================
order_number / magento_id  ``ORDER_ID`` / ``HEADER_UDX/UDX.BRIDGE.MAGENTO_ID``
created_at                 ``ORDER_DATE`` (UTC, ``Z``)
status                     ``REMARKS[@type="status"]``
currency                   ``bme:CURRENCY``
customer                   the ``buyer`` PARTY: ``bme:PARTY_ID`` (customer id, or the
                           e-mail of a guest), ``ADDRESS/CONTACT_DETAILS`` (name, first
                           name, phone, e-mail); ``UDX.BRIDGE.CUSTOMER_IS_GUEST``
billing_address            the ``buyer`` PARTY's ``ADDRESS`` (company as ``bme:NAME``,
                           else the person; one ``bme:STREET`` per street line)
shipping_address           the ``delivery`` PARTY's ``ADDRESS``; referenced by
                           ``ORDER_PARTIES_REFERENCE/SHIPMENT_PARTIES_REFERENCE``
shipping                   ``UDX.BRIDGE.SHIPPING_METHOD``, ``…_DESCRIPTION``,
                           ``…_AMOUNT``, ``…_AMOUNT_INCL_TAX``
payment                    ``REMARKS[@type="payment"]`` (method);
                           ``UDX.BRIDGE.PAYMENT_METHOD``, ``…_TRANSACTION_ID``,
                           ``UDX.BRIDGE.INVOICE_FEE``
lines/line                 ``ORDER_ITEM``: ``LINE_ITEM_ID`` (item id), ``PRODUCT_ID``
                           (``bme:SUPPLIER_PID`` = SKU, ``bme:DESCRIPTION_SHORT`` = name),
                           ``QUANTITY`` in ``C62``, ``PRODUCT_PRICE_FIX`` (unit price excl.
                           tax, the discount as an allowance, ``TAX_DETAILS_FIX`` with the
                           rate as a factor), ``PRICE_LINE_AMOUNT`` (net, after discount);
                           ``ITEM_UDX``: unit price incl. tax, row total incl. tax
totals                     ``ORDER_SUMMARY`` (``TOTAL_ITEM_NUM``, ``TOTAL_AMOUNT`` =
                           subtotal less discount); ``UDX.BRIDGE.SUBTOTAL``,
                           ``…_DISCOUNT_AMOUNT``, ``…_SHIPPING_AMOUNT``,
                           ``…_INVOICE_FEE_TOTAL``, ``…_TAX_AMOUNT``, ``…_GRAND_TOTAL``
=========================  ===========================================================

A product name longer than ``DESCRIPTION_SHORT`` allows (150) is cut there and
written whole in ``bme:DESCRIPTION_LONG``.
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

from lxml import etree

from bridge.formats._outbound import (
    DEFAULT_PARTNERS,
    Partners,
    amount,
    number,
    validated_xml,
)
from bridge.formats._xsd import schema_path
from bridge.models.export import ExportAddress, ExportLine, ExportOrder

__all__ = ["NAMESPACE", "order_to_opentrans"]

NAMESPACE = "http://www.opentrans.org/XMLSchema/2.1"
BMECAT = "http://www.bmecat.org/bmecat/2005"
_NSMAP = {None: NAMESPACE, "bme": BMECAT}
_SHORT = 150


def _el(
    parent: etree._Element, tag: str, text: object = None, **attrs: str
) -> etree._Element:
    el = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attrs)
    if text is not None:
        el.text = str(text)
    return el


def _bme(parent: etree._Element, tag: str, text: object, **attrs: str) -> None:
    if text is None or text == "":
        return
    el = etree.SubElement(parent, f"{{{BMECAT}}}{tag}", attrs)
    el.text = str(text)


def _udx(parent: etree._Element, field: str, text: object) -> None:
    if text is None or text == "":
        return
    el = etree.SubElement(parent, f"{{{NAMESPACE}}}UDX.BRIDGE.{field}")
    el.text = amount(text) if isinstance(text, Decimal) else str(text)


def _address(party: etree._Element, addr: ExportAddress, email: str | None) -> None:
    el = _el(party, "ADDRESS")
    person = f"{addr.firstname} {addr.lastname}".strip()
    _bme(el, "NAME", addr.company or person)
    if addr.company:
        _bme(el, "NAME2", person)
    contact = _el(el, "CONTACT_DETAILS")
    _bme(contact, "CONTACT_NAME", addr.lastname)
    _bme(contact, "FIRST_NAME", addr.firstname)
    _bme(contact, "PHONE", addr.telephone, type="office")
    if email:
        _bme(_el_bme(contact, "EMAILS"), "EMAIL", email)
    for street in addr.street:
        _bme(el, "STREET", street)
    _bme(el, "ZIP", addr.postcode)
    _bme(el, "CITY", addr.city)
    _bme(el, "STATE", addr.region)
    _bme(el, "COUNTRY_CODED", addr.country)
    _bme(el, "PHONE", addr.telephone, type="office")
    _bme(el, "EMAIL", email)


def _el_bme(parent: etree._Element, tag: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{BMECAT}}}{tag}")


def _party(
    parties: etree._Element,
    party_id: str,
    role: str,
    addr: ExportAddress | None,
    email: str | None = None,
) -> None:
    party = _el(parties, "PARTY")
    _bme(party, "PARTY_ID", party_id, type="supplier_specific")
    _el(party, "PARTY_ROLE", role)
    if addr is not None:
        _address(party, addr, email)


def _buyer_id(order: ExportOrder) -> str:
    customer = order.customer
    return str(customer.customer_id) if customer.customer_id else customer.email


def _info(header: etree._Element, order: ExportOrder, supplier: str) -> None:
    info = _el(header, "ORDER_INFO")
    _el(info, "ORDER_ID", order.order_number)
    _el(
        info,
        "ORDER_DATE",
        order.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    parties = _el(info, "PARTIES")
    buyer = _buyer_id(order)
    delivery = f"{order.order_number}-delivery"
    _party(parties, buyer, "buyer", order.billing_address, order.customer.email)
    _party(parties, delivery, "delivery", order.shipping_address)
    _party(parties, supplier, "supplier", None)
    refs = _el(info, "ORDER_PARTIES_REFERENCE")
    _bme(refs, "BUYER_IDREF", buyer, type="supplier_specific")
    _bme(refs, "SUPPLIER_IDREF", supplier, type="supplier_specific")
    _el(refs, "INVOICE_RECIPIENT_IDREF", buyer, type="supplier_specific")
    shipment = _el(refs, "SHIPMENT_PARTIES_REFERENCE")
    _el(shipment, "DELIVERY_IDREF", delivery, type="supplier_specific")
    _bme(info, "CURRENCY", order.currency)
    _el(info, "REMARKS", f"status: {order.status}", type="status")
    _el(info, "REMARKS", f"payment: {order.payment.method}", type="payment")
    _header_udx(_el(info, "HEADER_UDX"), order)


def _header_udx(udx: etree._Element, order: ExportOrder) -> None:
    _udx(udx, "MAGENTO_ID", order.magento_id)
    _udx(udx, "CUSTOMER_EMAIL", order.customer.email)
    _udx(udx, "CUSTOMER_FIRSTNAME", order.customer.firstname)
    _udx(udx, "CUSTOMER_LASTNAME", order.customer.lastname)
    _udx(udx, "CUSTOMER_TELEPHONE", order.customer.telephone)
    _udx(udx, "CUSTOMER_IS_GUEST", "true" if order.customer.is_guest else "false")
    _udx(udx, "SHIPPING_METHOD", order.shipping.method)
    _udx(udx, "SHIPPING_DESCRIPTION", order.shipping.description)
    _udx(udx, "SHIPPING_AMOUNT", order.shipping.amount)
    _udx(udx, "SHIPPING_AMOUNT_INCL_TAX", order.shipping.amount_incl_tax)
    _udx(udx, "PAYMENT_METHOD", order.payment.method)
    _udx(udx, "PAYMENT_TRANSACTION_ID", order.payment.transaction_id)
    _udx(udx, "INVOICE_FEE", order.payment.invoice_fee)
    totals = order.totals
    _udx(udx, "SUBTOTAL", totals.subtotal)
    _udx(udx, "DISCOUNT_AMOUNT", totals.discount_amount)
    _udx(udx, "SHIPPING_AMOUNT_TOTAL", totals.shipping_amount)
    _udx(udx, "INVOICE_FEE_TOTAL", totals.invoice_fee)
    _udx(udx, "TAX_AMOUNT", totals.tax_amount)
    _udx(udx, "GRAND_TOTAL", totals.grand_total)


def _item(items: etree._Element, line: ExportLine) -> None:
    item = _el(items, "ORDER_ITEM")
    _el(item, "LINE_ITEM_ID", line.line_id)
    product = _el(item, "PRODUCT_ID")
    _bme(product, "SUPPLIER_PID", line.sku, type="supplier_specific")
    _bme(product, "DESCRIPTION_SHORT", line.name[:_SHORT])
    if len(line.name) > _SHORT:
        _bme(product, "DESCRIPTION_LONG", line.name)
    _el(item, "QUANTITY", number(line.qty))
    _bme(item, "ORDER_UNIT", "C62")
    price = _el(item, "PRODUCT_PRICE_FIX")
    _bme(price, "PRICE_AMOUNT", amount(line.unit_price))
    if line.discount_amount:
        charges = _el(price, "ALLOW_OR_CHARGES_FIX")
        aoc = _el(charges, "ALLOW_OR_CHARGE", type="allowance")
        _el(aoc, "ALLOW_OR_CHARGE_SEQUENCE", "1")
        _el(aoc, "ALLOW_OR_CHARGE_NAME", "discount")
        _el(aoc, "ALLOW_OR_CHARGE_TYPE", "discount")
        value = _el(aoc, "ALLOW_OR_CHARGE_VALUE")
        _el(value, "AOC_MONETARY_AMOUNT", amount(line.discount_amount))
        _el(charges, "ALLOW_OR_CHARGES_TOTAL_AMOUNT", amount(line.discount_amount))
    tax = _el(price, "TAX_DETAILS_FIX")
    _bme(tax, "TAX_TYPE", "vat")
    _bme(tax, "TAX", number(line.tax_percent / 100))
    _el(item, "PRICE_LINE_AMOUNT", amount(_net(line)))
    udx = _el(item, "ITEM_UDX")
    _udx(udx, "UNIT_PRICE_INCL_TAX", line.unit_price_incl_tax)
    _udx(udx, "DISCOUNT_AMOUNT", line.discount_amount)
    _udx(udx, "ROW_TOTAL_INCL_TAX", line.row_total_incl_tax)


def _net(line: ExportLine) -> Decimal:
    return line.unit_price * line.qty - line.discount_amount


def order_to_opentrans(
    order: ExportOrder, partners: Partners = DEFAULT_PARTNERS
) -> bytes:
    """Render an order as an openTRANS 2.1 ORDER, validated against the schema.

    ``partners.sender`` is the supplier party (the shop).

    Raises:
        InvalidFileError: The document does not satisfy ``opentrans_2_1.xsd``.
    """
    root = etree.Element(
        f"{{{NAMESPACE}}}ORDER", {"version": "2.1", "type": "standard"}, nsmap=_NSMAP
    )
    header = _el(root, "ORDER_HEADER")
    _el(_el(header, "CONTROL_INFO"), "GENERATOR_INFO", "bridge")
    _info(header, order, partners.sender)
    items = _el(root, "ORDER_ITEM_LIST")
    for line in order.lines:
        _item(items, line)
    summary = _el(root, "ORDER_SUMMARY")
    _el(summary, "TOTAL_ITEM_NUM", len(order.lines))
    _el(
        summary,
        "TOTAL_AMOUNT",
        amount(sum((_net(ln) for ln in order.lines), Decimal(0))),
    )
    return validated_xml(
        root,
        schema_path("opentrans-2.1/opentrans_2_1.xsd"),
        f"order-{order.order_number}.xml",
    )
