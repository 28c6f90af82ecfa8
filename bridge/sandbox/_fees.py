"""The invoice fee as Svea WebPay's Magento 2 module stores it, and delta rounding.

Fee: modelled on ``sveawebpay/magento2-module`` (``Webbhuset_SveaWebpay``). Its quote
total ``Model/Total/HandlingFee`` writes ``handling_fee_amount`` /
``base_handling_fee_amount`` columns onto the order; the invoice total
``Model/Total/Invoice/HandlingFee`` (``etc/sales.xml``, sort order 160) puts the
whole fee on the first invoice that no earlier non-canceled invoice with a fee
precedes, adding it to the grand total, tax-free. Its only extension attribute is
``handling_fee_incl_tax`` on the *quote's* ``TotalSegmentInterface``
(``etc/extension_attributes.xml``): the REST order and invoice (serialised from
``OrderInterface`` / ``InvoiceInterface`` getters plus declared extension attributes)
show the fee nowhere but inside ``grand_total``. The sandbox keeps the columns out of
the documents for the same reason, so a client must derive the fee
(``grand_total - subtotal - shipping - tax - discount``).

Rounding: ``Sales/Model/Order/Invoice::roundPrice`` keeps one
``Framework/Math/Calculator`` per type and invoice; ``deltaRound`` carries the
rounding remainder from one amount to the next, flipping its sign for negative
amounts (discounts). Row totals (``Invoice/Item::calcRowTotal``), discounts
(``Invoice/Total/Discount``) and taxes (``Invoice/Total/Tax``) all use the
``regular`` calculator, in that order (the collectors' sort order), so a cent
rounded up on one line's row total is taken back on a later amount.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bridge.sandbox._money import ZERO, cents, dec, num
from bridge.sandbox._state import Shop


class DeltaRounder:
    """``Framework/Math/Calculator::deltaRound``: round to cents, carry the rest."""

    def __init__(self) -> None:
        """Start with no remainder."""
        self.delta = ZERO

    def round(self, price: Decimal, *, negative: bool = False) -> Decimal:
        """Round ``price`` plus the carried delta; zero passes untouched."""
        if not price:
            return price
        if negative:
            self.delta = -self.delta
        price += self.delta
        rounded = cents(price)
        self.delta = price - rounded
        if negative:
            self.delta = -self.delta
        return rounded


def set_order_fee(shop: Shop, order_id: int, fee: Decimal) -> None:
    """Store the order's ``handling_fee_amount`` column (not part of the REST order)."""
    shop.data.setdefault("handling_fees", {})[str(order_id)] = num(fee)


def order_fee(shop: Shop, order_id: int) -> Decimal:
    """The order's ``handling_fee_amount`` (0 without a fee)."""
    return dec(shop.data.get("handling_fees", {}).get(str(order_id)))


def invoice_fee(shop: Shop, invoice_id: int) -> Decimal:
    """An invoice's ``handling_fee_amount`` (0 without a fee)."""
    return dec(shop.data.get("invoice_handling_fees", {}).get(str(invoice_id)))


def fee_for_invoice(
    shop: Shop, order: dict[str, Any], earlier: list[dict[str, Any]]
) -> Decimal:
    """``Invoice/HandlingFee::collect``: the whole fee unless an earlier invoice had it."""
    fee = order_fee(shop, order["entity_id"])
    if not fee or any(invoice_fee(shop, inv["entity_id"]) for inv in earlier):
        return ZERO
    return fee


def book_invoice_fee(shop: Shop, invoice_id: int, fee: Decimal) -> None:
    """Store the invoice's ``handling_fee_amount`` column."""
    shop.data.setdefault("invoice_handling_fees", {})[str(invoice_id)] = num(fee)
