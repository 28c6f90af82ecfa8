"""The ``idoc`` order format: one Magento order as a SAP IDoc-XML ``ORDERS05``.

SAP publishes no XSD for IDoc-XML (a system generates one per release with WE60),
so the document is checked against the segment definitions it uses: every field
within its SAP length (``E1EDKA1-NAME1`` is 35 characters, ``E1EDP19-IDTNR`` 35, …);
a value that does not fit refuses the file, naming segment and field, instead of
being cut where the ERP would not notice. The shapes follow SAP's own ORDERS05
sample (TechEd IN260): an ``IDOC BEGIN="1"`` with segments carrying ``SEGMENT="1"``.

==========================  ==========================================================
canonical                   ORDERS05
==========================  ==========================================================
(control record)            ``EDI_DC40``: ``IDOCTYP`` ORDERS05, ``MESTYP`` ORDERS,
                            ``DIRECT`` 2 (inbound to the ERP), ``DOCNUM`` the Magento
                            id, ``CREDAT``/``CRETIM`` the order's creation (UTC)
order_number                ``E1EDK01/BELNR``; ``E1EDK02`` ``QUALF`` 001 (customer
                            order) ``BELNR`` with ``DATUM``/``UZEIT``
magento_id                  ``E1EDK02`` ``QUALF`` 010 (internal number) ``BELNR``
created_at                  ``E1EDK03`` ``IDDAT`` 022 (order date) ``DATUM``/``UZEIT``
currency                    ``E1EDK01/CURCY`` and each ``E1EDP01/CURCY``
status, customer e-mail,    ``E1EDKT1`` ``TDID`` 0001 with one ``E1EDKT2/TDLINE``
customer id and guest flag, ``key: value`` each (``status``, ``email``, ``customer_id``,
shipping method and amount   ``is_guest``, ``shipping_method``,
incl. tax, payment method,  ``shipping_amount_incl_tax``, ``payment_method``,
transaction                 ``transaction_id``)
customer + billing_address  ``E1EDKA1`` ``PARVW`` AG (sold-to): ``PARTN`` customer id
                            (``GUEST`` for a guest), ``NAME1`` company or person,
                            ``NAME2`` person when there is a company, ``NAME3`` first
                            name, ``NAME4`` last name, ``STRAS``/``STRS2`` street lines,
                            ``PSTLZ``, ``ORT01``, ``ORT02`` region, ``LAND1``, ``TELF1``
shipping_address            ``E1EDKA1`` ``PARVW`` WE (ship-to), the same fields
shipping                    ``E1EDK17`` ``QUALF`` 001 ``LKTEXT`` (description);
                            ``E1EDK05`` ``ALCKZ`` + ``KOTXT`` freight ``BETRG`` (excl. tax)
payment                     ``E1EDK18`` ``QUALF`` 001 ``ZTERM_TXT`` (method);
                            ``E1EDK05`` ``ALCKZ`` + ``KOTXT`` invoice fee ``BETRG``
lines/line                  ``E1EDP01``: ``POSEX`` position (1, 2, …), ``MENGE``,
                            ``MENEE`` PCE, ``VPREI`` unit price excl. tax, ``PEINH`` 1,
                            ``NETWR`` row net after discount; ``E1EDP19`` ``QUALF`` 002
                            (vendor material) ``IDTNR`` = SKU, ``KTEXT`` = name (70,
                            the whole name in the item text); ``E1EDP04`` ``MSATZ`` tax
                            percent; ``E1EDP05`` ``ALCKZ`` - discount; ``E1EDP26``
                            ``QUALF`` 001 gross price, 002 gross value (row incl. tax),
                            003 net value, 006 net price; ``E1EDPT1``/``E1EDPT2``
                            ``line_id: …`` (Magento's item id) and ``name: …``
totals                      ``E1EDK04/MWSBT`` tax; ``E1EDK05`` ``ALCKZ`` - discount;
                            ``E1EDS01`` ``SUMID`` 001 item count, 002 net value
                            (subtotal), 003 gross value (grand total), 005 tax,
                            020 discounts/surcharges (freight + fee - discount)
==========================  ==========================================================
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

from lxml import etree

from bridge.formats._outbound import DEFAULT_PARTNERS, Partners, amount, number, refuse
from bridge.models.export import ExportAddress, ExportLine, ExportOrder

__all__ = ["FIELD_LENGTHS", "order_to_idoc"]

FIELD_LENGTHS: dict[str, int] = {
    "TABNAM": 10, "DOCNUM": 16, "DIRECT": 1, "IDOCTYP": 30, "MESTYP": 30,
    "SNDPOR": 10, "SNDPRT": 2, "SNDPRN": 10, "RCVPOR": 10, "RCVPRT": 2,
    "RCVPRN": 10, "CREDAT": 8, "CRETIM": 6, "CURCY": 3, "BELNR": 35,
    "QUALF": 3, "DATUM": 8, "UZEIT": 6, "IDDAT": 3, "PARVW": 3, "PARTN": 17,
    "NAME1": 35, "NAME2": 35, "NAME3": 35, "NAME4": 35, "STRAS": 35,
    "STRS2": 35, "PSTLZ": 9, "ORT01": 35, "ORT02": 35, "LAND1": 3,
    "TELF1": 25, "MWSBT": 18, "MSATZ": 17, "ALCKZ": 3, "KOTXT": 80,
    "BETRG": 18, "LKTEXT": 70, "ZTERM_TXT": 70, "TDID": 4, "TSSPRAS": 1,
    "TDLINE": 70, "POSEX": 6, "MENGE": 15, "MENEE": 3, "VPREI": 15,
    "PEINH": 9, "NETWR": 18, "IDTNR": 35, "KTEXT": 70, "SUMID": 3,
    "SUMME": 18,
}  # fmt: skip
"""SAP's field lengths (characters) of the ORDERS05 segments this format writes."""

