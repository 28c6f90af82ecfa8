"""The ``ubl-inventory-report`` layout: a UBL 2.1 InventoryReport is stock levels.

The document is checked against the official UBL 2.1 InventoryReport schema, then
each ``cac:InventoryReportLine`` becomes one canonical stock ``<item>`` (SPEC §7):

==============  ==================================================================
canonical field InventoryReport
==============  ==================================================================
sku             ``cac:Item/cac:SellersItemIdentification/cbc:ID``; without it,
                ``gtin:`` + the ``cac:StandardItemIdentification/cbc:ID`` as GTIN-14
qty             ``cbc:Quantity`` (in pieces)
source          ``cac:InventoryLocation/cbc:ID`` (absent: the configured default)
updated_at      the document's ``cbc:IssueDate`` + ``cbc:IssueTime``
==============  ==================================================================
"""

from __future__ import annotations

from lxml import etree

from bridge.formats._ubl import (
    doc_namespace,
    find,
    findall,
    issued_at,
    item_sku,
    pieces,
    text,
    ubl_schema,
)
from bridge.formats.codec import XmlNames
from bridge.formats.document import CanonicalTree, DocumentXmlCodec

__all__ = ["LAYOUT", "inventory_report_codec", "map_inventory_report"]

LAYOUT = "ubl-inventory-report"
NAMESPACE = doc_namespace("InventoryReport")


def map_inventory_report(root: etree._Element, out: CanonicalTree) -> None:
    """Map an InventoryReport to one canonical stock item per report line.

    Raises:
        FieldError: A line has no seller's item id, or its quantity is not in pieces.
    """
    updated = issued_at(root, "cbc:IssueDate", "cbc:IssueTime")
    issue_date = find(root, "cbc:IssueDate")
    for line in findall(root, "cac:InventoryReportLine"):
        sku_el, sku = item_sku(line)
        qty_el = find(line, "cbc:Quantity")
        assert qty_el is not None  # the schema requires it
        item = out.record(line)
        out.child(item, "sku", sku, source=sku_el)
        out.child(item, "qty", pieces(qty_el, "qty"), source=qty_el)
        location = find(line, "cac:InventoryLocation/cbc:ID")
        if text(location) is not None:
            out.child(item, "source", text(location), source=location)
        if updated is not None:
            out.child(item, "updated_at", updated, source=issue_date)


def inventory_report_codec() -> DocumentXmlCodec:
    """The layout's codec, checked against the official UBL 2.1 InventoryReport XSD."""
    return DocumentXmlCodec(
        "stock",
        LAYOUT,
        XmlNames(NAMESPACE, "InventoryReport"),
        map_inventory_report,
        schema=ubl_schema("InventoryReport"),
    )
