"""The ``edifact`` order format: one Magento order as a UN/EDIFACT ORDERS D.96A.

No official machine-readable schema exists for EDIFACT, so the message is checked
against the D.96A data element lengths it uses (a name component is ``an..35``, a
postcode ``an..9``, …): a value that does not fit refuses the file, naming the segment
and element, instead of being cut. The interchange is written with pydifact (UNA
service string advice; ``UNOC:3``, ISO 8859-1, unless a value needs characters outside
it: then ``UNOW:4``, UTF-8), one segment per line, and read back with pydifact before
it is published, so the envelope counts (``UNT``, ``UNZ``) are those of the bytes written.

==========================  ==========================================================
canonical                   ORDERS D.96A
==========================  ==========================================================
(envelope)                  ``UNB`` sender ``orders.sender_id`` (``MAGENTO``), recipient
                            ``orders.receiver_id`` (``ERP``), both ``ZZZ``; the
                            order's creation time, control reference = Magento id;
                            ``UNH`` ``ORDERS:D:96A:UN``
order_number                ``BGM+220`` document number
magento_id                  ``RFF+ACD`` (additional reference)
created_at                  ``DTM+137`` (document date, format 203, UTC)
status                      ``FTX+AAI`` (``status: …``)
currency                    ``CUX+2:<currency>:9``, and each ``MOA`` after its amount
customer + billing_address  ``NAD+BY`` (party id = customer id, ``GUEST`` for a guest;
                            C080 company and person; C059 street lines; city; region
                            (past 9 characters: in C058 instead); postcode; country;
                            a value past 35 characters continues in the next
                            component), ``CTA+OC`` (person) and ``COM`` (e-mail ``EM``,
                            telephone ``TE``); the same address as ``NAD+IV``
shipping_address            ``NAD+DP`` with ``CTA+DL`` and ``COM`` telephone
shipping                    ``FTX+DEL`` (description); ``TOD+6`` (delivery terms:
                            the method, then the description's first 70 characters);
                            ``ALC+C`` ``FC`` with ``MOA+23`` (excl. tax) and ``MOA+128``
                            (incl. tax)
payment                     ``PAI`` is code-only, so ``FTX+PMT`` (method, transaction)
                            and ``RFF+PQ`` (transaction, when it fits ``an..35``); the
                            fee ``ALC+C`` ``ABK`` with ``MOA+23``
lines/line                  ``LIN`` (line number, SKU as ``SA``), ``IMD+F`` (name in
                            35-character parts), ``QTY+21`` in ``PCE``, ``MOA+203`` (net,
                            after discount), ``MOA+128`` (row total incl. tax),
                            ``PRI+AAA`` (unit excl. tax), ``PRI+AAB`` (unit incl. tax),
                            ``RFF+LI`` (Magento item id), ``TAX+7+VAT`` (rate), the
                            discount ``ALC+A`` ``DI`` with ``MOA+204``
totals                      after ``UNS+S``: ``MOA+79`` subtotal, ``MOA+204`` discount,
                            ``MOA+23`` shipping, ``MOA+131`` invoice fee, ``MOA+124`` tax,
                            ``MOA+86`` grand total; ``CNT+2`` line count
==========================  ==========================================================
"""

from __future__ import annotations

import warnings
from datetime import UTC
from decimal import Decimal

from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser
from pydifact.segmentcollection import Interchange, Message
from pydifact.segments import Segment

from bridge.formats._outbound import DEFAULT_PARTNERS, Partners, amount, number, refuse
from bridge.models.export import ExportAddress, ExportLine, ExportOrder

__all__ = ["order_file_extension", "order_to_edifact"]

_NAME = 35
_LIMITS = {"city": 35, "region": 9, "postcode": 9, "country": 3, "id": 35,
           "com": 512, "amount": 18, "qty": 15}  # fmt: skip
"""D.96A lengths of the simple data elements written (3164, 3229, 3251, 3207, …)."""


def order_file_extension() -> str:
    """The extension of an ORDERS interchange in the outbox."""
    return "edi"


