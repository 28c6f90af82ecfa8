"""``POST /V1/order/{orderId}/invoice``, invoice reads and payment transactions.

Totals split as Magento's invoice total collectors do: the whole shipping amount
and shipping tax go on the first non-canceled invoice without shipping
(``Sales/Model/Order/Invoice/Total/Shipping``), the invoice fee likewise as Svea
WebPay's ``Invoice/HandlingFee`` does (:mod:`bridge.sandbox._fees`); each line's row
total, discount and tax are ``left * qty / (ordered - invoiced)`` through one delta
rounder per invoice (``Invoice::roundPrice``), and the invoice that takes a line's
last quantity takes its remainder (``Invoice/Item::isLast``). Over-quantity is
refused by ``InvoiceService::setInvoiceItemQuantity``. ``capture: true`` on an online
payment method records a capture transaction (``Sales/Model/Order/Payment::capture``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bridge.sandbox._documents import (
    INVOICE,
    choose,
    comment_entries,
    document_item,
    list_documents,
    notify,
    refuse,
)
from bridge.sandbox._fees import DeltaRounder, book_invoice_fee, fee_for_invoice
from bridge.sandbox._money import ZERO, base_key, dec, num
from bridge.sandbox._order_build import OFFLINE_METHODS
from bridge.sandbox._orders import can_do, is_dummy, recompute_state, remaining
from bridge.sandbox._router import Request, Router
from bridge.sandbox._search import parse, search
from bridge.sandbox._state import Shop

router = Router()
INVOICES = "Magento_Sales::sales_invoice"
BLOCKED_STATES = ("payment_review", "holded", "canceled", "complete", "closed")
ITEM_TYPE = "\\Magento\\Sales\\Api\\Data\\InvoiceItemCreationInterface"
STATE_PAID = 2
STATE_CANCELED = 3


def _order_errors(order: dict[str, Any]) -> list[str]:
    if order["state"] in BLOCKED_STATES:
        return [
            "An invoice cannot be created when an order has a status of "
            f"{order['status']}"
        ]
    if not can_do(order, "qty_invoiced"):
        return ["The order does not allow an invoice to be created."]
    return []


def _amounts(
    lines: list[tuple[dict[str, Any], Decimal]],
) -> list[dict[str, Decimal]]:
    """Row total, discount and tax of each invoiced line, rounded as Magento does.

    A line that takes its last quantity (``Invoice/Item::isLast``) takes what is left
    of each amount; the others take ``left * qty / (ordered - invoiced)`` through one
    delta rounder per invoice, row totals first, then discounts, then taxes (the
    collectors' order), and row totals incl. tax through their own rounder.
    """
    regular, including = DeltaRounder(), DeltaRounder()
    parts: list[dict[str, Decimal]] = [{} for _ in lines]
    # Subtotal collector, then Discount, then Tax (tax and compensation per item).
    steps = (
        (("row", "row_total", "row_invoiced", False),),
        (("discount", "discount_amount", "discount_invoiced", True),),
        (
            ("tax", "tax_amount", "tax_invoiced", False),
            (
                "comp",
                "discount_tax_compensation_amount",
                "discount_tax_compensation_invoiced",
                False,
            ),
        ),
    )
    for collector in steps:
        for (line, qty), part in zip(lines, parts, strict=True):
            for key, total, done, negative in collector:
                rest = dec(line.get(total)) - dec(line.get(done))
                available = dec(line["qty_ordered"]) - dec(line["qty_invoiced"])
                if qty >= remaining(line, "qty_invoiced"):
                    part[key] = rest
                else:
                    part[key] = regular.round(rest * qty / available, negative=negative)
    for (line, qty), part in zip(lines, parts, strict=True):
        incl = dec(line["row_total_incl_tax"]) / dec(line["qty_ordered"]) * qty
        part["incl"] = including.round(incl)
    return parts


def _invoice_item(
    shop: Shop,
    invoice_id: int,
    line: dict[str, Any],
    qty: Decimal,
    part: dict[str, Decimal],
) -> dict[str, Any]:
    for key, value in (
        ("row_invoiced", part["row"]),
        ("tax_invoiced", part["tax"]),
        ("discount_invoiced", part["discount"]),
        ("discount_tax_compensation_invoiced", part["comp"]),
    ):
        line[key] = line[f"base_{key}"] = num(dec(line.get(key)) + value)
    line["qty_invoiced"] = num(dec(line["qty_invoiced"]) + qty)
    item = document_item(shop, "invoice_item", invoice_id, line, qty)
    item |= {
        "price": line["price"],
        "price_incl_tax": line["price_incl_tax"],
        "row_total": num(part["row"]),
        "row_total_incl_tax": num(part["incl"]),
        "tax_amount": num(part["tax"]),
        "discount_amount": num(part["discount"]),
        "discount_tax_compensation_amount": num(part["comp"]),
    }
    for key in (
        "price",
        "price_incl_tax",
        "row_total",
        "row_total_incl_tax",
        "tax_amount",
        "discount_amount",
        "discount_tax_compensation_amount",
    ):
        item[f"base_{key}"] = item[key]
    return item


def _child_items(
    shop: Shop, order: dict[str, Any], invoice_id: int, parents: dict[int, Decimal]
) -> list[dict[str, Any]]:
    """Dummy children follow their invoiced parent's quantity with zero amounts.

    A configurable's child takes the parent's quantity, a fixed-price bundle's
    selection ``selection qty x`` it (``InvoiceService::prepareItemsQty``).
    """
    items = []
    for line in order["items"]:
        qty = parents.get(line.get("parent_item_id") or -1)
        if qty is None or not is_dummy(order, line, shipment=False):
            continue
        qty *= dec((line.get("_bundle") or {}).get("selection_qty") or 1)
        line["qty_invoiced"] = num(dec(line["qty_invoiced"]) + qty)
        items.append(
            document_item(shop, "invoice_item", invoice_id, line, qty)
            | {
                "price": 0,
                "row_total": 0,
                "tax_amount": 0,
                "discount_amount": 0,
            }
        )
    return items


def _earlier(shop: Shop, order_id: int) -> list[dict[str, Any]]:
    return [
        inv
        for inv in shop.data["invoices"].values()
        if inv["order_id"] == order_id and inv["state"] != STATE_CANCELED
    ]


@router.add("POST", "/V1/order/{orderId}/invoice", INVOICES)
def invoice(shop: Shop, req: Request, orderId: str) -> int:  # noqa: N803
    """Create a paid invoice for the requested or all remaining items; answer its id."""
    order = shop.order(orderId)
    body = req.body if isinstance(req.body, dict) else {}
    chosen = choose(shop, order, body, INVOICE, ITEM_TYPE, _order_errors(order))
    refuse(INVOICE, chosen.errors)
    earlier = _earlier(shop, order["entity_id"])
    invoice_id = shop.next_id("invoice")
    parts = _amounts(chosen.lines)
    items = [
        _invoice_item(shop, invoice_id, line, qty, part)
        for (line, qty), part in zip(chosen.lines, parts, strict=True)
    ]
    items += _child_items(
        shop, order, invoice_id, {ln["item_id"]: q for ln, q in chosen.lines}
    )
    takes_shipping = not any(dec(inv["shipping_amount"]) for inv in earlier)
    fee = fee_for_invoice(shop, order, earlier)
    book_invoice_fee(shop, invoice_id, fee)
    doc = _totals(order, items, takes_shipping, fee)
    doc.update(
        {
            "entity_id": invoice_id,
            "increment_id": f"{invoice_id:09d}",
            "order_id": order["entity_id"],
            "store_id": order["store_id"],
            "state": STATE_PAID,
            "billing_address_id": order["billing_address_id"],
            "order_currency_code": order["order_currency_code"],
            "base_currency_code": order["base_currency_code"],
            "created_at": shop.now(),
            "updated_at": shop.now(),
            "items": items,
            "comments": comment_entries(shop, invoice_id, body),
            "email_sent": int(bool(body.get("notify"))),
        }
    )
    _pay(shop, order, doc, capture=bool(body.get("capture")))
    shop.data["invoices"][str(invoice_id)] = doc
    _book(order, doc)
    recompute_state(order, shop.now())
    notify(shop, order, "invoice", invoice_id, body)
    return invoice_id


def _totals(
    order: dict[str, Any],
    items: list[dict[str, Any]],
    takes_shipping: bool,
    fee: Decimal,
) -> dict[str, Any]:
    subtotal = sum((dec(i["row_total"]) for i in items), ZERO)
    incl = sum((dec(i.get("row_total_incl_tax")) for i in items), ZERO)
    tax = sum((dec(i["tax_amount"]) for i in items), ZERO)
    comp = sum((dec(i.get("discount_tax_compensation_amount")) for i in items), ZERO)
    discount = -sum((dec(i["discount_amount"]) for i in items), ZERO)
    freight = {
        key: dec(order.get(key)) if takes_shipping else ZERO
        for key in (
            "shipping_amount",
            "shipping_tax_amount",
            "shipping_incl_tax",
            "shipping_discount_tax_compensation_amount",
        )
    }
    # Invoice/Total/Discount adds the order's shipping discount to the invoice that
    # takes the shipping.
    if takes_shipping:
        discount -= dec(order.get("shipping_discount_amount"))
    amounts = {
        "subtotal": subtotal,
        "subtotal_incl_tax": incl,
        **freight,
        "tax_amount": tax + freight["shipping_tax_amount"],
        "discount_tax_compensation_amount": comp,
        "discount_amount": discount,
        "grand_total": subtotal
        + tax
        + comp
        + discount
        + fee
        + freight["shipping_amount"]
        + freight["shipping_tax_amount"]
        + freight["shipping_discount_tax_compensation_amount"],
    }
    doc: dict[str, Any] = {
        "total_qty": num(sum((dec(i["qty"]) for i in items if i.get("price")), ZERO))
    }
    for key, value in amounts.items():
        doc[key] = doc[base_key(key)] = num(value)
    return doc


def _pay(
    shop: Shop, order: dict[str, Any], doc: dict[str, Any], *, capture: bool
) -> None:
    """Mark paid; capture on an online method records a transaction (M5)."""
    payment = order["payment"]
    amount = dec(doc["grand_total"])
    for key in ("amount_paid", "base_amount_paid"):
        payment[key] = num(dec(payment.get(key)) + amount)
    if not capture or payment["method"] in OFFLINE_METHODS:
        return
    txn_id = f"{order['increment_id']}-capture-{doc['entity_id']}"
    transaction_id = shop.next_id("transaction")
    shop.data["transactions"][str(transaction_id)] = {
        "transaction_id": transaction_id,
        "order_id": order["entity_id"],
        "payment_id": payment["entity_id"],
        "txn_id": txn_id,
        "parent_txn_id": None,
        "txn_type": "capture",
        "is_closed": 1,
        "additional_information": [],
        "created_at": shop.now(),
        "child_transactions": [],
    }
    doc["transaction_id"] = txn_id
    payment["last_trans_id"] = txn_id


def _book(order: dict[str, Any], doc: dict[str, Any]) -> None:
    """Add the invoice's amounts to the order's ``*_invoiced`` and paid totals."""
    pairs = (
        ("subtotal_invoiced", "subtotal"),
        ("tax_invoiced", "tax_amount"),
        ("shipping_invoiced", "shipping_amount"),
        ("discount_invoiced", "discount_amount"),
        ("total_invoiced", "grand_total"),
        ("total_paid", "grand_total"),
    )
    for target, source in pairs:
        value = num(dec(order.get(target)) + dec(doc[source]))
        order[target] = order[f"base_{target}"] = value
    order["total_due"] = order["base_total_due"] = num(
        dec(order["grand_total"]) - dec(order["total_paid"])
    )
    total = order["extension_attributes"]["shipping_assignments"][0]["shipping"][
        "total"
    ]
    total["shipping_invoiced"] = total["base_shipping_invoiced"] = order[
        "shipping_invoiced"
    ]


@router.add("GET", "/V1/invoices/{id}", INVOICES)
def get_invoice(shop: Shop, req: Request, id: str) -> dict[str, Any]:
    """GET /V1/invoices/{id}."""
    return shop.entity("invoices", id)


@router.add("GET", "/V1/invoices", INVOICES)
def list_invoices(shop: Shop, req: Request) -> dict[str, Any]:
    """GET /V1/invoices?searchCriteria...."""
    return list_documents(shop, "invoices", req.query)


@router.add("GET", "/V1/transactions", "Magento_Sales::transactions")
def list_transactions(shop: Shop, req: Request) -> dict[str, Any]:
    """GET /V1/transactions?searchCriteria...."""
    rows = [(dict(t), t) for t in shop.data["transactions"].values()]
    return search(rows, parse(req.query, input_limit=shop.input_limit))
