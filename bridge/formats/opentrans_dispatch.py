"""The ``opentrans-dispatchnotification`` layout: an openTRANS 2.1 dispatch is a shipment.

The document is checked against the official openTRANS 2.1 schema, then mapped to one
canonical shipment (SPEC §7); ``bme:`` is the BMEcat 2005 namespace openTRANS reuses,
paths below are under ``DISPATCHNOTIFICATION_HEADER/DISPATCHNOTIFICATION_INFO`` (info)
or ``DISPATCHNOTIFICATION_ITEM_LIST/DISPATCHNOTIFICATION_ITEM`` (item):

=====================  ==========================================================
canonical field        DISPATCHNOTIFICATION
=====================  ==========================================================
shipment_id            info ``DISPATCHNOTIFICATION_ID``
order_number           the one ``ORDER_REFERENCE/ORDER_ID`` the items name
shipped_at             info ``DISPATCHNOTIFICATION_DATE``
lines/line/sku         item ``PRODUCT_ID/bme:SUPPLIER_PID``; without it, ``gtin:`` + the
                       ``bme:INTERNATIONAL_PID`` of type ``ean``/``gtin`` as GTIN-14
lines/line/qty         item ``QUANTITY``; ``bme:ORDER_UNIT`` as ``lines/line/unit`` when it
                       is not pieces (``KGM``)
tracks/track/number    info ``SHIPMENT_ID``, then each
                       ``LOGISTIC_DETAILS_INFO/PACKAGE_INFO/PACKAGE/PACKAGE_ID``
tracks/track/title     the deliverer party's name (``DELIVERER_IDREF``), else
                       ``REMARKS[@type="delivererCode"]``
=====================  ==========================================================

``TRACKING_TRACING_URL`` has no place in a Magento track and is not carried.
"""

from __future__ import annotations

from lxml import etree

from bridge.formats._records import FieldError
from bridge.formats._ubl import text
from bridge.formats._xsd import schema_path
from bridge.formats.codec import XmlNames
from bridge.formats.document import CanonicalTree, DocumentXmlCodec
from bridge.models.gtin import gtin14, gtin_reference
from bridge.models.units import is_pieces

__all__ = ["LAYOUT", "dispatch_notification_codec", "map_dispatch_notification"]

LAYOUT = "opentrans-dispatchnotification"
NAMESPACE = "http://www.opentrans.org/XMLSchema/2.1"
BMECAT = "http://www.bmecat.org/bmecat/2005"
_NS = {"o": NAMESPACE, "bme": BMECAT}
_INFO = "o:DISPATCHNOTIFICATION_HEADER/o:DISPATCHNOTIFICATION_INFO"
_ITEMS = "o:DISPATCHNOTIFICATION_ITEM_LIST/o:DISPATCHNOTIFICATION_ITEM"


def _find(el: etree._Element, path: str) -> etree._Element | None:
    found: etree._Element | None = el.find(path, _NS)
    return found


def map_dispatch_notification(root: etree._Element, out: CanonicalTree) -> None:
    """Map a DISPATCHNOTIFICATION to one canonical shipment (see the module's table).

    Raises:
        FieldError: The items name no order or several, an item has no supplier
            product id, or a quantity is not in pieces.
    """
    info = _find(root, _INFO)
    assert info is not None  # the schema requires it
    items = list(root.iterfind(_ITEMS, _NS))
    shipment = out.record(root)
    id_el = _find(info, "o:DISPATCHNOTIFICATION_ID")
    out.child(shipment, "shipment_id", text(id_el), source=id_el)
    order_el = _order(root, items)
    out.child(shipment, "order_number", text(order_el), source=order_el)
    date_el = _find(info, "o:DISPATCHNOTIFICATION_DATE")
    out.child(shipment, "shipped_at", text(date_el), source=date_el)
    lines = out.child(shipment, "lines", source=root)
    for item in items:
        _line(item, lines, out)
    _tracks(info, shipment, out)