class _Writer:
    """Collects a message's segments, refusing values longer than their element."""

    def __init__(self, name: str, currency: str) -> None:
        self.name = name
        self.currency = currency
        self.message = Message("1", ["ORDERS", "D", "96A", "UN"])

    def check(self, tag: str, kind: str, value: str) -> str:
        if len(value) > _LIMITS[kind]:
            where = f"{tag} {kind}"
            raise refuse(
                self.name,
                where,
                f"{value!r} is longer than the {_LIMITS[kind]} characters of {where}",
            )
        return value

    def add(self, tag: str, *elements: str | list[str]) -> None:
        self.message.add_segment(Segment(tag, *elements))

    def money(self, qualifier: str, value: Decimal) -> None:
        text = self.check("MOA", "amount", amount(value))
        self.add("MOA", [qualifier, text, self.currency])


def _cut(text: str, width: int) -> str:
    return text[:width]


def _text(w: _Writer, *parts: str) -> list[str]:
    """FTX C108: free text in up to five ``an..70`` lines, long parts continued."""
    return _components_of(w, "FTX text", list(parts), 5, 70)


def _split(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def _components(w: _Writer, where: str, parts: list[str], slots: int) -> list[str]:
    """Values spread over a composite's ``an..35`` components, long ones continued."""
    return _components_of(w, where, parts, slots, _NAME)


def _components_of(
    w: _Writer, where: str, parts: list[str], slots: int, width: int
) -> list[str]:
    """Values spread over ``slots`` components of ``width``, long ones continued.

    Raises:
        InvalidFileError: They need more components than the composite has.
    """
    out = [chunk for part in parts if part for chunk in _split(part, width)]
    if len(out) > slots:
        raise refuse(
            w.name,
            where,
            f"{' '.join(parts)!r} needs more than {slots} parts of {width} characters",
        )
    return out


def _nad(w: _Writer, role: str, party: str, a: ExportAddress) -> None:
    person = f"{a.firstname} {a.lastname}".strip()
    names = [a.company, person] if a.company else [person]
    region = a.region or ""
    # 3229 is a code (an..9); a region's name that does not fit goes, whole, in the
    # unstructured name-and-address lines (C058) instead of being cut.
    long_region = len(region) > _LIMITS["region"]
    w.add(
        "NAD",
        role,
        [w.check("NAD", "id", party), "", "91"],
        _components(w, "NAD region", [region], 5) if long_region else "",
        _components(w, "NAD name", [n for n in names if n], 5),
        _components(w, "NAD street", list(a.street), 4),
        w.check("NAD", "city", a.city),
        "" if long_region else region,
        w.check("NAD", "postcode", a.postcode),
        w.check("NAD", "country", a.country),
    )


def _parties(w: _Writer, order: ExportOrder) -> None:
    c = order.customer
    party = str(c.customer_id) if c.customer_id else "GUEST"
    billing, shipping = order.billing_address, order.shipping_address
    _nad(w, "BY", party, billing)
    # The contact's name is an..35; whole, it is in the NAD before it.
    w.add("CTA", "OC", ["", _cut(f"{c.firstname} {c.lastname}", _NAME)])
    w.add("COM", [w.check("COM", "com", c.email), "EM"])
    if c.telephone or billing.telephone:
        w.add(
            "COM", [w.check("COM", "com", c.telephone or billing.telephone or ""), "TE"]
        )
    _nad(w, "IV", party, billing)
    _nad(w, "DP", party, shipping)
    person = f"{shipping.firstname} {shipping.lastname}".strip()
    w.add("CTA", "DL", ["", _cut(person, _NAME)])
    if shipping.telephone:
        w.add("COM", [w.check("COM", "com", shipping.telephone), "TE"])


def _header(w: _Writer, order: ExportOrder) -> None:
    created = order.created_at.astimezone(UTC)
    w.add("BGM", "220", w.check("BGM", "id", order.order_number), "9")
    w.add("DTM", ["137", created.strftime("%Y%m%d%H%M"), "203"])
    w.add("FTX", "AAI", "", "", _text(w, f"status: {order.status}"))
    payment = order.payment
    paid = [
        payment.method,
        *([payment.transaction_id] if payment.transaction_id else []),
    ]
    w.add("FTX", "PMT", "", "", _text(w, *paid))
    w.add("FTX", "DEL", "", "", _text(w, order.shipping.description))
    w.add("RFF", ["ACD", str(order.magento_id)])
    transaction = payment.transaction_id
    if transaction and len(transaction) <= _LIMITS["id"]:
        w.add("RFF", ["PQ", transaction])
    _parties(w, order)
    w.add("CUX", ["2", order.currency, "9"])
    shipping = order.shipping
    # C100's two descriptions are an..70: the method, then the description's start
    # (FTX+DEL carries it whole).
    tod = [_cut(shipping.method, 70), _cut(shipping.description, 70)]
    w.add("TOD", "6", "", ["", "", "", *tod])
    w.add("ALC", "C", "", "", "", ["FC", "", "", "freight"])
    w.money("23", shipping.amount)
    w.money("128", shipping.amount_incl_tax)
    if order.payment.invoice_fee:
        w.add("ALC", "C", "", "", "", ["ABK", "", "", "invoice fee"])
        w.money("23", order.payment.invoice_fee)


def _line(w: _Writer, index: int, line: ExportLine) -> None:
    w.add("LIN", str(index), "", [w.check("LIN", "id", line.sku), "SA"])
    parts = _split(line.name, _NAME)
    for i in range(0, len(parts), 2):
        w.add("IMD", "F", "", ["", "", "", *parts[i : i + 2]])
    w.add("QTY", ["21", w.check("QTY", "qty", number(line.qty)), "PCE"])
    w.money("203", line.unit_price * line.qty - line.discount_amount)
    w.money("128", line.row_total_incl_tax)
    w.add("PRI", ["AAA", amount(line.unit_price)])
    w.add("PRI", ["AAB", amount(line.unit_price_incl_tax)])
    w.add("RFF", ["LI", str(line.line_id)])
    w.add("TAX", "7", "VAT", "", "", ["", "", "", number(line.tax_percent)])
    if line.discount_amount:
        w.add("ALC", "A", "", "", "", ["DI", "", "", "discount"])
        w.money("204", line.discount_amount)


def _summary(w: _Writer, order: ExportOrder) -> None:
    t = order.totals
    w.add("UNS", "S")
    w.money("79", t.subtotal)
    w.money("204", t.discount_amount)
    w.money("23", t.shipping_amount)
    w.money("131", t.invoice_fee)
    w.money("124", t.tax_amount)
    w.money("86", t.grand_total)
    w.add("CNT", ["2", str(len(order.lines))])


def order_to_edifact(
    order: ExportOrder, partners: Partners = DEFAULT_PARTNERS
) -> bytes:
    """Render an order as an ORDERS D.96A interchange, read back before returning.

    ``partners`` are the ``UNB`` sender and recipient (``an..35`` each).

    Raises:
        InvalidFileError: A value does not fit its data element, or the written
            interchange does not read back as one ORDERS message.
    """
    name = f"order-{order.order_number}.{order_file_extension()}"
    w = _Writer(name, order.currency)
    _header(w, order)
    for index, line in enumerate(order.lines, start=1):
        _line(w, index, line)
    _summary(w, order)
    interchange = Interchange(
        [w.check("UNB", "id", partners.sender), "ZZZ"],
        [w.check("UNB", "id", partners.receiver), "ZZZ"],
        str(order.magento_id),
        ("UNOC", 3),
        timestamp=order.created_at.astimezone(UTC),
    )
    # A UNA segment makes pydifact write the service string advice first.
    interchange.add_segment(Segment("UNA", ":+.? '"))
    interchange.add_message(w.message)
    text = interchange.serialize(break_lines=True)
    _read_back(text, name, len(w.message.segments))
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        # A name outside ISO 8859-1 (UNOC): write the interchange as UTF-8, which
        # needs syntax level UNOW of syntax version 4.
        return text.replace("UNB+UNOC:3+", "UNB+UNOW:4+", 1).encode("utf-8")


def _read_back(text: str, name: str, body: int) -> None:
    """Check the written interchange parses as one ORDERS message of ``body`` segments."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            segments = list(Parser().parse(text))
    except EDISyntaxError as exc:
        raise refuse(name, None, f"not a readable interchange: {exc}") from exc
    tags = [s.tag for s in segments]
    unt = segments[tags.index("UNT")].elements[0] if "UNT" in tags else None
    if tags.count("UNH") != 1 or unt != str(body + 2):
        raise refuse(name, "UNT", f"segment count {unt} is not {body + 2}")
