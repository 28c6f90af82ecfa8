"""Readers for the outbound order layouts: a written file back into plain values.

The tests read each format the way a receiving ERP would (by the places documented
in docs/layouts.md) and compare the values with the order that was rendered.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lxml import etree
from pydifact.parser import Parser

OT = {
    "o": "http://www.opentrans.org/XMLSchema/2.1",
    "bme": "http://www.bmecat.org/bmecat/2005",
}


@dataclass
class ReadOrder:
    """The canonical values found in one outbound order file."""

    order_number: str = ""
    magento_id: str = ""
    created: str = ""
    status: str = ""
    currency: str = ""
    email: str = ""
    billing_name: str = ""
    billing_street: list[str] = field(default_factory=list)
    billing_city: str = ""
    billing_postcode: str = ""
    billing_country: str = ""
    shipping_name: str = ""
    shipping_street: list[str] = field(default_factory=list)
    shipping_city: str = ""
    shipping_method: str = ""
    shipping_amount: Decimal = Decimal(0)
    shipping_amount_incl_tax: Decimal = Decimal(0)
    payment_method: str = ""
    invoice_fee: Decimal = Decimal(0)
    subtotal: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    grand_total: Decimal = Decimal(0)
    lines: list[tuple[str, str, Decimal, Decimal, Decimal]] = field(
        default_factory=list
    )
    """(line_id, sku, qty, unit price excl. tax, row total incl. tax) per line."""


def _t(el: etree._Element, path: str, ns: dict[str, str] | None = None) -> str:
    return (el.findtext(path, namespaces=ns) or "").strip()


def _party(root: etree._Element, role: str) -> etree._Element:
    found = root.find(f".//o:PARTY[o:PARTY_ROLE='{role}']/o:ADDRESS", OT)
    assert found is not None, role
    return found


def read_opentrans(payload: bytes) -> ReadOrder:
    """An openTRANS ORDER's values, from the places the layout documents."""
    root = etree.fromstring(payload)
    info = root.find("o:ORDER_HEADER/o:ORDER_INFO", OT)
    assert info is not None
    udx = info.find("o:HEADER_UDX", OT)
    assert udx is not None

    def u(el: etree._Element, name: str) -> str:
        return _t(el, f"o:UDX.BRIDGE.{name}", OT)

    bill, ship = _party(root, "buyer"), _party(root, "delivery")
    out = ReadOrder(
        order_number=_t(info, "o:ORDER_ID", OT),
        magento_id=u(udx, "MAGENTO_ID"),
        created=_t(info, "o:ORDER_DATE", OT),
        status=_t(info, "o:REMARKS[@type='status']", OT).removeprefix("status: "),
        currency=_t(info, "bme:CURRENCY", OT),
        email=_t(bill, "o:CONTACT_DETAILS/bme:EMAILS/bme:EMAIL", OT),
        billing_name=_t(bill, "bme:NAME", OT),
        billing_street=[s.text or "" for s in bill.iterfind("bme:STREET", OT)],
        billing_city=_t(bill, "bme:CITY", OT),
        billing_postcode=_t(bill, "bme:ZIP", OT),
        billing_country=_t(bill, "bme:COUNTRY_CODED", OT),
        shipping_name=_t(ship, "bme:NAME", OT),
        shipping_street=[s.text or "" for s in ship.iterfind("bme:STREET", OT)],
        shipping_city=_t(ship, "bme:CITY", OT),
        shipping_method=u(udx, "SHIPPING_METHOD"),
        shipping_amount=Decimal(u(udx, "SHIPPING_AMOUNT")),
        shipping_amount_incl_tax=Decimal(u(udx, "SHIPPING_AMOUNT_INCL_TAX")),
        payment_method=u(udx, "PAYMENT_METHOD"),
        invoice_fee=Decimal(u(udx, "INVOICE_FEE")),
        subtotal=Decimal(u(udx, "SUBTOTAL")),
        discount=Decimal(u(udx, "DISCOUNT_AMOUNT")),
        tax=Decimal(u(udx, "TAX_AMOUNT")),
        grand_total=Decimal(u(udx, "GRAND_TOTAL")),
    )
    for item in root.iterfind("o:ORDER_ITEM_LIST/o:ORDER_ITEM", OT):
        item_udx = item.find("o:ITEM_UDX", OT)
        assert item_udx is not None
        out.lines.append(
            (
                _t(item, "o:LINE_ITEM_ID", OT),
                _t(item, "o:PRODUCT_ID/bme:SUPPLIER_PID", OT),
                Decimal(_t(item, "o:QUANTITY", OT)),
                Decimal(_t(item, "o:PRODUCT_PRICE_FIX/bme:PRICE_AMOUNT", OT)),
                Decimal(u(item_udx, "ROW_TOTAL_INCL_TAX")),
            )
        )
    return out


