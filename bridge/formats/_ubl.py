"""What the UBL 2.1 layouts share: namespaces, schema paths, values read from elements.

UBL documents (OASIS UBL 2.1, Peppol BIS 3 uses the same syntax) keep their values in
``cbc:`` elements grouped by ``cac:`` aggregates under a root in the document's own
namespace. The layouts walk them with the paths below; every value read keeps its
element, so a refusal names the source line.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from bridge.formats._records import FieldError
from bridge.formats._xsd import schema_path
from bridge.models.gtin import gtin14, gtin_reference
from bridge.models.units import PIECE_UNITS, is_pieces

__all__ = [
    "CAC",
    "CBC",
    "PIECE_UNITS",
    "doc_namespace",
    "find",
    "issued_at",
    "item_sku",
    "pieces",
    "quantity",
    "text",
    "ubl_schema",
]

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_NS = {"cac": CAC, "cbc": CBC}


def doc_namespace(document: str) -> str:
    """The namespace of a UBL 2 main document, e.g. ``DespatchAdvice``."""
    return f"urn:oasis:names:specification:ubl:schema:xsd:{document}-2"


def ubl_schema(document: str) -> Path:
    """The official UBL 2.1 XSD of a main document, shipped with the bridge."""
    return schema_path(f"ubl-2.1/maindoc/UBL-{document}-2.1.xsd")


def find(el: etree._Element, path: str) -> etree._Element | None:
    """The first element at ``path`` (``cac:``/``cbc:`` prefixes) under ``el``."""
    found: etree._Element | None = el.find(path, _NS)
    return found


def findall(el: etree._Element, path: str) -> list[etree._Element]:
    """Every element at ``path`` (``cac:``/``cbc:`` prefixes) under ``el``."""
    return list(el.iterfind(path, _NS))


def text(el: etree._Element | None) -> str | None:
    """An element's text without surrounding blanks; None when missing or empty."""
    if el is None or el.text is None:
        return None
    value = el.text.strip()
    return value or None


def issued_at(root: etree._Element, date: str, time: str) -> str | None:
    """A UBL date and optional time element pair as one ``xs:dateTime`` value.

    Args:
        root: The element holding both.
        date: Path of the date element (``cbc:IssueDate``).
        time: Path of the time element (``cbc:IssueTime``); midnight when absent.

    Returns:
        ``YYYY-MM-DDThh:mm:ss[zone]``, or None when the date is absent.
    """
    day = text(find(root, date))
    if day is None:
        return None
    clock = text(find(root, time)) or "00:00:00"
    return f"{day}T{clock}"


def pieces(quantity: etree._Element, field: str) -> str:
    """A quantity element's value, refused when its unit is not pieces.

    Raises:
        FieldError: The quantity is missing or counted in another unit.
    """
    value = text(quantity)
    if value is None:
        raise FieldError(field, "quantity is empty", quantity)
    unit = quantity.get("unitCode")
    if unit is not None and unit.upper() not in PIECE_UNITS:
        raise FieldError(
            field, f"unit {unit} is not pieces (only pieces are taken)", quantity
        )
    return value


def quantity(el: etree._Element, field: str) -> tuple[str, str | None]:
    """A quantity element's value and its unit when that is not pieces.

    A despatch line may ship by weight (``unitCode="KGM"``): the unit goes with the
    quantity to the shipments flow, which takes it only for an order item with a
    decimal quantity.

    Raises:
        FieldError: The quantity is empty.
    """
    value = text(el)
    if value is None:
        raise FieldError(field, "quantity is empty", el)
    unit = el.get("unitCode")
    return value, None if is_pieces(unit) else (unit or "").strip().upper()


def item_sku(line: etree._Element) -> tuple[etree._Element, str]:
    """A document line's SKU and the element it comes from.

    The seller's item id (``cac:Item/cac:SellersItemIdentification/cbc:ID``) is the
    SKU. A line with only a GTIN (``cac:StandardItemIdentification/cbc:ID``) gets a
    GTIN reference (``gtin:<GTIN-14>``), which the flows resolve through the EAN
    attribute (``bridge.models.gtin``).

    Raises:
        FieldError: The line has neither, or its GTIN is not a valid GTIN.
    """
    found = find(line, "cac:Item/cac:SellersItemIdentification/cbc:ID")
    value = text(found)
    if found is not None and value is not None:
        return found, value
    number = text(find(line, "cbc:ID"))
    gtin_el = find(line, "cac:Item/cac:StandardItemIdentification/cbc:ID")
    gtin = text(gtin_el)
    if gtin_el is None or gtin is None:
        raise FieldError(
            "sku", f"line {number} has no item id (seller's id or GTIN)", line
        )
    normal = gtin14(gtin)
    if normal is None:
        raise FieldError(
            "sku",
            f"line {number} has no seller's id, and {gtin!r} is no GTIN (8, 12, 13 or 14 digits)",
            gtin_el,
        )
    return gtin_el, gtin_reference(normal)