_KTEXT = FIELD_LENGTHS["KTEXT"]


class _Writer:
    """Builds segments, refusing any value longer than its SAP field."""

    def __init__(self, name: str) -> None:
        self.name = name

    def segment(self, parent: etree._Element, tag: str) -> etree._Element:
        return etree.SubElement(parent, tag, SEGMENT="1")

    def field(self, seg: etree._Element, tag: str, value: object) -> None:
        if value is None or value == "":
            return
        text = amount(value) if isinstance(value, Decimal) else str(value)
        if len(text) > FIELD_LENGTHS[tag]:
            where = f"{seg.tag}-{tag}"
            raise refuse(
                self.name,
                where,
                f"{text!r} is longer than the {FIELD_LENGTHS[tag]} characters"
                f" of {where}",
            )
        etree.SubElement(seg, tag).text = text

    def fields(self, seg: etree._Element, **values: object) -> etree._Element:
        for tag, value in values.items():
            self.field(seg, tag, value)
        return seg

    def texts(self, parent: etree._Element, tag: str, lines: list[str]) -> None:
        head = self.fields(self.segment(parent, tag), TDID="0001", TSSPRAS="E")
        for line in lines:
            self.fields(self.segment(head, tag[:-1] + "2"), TDLINE=line)


def _control(
    w: _Writer, idoc: etree._Element, order: ExportOrder, partners: Partners
) -> None:
    created = order.created_at.astimezone(UTC)
    dc = etree.SubElement(idoc, "EDI_DC40", SEGMENT="1")
    w.fields(
        dc,
        TABNAM="EDI_DC40",
        DOCNUM=str(order.magento_id).zfill(16),
        DIRECT="2",
        IDOCTYP="ORDERS05",
        MESTYP="ORDERS",
        SNDPOR="BRIDGE",
        SNDPRT="LS",
        SNDPRN=partners.sender,
        RCVPOR="ERP",
        RCVPRT="LS",
        RCVPRN=partners.receiver,
        CREDAT=created.strftime("%Y%m%d"),
        CRETIM=created.strftime("%H%M%S"),
    )


def _partner(
    w: _Writer, idoc: etree._Element, role: str, partn: str, a: ExportAddress
) -> None:
    person = f"{a.firstname} {a.lastname}".strip()
    w.fields(
        w.segment(idoc, "E1EDKA1"),
        PARVW=role,
        PARTN=partn,
        NAME1=a.company or person,
        NAME2=person if a.company else None,
        NAME3=a.firstname,
        NAME4=a.lastname,
        STRAS=a.street[0] if a.street else None,
        STRS2=", ".join(a.street[1:]) or None,
        ORT01=a.city,
        PSTLZ=a.postcode,
        ORT02=a.region,
        LAND1=a.country,
        TELF1=a.telephone,
    )


def _condition(
    w: _Writer, parent: etree._Element, tag: str, sign: str, text: str, value: Decimal
) -> None:
    if value:
        w.fields(w.segment(parent, tag), ALCKZ=sign, KOTXT=text, BETRG=value)


