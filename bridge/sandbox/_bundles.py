"""Bundle products in a placed order: a bundle line and one line per selection.

A ``/sandbox/orders`` item with ``"bundle": {"ship_separately": false, "price_type":
"fixed", "children": [{"sku", "qty", "price"?}]}`` becomes what Magento's quote to
order conversion makes of a bundle (``Bundle/Model/Product/Type``,
``Bundle/Model/Product/Price``): a ``bundle`` line and one child line per selection
(``parent_item_id``), ``qty_ordered`` = bundle quantity x selection quantity. The
item's ``product_options`` keep ``shipment_type`` (1 = ship separately) and
``product_calculations`` (0 = dynamic price: the children are priced and taxed; 1 =
fixed price: the bundle line carries the price and the children are at 0). Which
lines a shipment or an invoice counts follows ``Order/Item::isDummy``
(:func:`bridge.sandbox._orders.is_dummy`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bridge.sandbox._money import ZERO, cents, dec
from bridge.sandbox._router import bad_request
from bridge.sandbox._state import Shop

LineMaker = Callable[..., dict[str, Any]]


def weight(item: dict[str, Any]) -> Decimal:
    """The item's gross row for spreading the order discount over the lines."""
    bundle = item.get("bundle")
    if isinstance(bundle, dict) and bundle.get("price_type") == "dynamic":
        per_bundle = sum(
            (dec(c.get("price")) * dec(c.get("qty") or 1) for c in _children(bundle)),
            ZERO,
        )
        return cents(per_bundle * dec(item["qty"]))
    return cents(dec(item["price"]) * dec(item["qty"]))


def _children(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    children = bundle.get("children")
    if not isinstance(children, list) or not children:
        raise bad_request("A bundle needs at least one child selection.")
    return children


def bundle_lines(
    shop: Shop,
    item: dict[str, Any],
    discount: Decimal,
    make_line: LineMaker,
    make_child: LineMaker,
) -> list[dict[str, Any]]:
    """The bundle line and its selection lines for one bundle item of the spec.

    Args:
        shop: The shop (ids).
        item: The spec's item with its ``bundle`` object.
        discount: The item's share of the order discount.
        make_line: Builds a priced line: ``(item, discount) -> line``.
        make_child: Builds a zero-priced child: ``(parent, item) -> line``.

    Returns:
        The bundle line first, then one line per selection.
    """
    bundle = item["bundle"]
    children = _children(bundle)
    dynamic = bundle.get("price_type") == "dynamic"
    options = {
        "shipment_type": 1 if bundle.get("ship_separately") else 0,
        "product_calculations": 0 if dynamic else 1,
    }
    qty = dec(item["qty"])
    priced = {**item, "price": 0 if dynamic else item["price"]}
    parent = make_line(priced, ZERO if dynamic else discount)
    parent.update(product_type="bundle", _bundle=options)
    rows = [cents(dec(c.get("price")) * dec(c.get("qty") or 1) * qty) for c in children]
    shares = _split(discount if dynamic else ZERO, rows)
    lines = [parent]
    for child, share in zip(children, shares, strict=True):
        selection = dec(child.get("qty") or 1)
        spec = {
            "sku": child["sku"],
            "qty": selection * qty,
            "price": child.get("price") or 0,
            "tax_percent": item.get("tax_percent"),
            "name": child.get("name"),
        }
        line = make_line(spec, share) if dynamic else make_child(parent, spec)
        product = shop.data["products"].get(child["sku"]) or {}
        line.update(
            sku=child["sku"],
            name=child.get("name") or product.get("name") or child["sku"],
            product_id=product.get("id"),
            parent_item_id=parent["item_id"],
            product_type="simple",
            qty_ordered=line["qty_ordered"] if dynamic else float(selection * qty),
            _bundle={**options, "selection_qty": float(selection)},
        )
        lines.append(line)
    return lines


def _split(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    whole = sum(weights, ZERO)
    shares = [cents(total * w / whole) if whole else ZERO for w in weights[:-1]]
    return [*shares, total - sum(shares, ZERO)]
