"""What Magento's invoice for one delivery will come to, before it is posted.

``shipments.on_amount_mismatch = "hold"`` must not capture while the ERP's
``invoice_amount`` and Magento's invoice differ, so the amount is needed before the
invoice exists. It is predicted from the order the way Magento's invoice total
collectors share an order out (``Sales/Model/Order/Invoice/Total/{Subtotal,
Discount,Tax,Shipping}``): each line's row total, discount, tax and discount tax
compensation are ``left * qty / (ordered - invoiced)`` (the line's last quantity
takes all that is left), the whole freight with its tax, its discount and that
discount's tax compensation goes on the first invoice that takes freight, and a fee
module's fee (``orders.invoice_fee``) on the first invoice that carries one.

Magento rounds the shares with one delta-rounding calculator per invoice, this
prediction each share on its own, so a part invoice can differ by a cent: keep
``shipments.amount_tolerance`` at 0.01 or more. Pure: no I/O (S2.3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bridge.mapping.shipments import ShipItem, invoice_amounts

__all__ = ["expected_invoice_total"]

_CENT = Decimal("0.01")
_CANCELED = 3  # Sales\Model\Order\Invoice::STATE_CANCELED
# (order item amount, its invoiced part, sign in the grand total)
_LINE_AMOUNTS = (
    ("row_total", "row_invoiced", 1),
    ("tax_amount", "tax_invoiced", 1),
    ("discount_tax_compensation_amount", "discount_tax_compensation_invoiced", 1),
    ("discount_amount", "discount_invoiced", -1),
)
_FREIGHT = (
    ("shipping_amount", 1),
    ("shipping_tax_amount", 1),
    ("shipping_discount_tax_compensation_amount", 1),
    ("shipping_discount_amount", -1),
)


def _dec(value: Any) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    return Decimal(str(value))


def _line_share(item: Mapping[str, Any], qty: Decimal) -> Decimal:
    """One order line's part of the invoice for ``qty`` units."""
    left = _dec(item.get("qty_ordered")) - _dec(item.get("qty_invoiced"))
    if left <= 0:
        return Decimal(0)
    total = Decimal(0)
    for amount, done, sign in _LINE_AMOUNTS:
        rest = _dec(item.get(amount)) - _dec(item.get(done))
        share = rest if qty >= left else rest * qty / left
        total += sign * share.quantize(_CENT, ROUND_HALF_UP)
    return total


def expected_invoice_total(
    order: Mapping[str, Any],
    items: Sequence[ShipItem],
    earlier: Sequence[Mapping[str, Any]],
    fee_mode: str = "derived",
) -> Decimal:
    """Predict the grand total of the invoice Magento makes for ``items``.

    Args:
        order: The Magento order (``GET /V1/orders/{id}``) as it is now.
        items: The order items and quantities the invoice will hold.
        earlier: The order's invoices so far (canceled ones are left out).
        fee_mode: ``orders.invoice_fee`` (see ``invoice_amounts``).

    Returns:
        The grand total, rounded to cents.
    """
    by_id = {i.get("item_id"): i for i in order.get("items") or []}
    total = Decimal(0)
    for entry in items:
        item = by_id.get(entry.order_item_id)
        if item is not None:
            total += _line_share(item, entry.qty)
    live = [i for i in earlier if int(_dec(i.get("state"))) != _CANCELED]
    prior = [invoice_amounts(i, fee_mode) for i in live]
    if not any(p.shipping_amount for p in prior):
        total += sum((sign * _dec(order.get(k)) for k, sign in _FREIGHT), Decimal(0))
    if not any(p.fee for p in prior):
        total += invoice_amounts(order, fee_mode).fee
    return total.quantize(_CENT, ROUND_HALF_UP)