def _header(w: _Writer, idoc: etree._Element, order: ExportOrder) -> None:
    created = order.created_at.astimezone(UTC)
    day, clock = created.strftime("%Y%m%d"), created.strftime("%H%M%S")
    w.fields(w.segment(idoc, "E1EDK01"), CURCY=order.currency, BELNR=order.order_number)
    w.fields(w.segment(idoc, "E1EDK03"), IDDAT="022", DATUM=day, UZEIT=clock)
    w.fields(w.segment(idoc, "E1EDK04"), MWSBT=order.totals.tax_amount)
    _condition(w, idoc, "E1EDK05", "+", "freight", order.shipping.amount)
    _condition(w, idoc, "E1EDK05", "+", "invoice fee", order.payment.invoice_fee)
    _condition(w, idoc, "E1EDK05", "-", "discount", order.totals.discount_amount)
    customer = order.customer
    partn = str(customer.customer_id) if customer.customer_id else "GUEST"
    _partner(w, idoc, "AG", partn, order.billing_address)
    _partner(w, idoc, "WE", partn, order.shipping_address)
    w.fields(
        w.segment(idoc, "E1EDK02"),
        QUALF="001",
        BELNR=order.order_number,
        DATUM=day,
        UZEIT=clock,
    )
    w.fields(w.segment(idoc, "E1EDK02"), QUALF="010", BELNR=order.magento_id)
    w.fields(w.segment(idoc, "E1EDK17"), QUALF="001", LKTEXT=order.shipping.description)
    w.fields(w.segment(idoc, "E1EDK18"), QUALF="001", ZTERM_TXT=order.payment.method)
    notes = {
        "status": order.status,
        "email": customer.email,
        "customer_id": customer.customer_id,
        "is_guest": "true" if customer.is_guest else "false",
        "shipping_method": order.shipping.method,
        "shipping_amount_incl_tax": amount(order.shipping.amount_incl_tax),
        "payment_method": order.payment.method,
        "transaction_id": order.payment.transaction_id,
    }
    lines = [f"{k}: {v}" for k, v in notes.items() if v is not None]
    w.texts(idoc, "E1EDKT1", lines)


def _item(
    w: _Writer, idoc: etree._Element, position: int, line: ExportLine, currency: str
) -> None:
    net = line.unit_price * line.qty - line.discount_amount
    item = w.fields(
        w.segment(idoc, "E1EDP01"),
        POSEX=position,
        MENGE=number(line.qty),
        MENEE="PCE",
        VPREI=amount(line.unit_price),
        PEINH="1",
        NETWR=net,
        CURCY=currency,
    )
    w.fields(w.segment(item, "E1EDP04"), MSATZ=number(line.tax_percent))
    _condition(w, item, "E1EDP05", "-", "discount", line.discount_amount)
    w.fields(
        w.segment(item, "E1EDP19"),
        QUALF="002",
        IDTNR=line.sku,
        KTEXT=line.name[:_KTEXT],
    )
    for qualf, value in (
        ("001", line.unit_price_incl_tax),
        ("002", line.row_total_incl_tax),
        ("003", net),
        ("006", line.unit_price),
    ):
        w.fields(w.segment(item, "E1EDP26"), QUALF=qualf, BETRG=value)
    w.texts(item, "E1EDPT1", [f"line_id: {line.line_id}", *_wrap(f"name: {line.name}")])


def _wrap(text: str) -> list[str]:
    width = FIELD_LENGTHS["TDLINE"]
    return [text[i : i + width] for i in range(0, len(text), width)]


def _summary(w: _Writer, idoc: etree._Element, order: ExportOrder) -> None:
    t = order.totals
    for sumid, value in (
        ("001", str(len(order.lines))),
        ("002", t.subtotal),
        ("003", t.grand_total),
        ("005", t.tax_amount),
        ("020", t.shipping_amount + t.invoice_fee - t.discount_amount),
    ):
        w.fields(w.segment(idoc, "E1EDS01"), SUMID=sumid, SUMME=value)


def order_to_idoc(order: ExportOrder, partners: Partners = DEFAULT_PARTNERS) -> bytes:
    """Render an order as an ORDERS05 IDoc-XML, every field within its SAP length.

    ``partners`` are the control record's ``SNDPRN`` and ``RCVPRN`` (10 characters).

    Raises:
        InvalidFileError: A value does not fit its IDoc field (the issue names the
            segment and field).
    """
    w = _Writer(f"order-{order.order_number}.xml")
    root = etree.Element("ORDERS05")
    idoc = etree.SubElement(root, "IDOC", BEGIN="1")
    _control(w, idoc, order, partners)
    _header(w, idoc, order)
    for position, line in enumerate(order.lines, start=1):
        _item(w, idoc, position, line, order.currency)
    _summary(w, idoc, order)
    payload: bytes = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    return payload