def _notes(seg: etree._Element, text_segment: str) -> dict[str, str]:
    lines = [
        _t(t, "TDLINE") for t in seg.iterfind(f"{text_segment}/{text_segment[:-1]}2")
    ]
    return dict(line.split(": ", 1) for line in lines if ": " in line)


def _idoc_partner(idoc: etree._Element, role: str) -> etree._Element:
    found = idoc.find(f"E1EDKA1[PARVW='{role}']")
    assert found is not None, role
    return found


def read_idoc(payload: bytes) -> ReadOrder:
    """An ORDERS05 IDoc's values, from the segments the layout documents."""
    idoc = etree.fromstring(payload).find("IDOC")
    assert idoc is not None
    notes = _notes(idoc, "E1EDKT1")
    ag, we = _idoc_partner(idoc, "AG"), _idoc_partner(idoc, "WE")
    sums = {_t(s, "SUMID"): Decimal(_t(s, "SUMME")) for s in idoc.iterfind("E1EDS01")}
    conditions = {
        _t(c, "KOTXT"): Decimal(_t(c, "BETRG")) for c in idoc.iterfind("E1EDK05")
    }
    out = ReadOrder(
        order_number=_t(idoc, "E1EDK01/BELNR"),
        magento_id=_t(idoc, "E1EDK02[QUALF='010']/BELNR"),
        created=_t(idoc, "E1EDK03[IDDAT='022']/DATUM") + _t(idoc, "E1EDK03/UZEIT"),
        status=notes["status"],
        currency=_t(idoc, "E1EDK01/CURCY"),
        email=notes["email"],
        billing_name=_t(ag, "NAME1"),
        billing_street=[s for s in (_t(ag, "STRAS"), _t(ag, "STRS2")) if s],
        billing_city=_t(ag, "ORT01"),
        billing_postcode=_t(ag, "PSTLZ"),
        billing_country=_t(ag, "LAND1"),
        shipping_name=_t(we, "NAME1"),
        shipping_street=[s for s in (_t(we, "STRAS"), _t(we, "STRS2")) if s],
        shipping_city=_t(we, "ORT01"),
        shipping_method=notes["shipping_method"],
        shipping_amount=conditions.get("freight", Decimal(0)),
        shipping_amount_incl_tax=Decimal(notes["shipping_amount_incl_tax"]),
        payment_method=_t(idoc, "E1EDK18/ZTERM_TXT"),
        invoice_fee=conditions.get("invoice fee", Decimal(0)),
        subtotal=sums["002"],
        discount=conditions.get("discount", Decimal(0)),
        tax=Decimal(_t(idoc, "E1EDK04/MWSBT")),
        grand_total=sums["003"],
    )
    for item in idoc.iterfind("E1EDP01"):
        amounts = {
            _t(a, "QUALF"): Decimal(_t(a, "BETRG")) for a in item.iterfind("E1EDP26")
        }
        out.lines.append(
            (
                _notes(item, "E1EDPT1")["line_id"],
                _t(item, "E1EDP19[QUALF='002']/IDTNR"),
                Decimal(_t(item, "MENGE")),
                Decimal(_t(item, "VPREI")),
                amounts["002"],
            )
        )
    return out