def _order(root: etree._Element, items: list[etree._Element]) -> etree._Element:
    refs = [
        r
        for r in (_find(i, "o:ORDER_REFERENCE/o:ORDER_ID") for i in items)
        if r is not None
    ]
    named = sorted({t for t in (text(r) for r in refs) if t is not None})
    if len(named) == 1:
        return refs[0]
    reason = (
        "no item names an order (ORDER_REFERENCE/ORDER_ID)"
        if not named
        else f"the items name several orders ({', '.join(named)}); "
        "one dispatch notification is one shipment of one order"
    )
    raise FieldError("order_number", reason, root)


def _line(item: etree._Element, lines: etree._Element, out: CanonicalTree) -> None:
    sku_el, sku = _item_sku(item)
    qty_el = _find(item, "o:QUANTITY")
    unit_el = _find(item, "bme:ORDER_UNIT")
    unit = text(unit_el)
    line = out.child(lines, "line", source=item)
    out.child(line, "sku", sku, source=sku_el)
    out.child(line, "qty", text(qty_el), source=qty_el)
    if not is_pieces(unit):
        out.child(line, "unit", (unit or "").upper(), source=unit_el)


def _item_sku(item: etree._Element) -> tuple[etree._Element, str]:
    """The item's ``SUPPLIER_PID``, else a GTIN reference from its EAN/GTIN id."""
    sku_el = _find(item, "o:PRODUCT_ID/bme:SUPPLIER_PID")
    sku = text(sku_el)
    if sku_el is not None and sku is not None:
        return sku_el, sku
    number = text(_find(item, "o:LINE_ITEM_ID"))
    for pid in item.iterfind("o:PRODUCT_ID/bme:INTERNATIONAL_PID", _NS):
        if (pid.get("type") or "").lower() in ("ean", "gtin") and text(pid):
            normal = gtin14(text(pid) or "")
            if normal is None:
                reason = (
                    f"item {number} has no SUPPLIER_PID, and {text(pid)!r} is no"
                    " GTIN (8, 12, 13 or 14 digits)"
                )
                raise FieldError("sku", reason, pid)
            return pid, gtin_reference(normal)
    raise FieldError(
        "sku", f"item {number} has no SUPPLIER_PID (the SKU) or GTIN", item
    )


def _tracks(info: etree._Element, shipment: etree._Element, out: CanonicalTree) -> None:
    numbers: dict[str, etree._Element] = {}
    paths = (
        "o:SHIPMENT_ID",
        "o:LOGISTIC_DETAILS_INFO/o:PACKAGE_INFO/o:PACKAGE/o:PACKAGE_ID",
    )
    for path in paths:
        for el in info.iterfind(path, _NS):
            value = text(el)
            if value is not None:
                numbers.setdefault(value, el)
    if not numbers:
        return
    carrier = _carrier(info)
    tracks = out.child(shipment, "tracks", source=next(iter(numbers.values())))
    for value, el in numbers.items():
        track = out.child(tracks, "track", source=el)
        out.child(track, "number", value, source=el)
        if carrier is not None:
            out.child(track, "title", carrier, source=el)


def _carrier(info: etree._Element) -> str | None:
    """The deliverer's name: its party's name or contact, else the deliverer remark."""
    ref = text(_find(info, "o:SHIPMENT_PARTIES_REFERENCE/o:DELIVERER_IDREF"))
    for party in info.iterfind("o:PARTIES/o:PARTY", _NS):
        if ref is not None and text(_find(party, "bme:PARTY_ID")) == ref:
            name = text(_find(party, "o:ADDRESS/bme:NAME")) or text(
                _find(party, "o:ADDRESS/o:CONTACT_DETAILS/bme:CONTACT_NAME")
            )
            if name is not None:
                return name[:255]
    for remark in info.iterfind("o:REMARKS", _NS):
        if remark.get("type") == "delivererCode" and text(remark) is not None:
            return (text(remark) or "")[:255]
    return None


def dispatch_notification_codec() -> DocumentXmlCodec:
    """The layout's codec, checked against the official openTRANS 2.1 XSD."""
    return DocumentXmlCodec(
        "shipments",
        LAYOUT,
        XmlNames(NAMESPACE, "DISPATCHNOTIFICATION"),
        map_dispatch_notification,
        schema=schema_path("opentrans-2.1/opentrans_2_1.xsd"),
    )
