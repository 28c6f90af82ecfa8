r"""What ship and invoice share: requested items → order lines, validation, echo lists.

Magento resolves ``items[{order_item_id, qty}]`` against the order's lines; an
empty list means "everything remaining". Validation messages are collected and
answered together as ``<Kind> Document Validation Error(s):\\n`` plus one line per
problem (API-FACTS §4). Lines are shipped and invoiced on the line without a
parent (a configurable's parent); a child line id counts as not part of the order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bridge.sandbox._inventory import check_input_limit
from bridge.sandbox._money import ZERO, dec, num
from bridge.sandbox._orders import parent_lines, remaining
from bridge.sandbox._router import bad_request
from bridge.sandbox._search import parse, search
from bridge.sandbox._state import Shop


@dataclass
class Messages:
    """The wording of one document kind's validation messages."""

    kind: str
    done_key: str
    over_quantity: str
    not_in_order: str
    no_products: str


SHIPMENT = Messages(
    "Shipment",
    "qty_shipped",
    "The quantity to ship must not be greater than the unshipped quantity"
    ' for product SKU "{}".',
    'The shipment contains product SKU "{}" that is not part of the original order.',
    "You can't create a shipment without products.",
)
INVOICE = Messages(
    "Invoice",
    "qty_invoiced",
    "The quantity to invoice must not be greater than the uninvoiced quantity"
    ' for product SKU "{}".',
    "The invoice contains one or more items that are not part of the original order.",
    "The invoice can't be created without products. Add products and try again.",
)


@dataclass
class Selection:
    """The order lines a document will cover, and the problems found on the way."""

    lines: list[tuple[dict[str, Any], Decimal]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def select_lines(
    shop: Shop, order: dict[str, Any], requested: Any, words: Messages, type_name: str
) -> Selection:
    """Resolve the request's ``items`` against ``order`` for ship or invoice."""
    result = Selection()
    lines = {ln["item_id"]: ln for ln in parent_lines(order)}
    if not requested:
        result.lines = [
            (ln, remaining(ln, words.done_key))
            for ln in lines.values()
            if remaining(ln, words.done_key) > 0
        ]
        return result
    if not isinstance(requested, list):
        raise bad_request('"%fieldName" is required. Enter and try again.', "items")
    check_input_limit(shop, requested, type_name)
    wanted: dict[int, Decimal] = {}
    strangers: list[Any] = []
    for item in requested:
        item_id = _as_int(item.get("order_item_id") if isinstance(item, dict) else None)
        if item_id is None or item_id not in lines:
            strangers.append(item_id)
        elif dec(item.get("qty")) > 0:
            wanted[item_id] = wanted.get(item_id, ZERO) + dec(item["qty"])
    for item_id, qty in wanted.items():
        line = lines[item_id]
        if qty > remaining(line, words.done_key):
            result.errors.append(words.over_quantity.format(line["sku"]))
        result.lines.append((line, qty))
    if strangers and wanted:
        children = {ln["item_id"]: ln["sku"] for ln in order["items"]}
        for item_id in strangers:
            result.errors.append(words.not_in_order.format(children.get(item_id, "")))
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
    """Return the document's comment list from the request's ``comment`` object."""
    comment = body.get("comment")
    if not isinstance(comment, dict) or not comment.get("comment"):
        return []
    return [
        {
            "entity_id": shop.next_id("comment"),
            "parent_id": parent_id,
            "comment": comment["comment"],
            "created_at": shop.now(),
            "is_customer_notified": int(bool(body.get("notify"))),
            "is_visible_on_front": int(comment.get("is_visible_on_front") or 0),
        }
    ]