def edifact_segments(payload: bytes) -> list[tuple[str, list[Any]]]:
    """The segments of an interchange as (tag, elements), read with pydifact."""
    text = payload.decode("utf-8" if b"UNOW" in payload[:40] else "latin-1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [(s.tag, list(s.elements)) for s in Parser().parse(text)]


def _c(element: Any, i: int = 0) -> str:
    if isinstance(element, list):
        return str(element[i]) if i < len(element) else ""
    return str(element) if i == 0 else ""


def read_edifact(payload: bytes) -> ReadOrder:
    """An ORDERS D.96A interchange's values, from the segments the layout documents."""
    out = ReadOrder()
    nads: dict[str, list[Any]] = {}
    money: dict[str, Decimal] = {}
    context, line = "header", ["", "", Decimal(0), Decimal(0), Decimal(0)]
    for tag, el in edifact_segments(payload):
        if tag == "BGM":
            out.order_number = _c(el[1])
        elif tag == "DTM" and _c(el[0]) == "137":
            out.created = _c(el[0], 1)
        elif tag == "FTX" and _c(el[0]) == "AAI":
            out.status = _c(el[3]).removeprefix("status: ")
        elif tag == "FTX" and _c(el[0]) == "PMT":
            out.payment_method = _c(el[3])
        elif tag == "RFF" and _c(el[0]) == "ACD":
            out.magento_id = _c(el[0], 1)
        elif tag == "NAD":
            nads[_c(el[0])] = el
        elif tag == "COM" and _c(el[0], 1) == "EM":
            out.email = _c(el[0])
        elif tag == "CUX":
            out.currency = _c(el[0], 1)
        elif tag == "TOD":
            out.shipping_method = _c(el[2], 3)
        elif tag == "ALC":
            context = _c(el[4]) if context != "lines" else "lines"
        elif tag == "LIN":
            if context == "lines":
                out.lines.append((line[0], line[1], line[2], line[3], line[4]))  # type: ignore[arg-type]
            context, line = "lines", ["", _c(el[2]), Decimal(0), Decimal(0), Decimal(0)]
        elif tag == "QTY":
            line[2] = Decimal(_c(el[0], 1))
        elif tag == "PRI" and _c(el[0]) == "AAA":
            line[3] = Decimal(_c(el[0], 1))
        elif tag == "RFF" and _c(el[0]) == "LI":
            line[0] = _c(el[0], 1)
        elif tag == "MOA" and context == "lines" and _c(el[0]) == "128":
            line[4] = Decimal(_c(el[0], 1))
        elif tag == "UNS":
            out.lines.append((line[0], line[1], line[2], line[3], line[4]))  # type: ignore[arg-type]
            context = "summary"
        elif tag == "MOA":
            money[f"{context}:{_c(el[0])}"] = Decimal(_c(el[0], 1))
    by, dp = nads["BY"], nads["DP"]
    out.billing_name, out.billing_city = _c(by[3]), _c(by[5])
    out.billing_street = [
        s for s in (by[4] if isinstance(by[4], list) else [by[4]]) if s
    ]
    out.billing_postcode, out.billing_country = _c(by[7]), _c(by[8])
    out.shipping_name, out.shipping_city = _c(dp[3]), _c(dp[5])
    out.shipping_street = [
        s for s in (dp[4] if isinstance(dp[4], list) else [dp[4]]) if s
    ]
    out.shipping_amount = money["FC:23"]
    out.shipping_amount_incl_tax = money["FC:128"]
    out.invoice_fee = money.get("ABK:23", Decimal(0))
    out.subtotal, out.discount = money["summary:79"], money["summary:204"]
    out.tax, out.grand_total = money["summary:124"], money["summary:86"]
    return out


def assert_full_order(got: ReadOrder) -> None:
    """Every canonical field of ``full_order()`` but its number and dates, read back."""
    D = Decimal  # noqa: N806 - short like the tests it serves
    assert (got.status, got.currency, got.email) == (
        "pending",
        "SEK",
        "anna@example.com",
    )
    assert (got.billing_name, got.billing_street, got.billing_city) == (
        "Berg AB",
        ["Storgatan 1"],
        "Stockholm",
    )
    assert (got.billing_postcode, got.billing_country) == ("111 22", "SE")
    assert (got.shipping_name, got.shipping_street) == (
        "Anna Berg",
        ["Lillgatan 3", "c/o Ek"],
    )
    assert (got.shipping_method, got.shipping_amount, got.shipping_amount_incl_tax) == (
        "flatrate_flatrate",
        D("49.00"),
        D("61.25"),
    )
    assert (got.payment_method, got.invoice_fee) == ("sveacheckout", D("29.00"))
    assert (got.subtotal, got.tax, got.grand_total) == (
        D("350.00"),
        D("99.75"),
        D("527.75"),
    )
    assert got.lines == [
        ("101", "A-1", D("2"), D("100.00"), D("250.00")),
        ("103", "B-2", D("1.5"), D("100.00"), D("187.50")),
    ]
