"""The ``ubl-despatch-advice`` layout: a UBL 2.1 DespatchAdvice is one ERP shipment.

OASIS UBL 2.1 DespatchAdvice documents (Peppol BIS 3 despatch advices included) are
checked against the official UBL 2.1 schema, then mapped (SPEC §7):

=====================  ==========================================================
canonical field        DespatchAdvice
=====================  ==========================================================
shipment_id            ``cbc:ID``
order_number           ``cac:OrderReference/cbc:ID``, else the one order every
                       ``cac:DespatchLine/cac:OrderLineReference/cac:OrderReference``
                       names
shipped_at             ``cbc:IssueDate`` + ``cbc:IssueTime``
lines/line/sku         ``cac:Item/cac:SellersItemIdentification/cbc:ID``; without it,
                       ``gtin:`` + ``cac:Item/cac:StandardItemIdentification/cbc:ID``
                       as GTIN-14 (resolved through the EAN attribute)
lines/line/qty         ``cbc:DeliveredQuantity``; its ``unitCode`` as ``lines/line/unit``
                       when it is not pieces (``KGM``)
tracks/track/number    ``cac:Shipment/cac:Delivery/cbc:TrackingID`` and
                       ``cac:Shipment/cac:Consignment/cbc:CarrierAssignedID``;
                       without either, the consignment's ``cbc:ID`` (unless ``NA``)
tracks/track/title     ``cac:Consignment/cac:CarrierParty/cac:PartyName/cbc:Name``
=====================  ==========================================================
"""

from __future__ import annotations

from lxml import etree

from bridge.formats._records import FieldError
from bridge.formats._ubl import doc_namespace as _doc_namespace
from bridge.formats._ubl import (
    find,
    findall,
    issued_at,
    item_sku,
    quantity,
    text,
    ubl_schema,
)
from bridge.formats.codec import XmlNames
from bridge.formats.document import CanonicalTree, DocumentXmlCodec

__all__ = ["LAYOUT", "despatch_advice_codec", "map_despatch_advice"]

LAYOUT = "ubl-despatch-advice"
NAMESPACE = _doc_namespace("DespatchAdvice")


def map_despatch_advice(root: etree._Element, out: CanonicalTree) -> None:
    """Map a DespatchAdvice to one canonical shipment (see the module's table).

    Raises:
        FieldError: The document names no order or several, a line has no seller's
            item id, or a quantity is empty.
    """
    shipment = out.record(root)
    id_el = find(root, "cbc:ID")
    out.child(shipment, "shipment_id", text(id_el), source=id_el)
    order_el = _order_reference(root)
    out.child(shipment, "order_number", text(order_el), source=order_el)
    shipped = issued_at(root, "cbc:IssueDate", "cbc:IssueTime")
    if shipped is not None:
        out.child(shipment, "shipped_at", shipped, source=find(root, "cbc:IssueDate"))
    lines = out.child(shipment, "lines", source=root)
    for despatch_line in findall(root, "cac:DespatchLine"):
        _line(despatch_line, lines, out)
    _tracks(root, shipment, out)


def _order_reference(root: etree._Element) -> etree._Element:
    """The ``cbc:ID`` of the one order the document delivers."""
    head = find(root, "cac:OrderReference/cbc:ID")
    if text(head) is not None:
        assert head is not None
        return head
    refs = findall(
        root, "cac:DespatchLine/cac:OrderLineReference/cac:OrderReference/cbc:ID"
    )
    named = {text(ref) for ref in refs} - {None}
    if len(named) == 1:
        return refs[0]
    reason = (
        "the document names no order"
        if not named
        else (
            f"the lines name several orders ({', '.join(sorted(n for n in named if n))}); "
            "one despatch advice is one shipment of one order"
        )
    )
    raise FieldError("order_number", reason, root)


def _line(source: etree._Element, lines: etree._Element, out: CanonicalTree) -> None:
    """One ``cac:DespatchLine`` as a canonical line."""
    sku_el, sku = item_sku(source)
    qty_el = find(source, "cbc:DeliveredQuantity")
    if qty_el is None:
        raise FieldError("qty", "line has no cbc:DeliveredQuantity", source)
    qty, unit = quantity(qty_el, "qty")
    line = out.child(lines, "line", source=source)
    out.child(line, "sku", sku, source=sku_el)
    out.child(line, "qty", qty, source=qty_el)
    if unit is not None:
        out.child(line, "unit", unit, source=qty_el)


def _tracks(root: etree._Element, shipment: etree._Element, out: CanonicalTree) -> None:
    """The tracking numbers of the document's shipment, with the carrier's name."""
    numbers: dict[str, etree._Element] = {}  # distinct numbers, first element each
    for path in (
        "cac:Shipment/cac:Delivery/cbc:TrackingID",
        "cac:Shipment/cac:Consignment/cbc:CarrierAssignedID",
    ):
        for el in findall(root, path):
            value = text(el)
            if value is not None:
                numbers.setdefault(value, el)
    consignment = find(root, "cac:Shipment/cac:Consignment/cbc:ID")
    if not numbers and text(consignment) not in (None, "NA"):
        assert consignment is not None
        numbers[text(consignment) or ""] = consignment
    if not numbers:
        return
    carrier = text(
        find(
            root, "cac:Shipment/cac:Consignment/cac:CarrierParty/cac:PartyName/cbc:Name"
        )
    )
    first = next(iter(numbers.values()))
    tracks = out.child(shipment, "tracks", source=first)
    for value, number in numbers.items():
        track = out.child(tracks, "track", source=number)
        out.child(track, "number", value, source=number)
        if carrier is not None:
            out.child(track, "title", carrier, source=number)


def despatch_advice_codec() -> DocumentXmlCodec:
    """The layout's codec, checked against the official UBL 2.1 DespatchAdvice XSD."""
    return DocumentXmlCodec(
        "shipments",
        LAYOUT,
        XmlNames(NAMESPACE, "DespatchAdvice"),
        map_despatch_advice,
        schema=ubl_schema("DespatchAdvice"),
    )
