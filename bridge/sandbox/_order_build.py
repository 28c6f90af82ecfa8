"""Builds a Magento order document from the ``POST /sandbox/orders`` spec.

Amounts follow :mod:`bridge.sandbox._pricing` (prices excluding tax by default,
``"prices_include_tax": true`` for a shop with gross prices, an optional
``"shipping_discount_amount"``), and the invoice fee is tax-free and stored as Svea
WebPay's module stores it (``handling_fee_amount``, visible over REST only inside
``grand_total``; see :mod:`bridge.sandbox._fees`). All arithmetic is Decimal,
rounded half-up to cents, and ``grand_total = subtotal + shipping + tax +
compensations + discount + fee``.
A ``parent_sku`` item becomes a configurable parent line (carrying the simple's SKU
and the price) plus a child line (``parent_item_id``, price 0).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bridge.sandbox._bundles import bundle_lines, weight
from bridge.sandbox._fees import set_order_fee
from bridge.sandbox._money import ZERO, base_key, cents, dec, num
from bridge.sandbox._msi import reserve_for_order, stock_lines
from bridge.sandbox._orders import is_dummy
from bridge.sandbox._pricing import line_amounts, shipping_amounts
from bridge.sandbox._router import bad_request
from bridge.sandbox._state import Shop

OFFLINE_METHODS = frozenset(
    {"checkmo", "banktransfer", "cashondelivery", "purchaseorder", "free"}
)
METHOD_TITLES = {
    "checkmo": "Check / Money order",
    "banktransfer": "Bank Transfer Payment",
    "cashondelivery": "Cash On Delivery",
    "purchaseorder": "Purchase Order",
    "free": "No Payment Information Required",
}
_ADDRESS_KEYS = (
    "firstname",
    "lastname",
    "company",
    "street",
    "city",
    "postcode",
    "region",
    "country_id",
    "telephone",
    "email",
)


def _allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` over ``weights`` in cents; the last share absorbs rounding."""
    whole = sum(weights, ZERO)
    shares = [cents(total * w / whole) if whole else ZERO for w in weights[:-1]]
    return [*shares, total - sum(shares, ZERO)] if weights else []


def _address(
    shop: Shop, spec: dict[str, Any] | None, customer: dict[str, Any], kind: str
) -> dict[str, Any]:
    base = {
        "firstname": customer.get("firstname", "Test"),
        "lastname": customer.get("lastname", "Customer"),
        "street": ["Storgatan 1"],
        "city": "Stockholm",
        "postcode": "111 22",
        "country_id": "SE",
        "telephone": "+46 8 123 456",
        "email": customer.get("email"),
    }
    base.update({k: v for k, v in (spec or {}).items() if k in _ADDRESS_KEYS})
    if isinstance(base["street"], str):
        base["street"] = [base["street"]]
    base.update({"address_type": kind, "entity_id": shop.next_id("address")})
    return base


def _line(
    shop: Shop, item: dict[str, Any], discount: Decimal, now: str, *, incl: bool
) -> dict[str, Any]:
    qty, rate = dec(item["qty"]), dec(item.get("tax_percent"))
    amounts = line_amounts(item, discount, incl=incl)
    price, row, tax = amounts["price"], amounts["row"], amounts["tax"]
    product = shop.data["products"].get(item.get("parent_sku") or item["sku"]) or {}
    simple = shop.data["products"].get(item["sku"]) or {}
    line = {
        "item_id": shop.next_id("order_item"),
        "sku": item["sku"],
        "name": item.get("name") or product.get("name") or item["sku"],
        "product_id": product.get("id"),
        "product_type": "configurable" if item.get("parent_sku") else "simple",
        "qty_ordered": num(qty),
        "is_qty_decimal": int(bool(item.get("is_qty_decimal"))),
        "qty_invoiced": 0,
        "qty_shipped": 0,
        "qty_canceled": 0,
        "qty_refunded": 0,
        "price": num(price),
        "original_price": num(price),
        "price_incl_tax": num(amounts["price_incl"]),
        "tax_percent": num(rate),
        "row_total": num(row),
        "row_total_incl_tax": num(amounts["row_incl"]),
        "discount_tax_compensation_amount": num(amounts["comp"]),
        "discount_tax_compensation_invoiced": 0,
        "tax_amount": num(tax),
        "discount_amount": num(discount),
        "discount_percent": num(cents(discount * 100 / row)) if row else 0,
        "tax_invoiced": 0,
        "discount_invoiced": 0,
        "row_invoiced": 0,
        "is_virtual": 0,
        "store_id": 1,
        "created_at": now,
        "updated_at": now,
        "weight": simple.get("weight") or 0,
    }
    for key in (
        "price",
        "original_price",
        "price_incl_tax",
        "row_total",
        "row_total_incl_tax",
        "tax_amount",
        "discount_amount",
        "tax_invoiced",
        "discount_invoiced",
        "row_invoiced",
        "discount_tax_compensation_amount",
        "discount_tax_compensation_invoiced",
    ):
        line[f"base_{key}"] = line[key]
    return line


