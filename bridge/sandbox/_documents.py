r"""What ship and invoice share: requested items → order lines, validation, echo lists.

Magento resolves ``items[{order_item_id, qty}]`` against the order's lines
(``Sales/Model/Order/ShipmentFactory::prepareItems``,
``Sales/Model/Service/InvoiceService::prepareInvoice``); an empty list means
"everything remaining". Validation messages are collected and answered together as
``<Kind> Document Validation Error(s):\\n`` plus one line per problem
(``Sales/Model/ShipOrder``, ``Sales/Model/InvoiceOrder``). Lines are shipped and
invoiced on the line without a parent (a configurable's parent); a child line id
is not one of the lines looked at, so it is ignored like an unknown id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bridge.sandbox._inventory import check_input_limit
from bridge.sandbox._money import ZERO, dec, num
from bridge.sandbox._orders import document_lines, remaining
from bridge.sandbox._router import bad_request
from bridge.sandbox._search import parse, search
from bridge.sandbox._state import Shop, record_email


@dataclass
class Messages:
    """The wording of one document kind's validation messages."""

    kind: str
    done_key: str
    no_products: str


SHIPMENT = Messages(
    "Shipment",
    "qty_shipped",
    "You can't create a shipment without products.",
)
INVOICE = Messages(
    "Invoice",
    "qty_invoiced",
    "The invoice can't be created without products. Add products and try again.",
)


INVALID_INVOICE_QTY = 'We found an invalid quantity to invoice item "%1".'


@dataclass
class Selection:
    """The order lines a document will cover, and the problems found on the way."""

    lines: list[tuple[dict[str, Any], Decimal]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def cast_qty(line: dict[str, Any], qty: Decimal) -> Decimal:
    """``castQty`` of Magento's ShipmentFactory / InvoiceService: whole units truncated.

    A line without ``is_qty_decimal`` takes ``(int) $qty`` (1.9 → 1); a negative or
    zero result is 0.
    """
    if not line.get("is_qty_decimal"):
        qty = Decimal(int(qty))
    return qty if qty > 0 else ZERO


def requested_quantities(
    shop: Shop, requested: Any, type_name: str
) -> dict[int | None, Decimal]:
    """``items[{order_item_id, qty}]`` keyed by item id; a repeated id: last wins.

    As ``ShipmentDocumentFactory`` / ``InvoiceDocumentFactory`` build
    ``$items[$orderItemId] = $qty``.
    """
    if not isinstance(requested, list):
        raise bad_request('"%fieldName" is required. Enter and try again.', "items")
    check_input_limit(shop, requested, type_name)
    wanted: dict[int | None, Decimal] = {}
    for item in requested:
        if isinstance(item, dict):
            wanted[_as_int(item.get("order_item_id"))] = dec(item.get("qty"))
    return wanted


def select_lines(
    shop: Shop, order: dict[str, Any], requested: Any, words: Messages, type_name: str
) -> Selection:
    """Resolve the request's ``items`` against ``order`` for ship or invoice.

    The loop runs over the order's lines, as ``ShipmentFactory::prepareItems`` and
    ``InvoiceService::prepareInvoice`` do, so an unknown item id is ignored. Ship
    clamps a quantity to what is left (``min($qty, getQtyToShip())``); invoice refuses
    more than is left with ``We found an invalid quantity to invoice item "%1".``
    (``InvoiceService::setInvoiceItemQuantity``). Both truncate fractions on
    whole-unit lines; a line left at 0 is not part of the document.
    """
    result = Selection()
    lines = document_lines(order, words.done_key)
    if not requested:
        result.lines = [
            (ln, remaining(ln, words.done_key))
            for ln in lines
            if remaining(ln, words.done_key) > 0
        ]
        return result
    wanted = requested_quantities(shop, requested, type_name)
    for line in lines:
        left = remaining(line, words.done_key)
        if line["item_id"] not in wanted or left <= 0:
            continue
        qty = wanted[line["item_id"]]
        if words is SHIPMENT:
            qty = min(qty, left)
        qty = cast_qty(line, qty)
        if words is INVOICE and qty > left:
            raise bad_request(INVALID_INVOICE_QTY, line["name"])
        if qty > 0:
            result.lines.append((line, qty))
    return result


def choose(
    shop: Shop,
    order: dict[str, Any],
    body: dict[str, Any],
    words: Messages,
    type_name: str,
    order_errors: list[str],
) -> Selection:
    """Select the lines for a document and collect every validation message.

    The caller adds its own checks to ``errors`` and then calls :func:`refuse`.
    """
    chosen = select_lines(shop, order, body.get("items"), words, type_name)
    chosen.errors = order_errors + chosen.errors
    if not chosen.lines and not chosen.errors:
        chosen.errors.append(words.no_products)
    return chosen


def document_item(
    shop: Shop, table: str, parent_id: int, line: dict[str, Any], qty: Decimal
) -> dict[str, Any]:
    """Return the fields every shipment or invoice item has for order ``line``."""
    return {
        "entity_id": shop.next_id(table),
        "parent_id": parent_id,
        "order_item_id": line["item_id"],
        "sku": line["sku"],
        "name": line["name"],
        "product_id": line.get("product_id"),
        "qty": num(qty),
    }


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def refuse(words: Messages, errors: list[str]) -> None:
    """Raise Magento's document validation 400 if there are any ``errors``."""
    if errors:
        unique = list(dict.fromkeys(errors))
        raise bad_request(
            f"{words.kind} Document Validation Error(s):\n" + "\n".join(unique)
        )


def list_documents(shop: Shop, table: str, query: dict[str, str]) -> dict[str, Any]:
    """Search invoices or shipments (scalar fields are filterable)."""
    rows = []
    for doc in sorted(shop.data[table].values(), key=lambda d: int(d["entity_id"])):
        record = {k: v for k, v in doc.items() if not isinstance(v, (list, dict))}
        rows.append((record, doc))
    return search(rows, parse(query, input_limit=shop.input_limit))


def comment_entries(
    shop: Shop, parent_id: int, body: dict[str, Any]
) -> list[dict[str, Any]]:
    """Return the document's comment list from the request's ``comment`` object.

    ``ShipOrder`` / ``InvoiceOrder`` hand ``$appendComment && $notify`` to the document
    factory as the comment's ``is_customer_notified``: the comment is always kept in
    the history, and marked as mailed only when it is appended to the e-mail.
    """
    comment = body.get("comment")
    if not isinstance(comment, dict) or not comment.get("comment"):
        return []
    notified = bool(body.get("notify")) and bool(body.get("appendComment"))
    return [
        {
            "entity_id": shop.next_id("comment"),
            "parent_id": parent_id,
            "comment": comment["comment"],
            "created_at": shop.now(),
            "is_customer_notified": int(notified),
            "is_visible_on_front": int(comment.get("is_visible_on_front") or 0),
        }
    ]


def notify(
    shop: Shop, order: dict[str, Any], kind: str, entity_id: int, body: dict[str, Any]
) -> None:
    """Record the e-mail Magento would send after a ship or invoice call.

    ``if ($notify) { if (!$appendComment) { $comment = null; } notify(...) }``: the
    customer gets the document's e-mail, with the comment only when it was appended
    (``Sales/Model/ShipOrder::createShipment``, ``Sales/Model/InvoiceOrder``).
    """
    if not body.get("notify"):
        return
    comment = body.get("comment") if body.get("appendComment") else None
    text = comment.get("comment") if isinstance(comment, dict) else None
    record_email(shop, order, kind, entity_id, text)
