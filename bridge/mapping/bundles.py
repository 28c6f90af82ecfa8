"""Bundles in a delivery: which order lines a ship or invoice call must name.

A bundle in a Magento order is a ``bundle`` line plus one child line per selection
(``parent_item_id``; ``qty_ordered`` = bundle quantity x selection quantity). Which
of them a shipment or an invoice counts follows ``Sales/Model/Order/Item::isDummy``:
a bundle shipped *together* is shipped by its bundle line (the selections follow),
one shipped *separately* by its selections; a *fixed-price* bundle is invoiced on its
bundle line (the selections follow at 0, never invoiced on their own), a
*dynamic-price* one on its selections. Magento's REST order does not say which
(``product_options`` are not in ``GET /V1/orders/{id}``), and the ERP may name the
bundle's SKU or its selections' SKUs.

So the bridge names the whole family: a bundle line with each selection at
``qty x selection qty``, and a named selection with its bundle line at ``qty /
selection qty``. Magento takes the lines that count and lets the dummies follow
(``ShipmentFactory::prepareItems``, ``InvoiceService::prepareItemsQty``), so every
combination ships and invoices the delivered units. Pure: no I/O (S2.3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

__all__ = ["Entry", "with_bundle_family"]

Entry = tuple[int, str, Decimal]
"""(order item id, SKU, quantity) of one ship or invoice entry."""


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _selection_qty(child: Mapping[str, Any], parent: Mapping[str, Any]) -> Decimal:
    """Units of the child in one bundle (``qty_ordered`` ratio)."""
    ordered = _dec(parent.get("qty_ordered"))
    return _dec(child.get("qty_ordered")) / ordered if ordered else Decimal(1)


def _is_bundle(line: Mapping[str, Any] | None) -> bool:
    return line is not None and line.get("product_type") == "bundle"


def with_bundle_family(
    entries: Sequence[Entry], order: Mapping[str, Any]
) -> list[Entry]:
    """Add each named bundle's selections, and each named selection's bundle line.

    Args:
        entries: What the delivery names, mapped to order items.
        order: The Magento order with its ``items``.

    Returns:
        ``entries`` followed by the missing family members (a bundle line named
        through several selections takes the largest bundle quantity they imply).
    """
    items: Sequence[Mapping[str, Any]] = order.get("items") or []
    by_id = {int(i.get("item_id") or 0): i for i in items}
    named = {e[0] for e in entries}
    added: dict[int, Entry] = {}
    for item_id, _, qty in entries:
        line = by_id.get(item_id)
        if line is None:
            continue
        if _is_bundle(line):
            for child in items:
                cid = int(child.get("item_id") or 0)
                if (
                    child.get("parent_item_id") == line.get("item_id")
                    and cid not in named
                ):
                    share = qty * _selection_qty(child, line)
                    added[cid] = (cid, str(child.get("sku")), share)
            continue
        parent = by_id.get(int(line.get("parent_item_id") or 0))
        if parent is None or not _is_bundle(parent):
            continue
        pid = int(parent.get("item_id") or 0)
        if pid in named:
            continue
        units = qty / _selection_qty(line, parent)
        if pid not in added or added[pid][2] < units:
            added[pid] = (pid, str(parent.get("sku")), units)
    return [*entries, *added.values()]