def _child(shop: Shop, parent: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    simple = shop.data["products"].get(item["sku"]) or {}
    zeroes = {
        k: 0
        for k in parent
        if k.startswith(
            ("price", "base_", "row_", "tax_", "discount_", "original_price")
        )
    }
    return {
        **parent,
        **zeroes,
        "item_id": shop.next_id("order_item"),
        "parent_item_id": parent["item_id"],
        "product_type": "simple",
        "product_id": simple.get("id"),
        "name": simple.get("name") or parent["name"],
        "tax_percent": parent["tax_percent"],
    }


def _validate_items(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not items:
        raise bad_request("An order needs at least one item.")
    for item in items:
        if (
            not isinstance(item, dict)
            or not item.get("sku")
            or dec(item.get("qty")) <= 0
        ):
            raise bad_request("Each item needs a sku and a qty greater than 0.")
    return items


def build_order(
    shop: Shop, spec: dict[str, Any], *, reserve: bool = True
) -> dict[str, Any]:
    """Create and store an order from a ``/sandbox/orders`` spec.

    ``reserve=False`` skips the salable-quantity check (seeded demo orders over the
    seed catalogue, whose stock follows them).

    Returns:
        The stored order document (state ``new``, status ``pending``).
    """
    items = _validate_items(spec.get("items"))
    now = str(spec.get("created_at") or shop.now())
    rows = [weight(i) for i in items]
    discounts = _allocate(cents(abs(dec(spec.get("discount_amount")))), rows)
    incl = bool(spec.get("prices_include_tax"))

    def make_line(item: dict[str, Any], discount: Decimal) -> dict[str, Any]:
        return _line(shop, item, discount, now, incl=incl)

    def make_child(parent: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
        return _child(shop, parent, item)

    lines: list[dict[str, Any]] = []
    for item, discount in zip(items, discounts, strict=True):
        if isinstance(item.get("bundle"), dict):
            lines += bundle_lines(shop, item, discount, make_line, make_child)
            continue
        parent = make_line(item, discount)
        lines.append(parent)
        if item.get("parent_sku"):
            lines.append(_child(shop, parent, item))
    wanted: dict[str, Decimal] = {}
    for line in stock_lines({"items": lines}):
        wanted[line["sku"]] = wanted.get(line["sku"], ZERO) + dec(line["qty_ordered"])
    if reserve:
        reserve_for_order(shop, wanted)
    entity_id = shop.next_id("order")
    order = _document(shop, spec, entity_id, lines, now)
    for line in lines:
        line["order_id"] = entity_id
    shop.data["orders"][str(entity_id)] = order
    return order


def _document(
    shop: Shop,
    spec: dict[str, Any],
    entity_id: int,
    lines: list[dict[str, Any]],
    now: str,
) -> dict[str, Any]:
    customer = spec.get("customer") or {}
    # The lines that carry amounts: the ones an invoice does not treat as dummies.
    parents = [ln for ln in lines if not is_dummy({"items": lines}, ln, shipment=False)]
    subtotal = sum((dec(ln["row_total"]) for ln in parents), ZERO)
    item_tax = sum((dec(ln["tax_amount"]) for ln in parents), ZERO)
    rate = max((dec(ln["tax_percent"]) for ln in parents), default=ZERO)
    freight = shipping_amounts(spec, rate)
    discount = -sum((dec(ln["discount_amount"]) for ln in parents), ZERO)
    discount -= freight["shipping_discount_amount"]
    comp = sum((dec(ln["discount_tax_compensation_amount"]) for ln in parents), ZERO)
    fee = cents(dec(spec.get("invoice_fee")))
    tax = item_tax + freight["shipping_tax_amount"]
    grand = (
        subtotal
        + freight["shipping_amount"]
        + tax
        + comp
        + freight["shipping_discount_tax_compensation_amount"]
        + discount
        + fee
    )
    method = spec.get("payment_method") or "checkmo"
    billing = _address(shop, spec.get("billing_address"), customer, "billing")
    shipping_address = _address(
        shop,
        spec.get("shipping_address") or spec.get("billing_address"),
        customer,
        "shipping",
    )
    amounts = {
        "subtotal": subtotal,
        "subtotal_incl_tax": sum(
            (dec(ln["row_total_incl_tax"]) for ln in parents), ZERO
        ),
        **freight,
        "discount_amount": discount,
        "tax_amount": tax,
        "grand_total": grand,
        "total_due": grand,
        "total_invoiced": ZERO,
        "total_paid": ZERO,
        "subtotal_invoiced": ZERO,
        "tax_invoiced": ZERO,
        "shipping_invoiced": ZERO,
        "discount_invoiced": ZERO,
        "discount_tax_compensation_amount": comp,
    }
    order: dict[str, Any] = {
        "entity_id": entity_id,
        "increment_id": str(spec.get("increment_id") or f"{entity_id:09d}"),
        "state": "new",
        "status": "pending",
        "created_at": now,
        "updated_at": now,
        "store_id": 1,
        "store_name": "Main Website\nMain Website Store\nDefault Store View",
        "customer_email": customer.get("email", "guest@example.com"),
        "customer_firstname": customer.get("firstname", "Test"),
        "customer_lastname": customer.get("lastname", "Customer"),
        "customer_is_guest": 0 if customer.get("id") else 1,
        "customer_group_id": 1 if customer.get("id") else 0,
        "order_currency_code": spec.get("currency", "SEK"),
        "base_currency_code": spec.get("currency", "SEK"),
        "global_currency_code": spec.get("currency", "SEK"),
        "store_currency_code": spec.get("currency", "SEK"),
        "shipping_description": spec.get("shipping_description", "Flat Rate - Fixed"),
        "total_qty_ordered": num(sum((dec(ln["qty_ordered"]) for ln in parents), ZERO)),
        "total_item_count": len(parents),
        "is_virtual": 0,
        "billing_address_id": billing["entity_id"],
        "items": lines,
        "billing_address": billing,
        "status_histories": [],
        "payment": {
            "entity_id": entity_id,
            "parent_id": entity_id,
            "method": method,
            "additional_information": [METHOD_TITLES.get(method, method), ""],
            "amount_ordered": num(grand),
            "base_amount_ordered": num(grand),
            "amount_paid": 0,
            "base_amount_paid": 0,
            "shipping_amount": num(freight["shipping_amount"]),
            "base_shipping_amount": num(freight["shipping_amount"]),
        },
        "extension_attributes": {
            "shipping_assignments": [
                {
                    "shipping": {
                        "address": shipping_address,
                        "method": spec.get("shipping_method", "flatrate_flatrate"),
                        "total": {},
                    },
                    "items": [],
                }
            ],
            "payment_additional_info": [
                {"key": "method_title", "value": METHOD_TITLES.get(method, method)}
            ],
        },
    }
    if customer.get("id"):
        order["customer_id"] = int(customer["id"])
    set_order_fee(shop, entity_id, fee)
    set_amounts(order, amounts)
    return order


def set_amounts(order: dict[str, Any], amounts: dict[str, Decimal]) -> None:
    """Write ``amounts`` and their ``base_*`` twins onto ``order`` as JSON numbers."""
    for key, value in amounts.items():
        order[key] = num(value)
        order[base_key(key)] = num(value)
    order["extension_attributes"]["shipping_assignments"][0]["shipping"]["total"] = {
        key: order[key]
        for key in (
            "shipping_amount",
            "base_shipping_amount",
            "shipping_incl_tax",
            "base_shipping_incl_tax",
            "shipping_tax_amount",
            "base_shipping_tax_amount",
            "shipping_invoiced",
            "base_shipping_invoiced",
        )
    }
