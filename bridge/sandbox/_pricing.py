"""Line and shipping amounts of a placed order, under the shop's two tax set-ups.

Excluding tax (Magento's default): the price is net, the discount is taken before
tax (``tax/calculation/apply_after_discount``), and each row's tax is
``round((row_total - discount) * rate)``.

Including tax (``"prices_include_tax": true`` in the order spec, as
``tax/calculation/price_includes_tax`` and ``shipping_includes_tax`` set it, with the
discount applied to prices including tax): the row's gross amount is fixed, the
net row total is ``gross - round(gross * rate / (100 + rate))`` and the tax is
taken from the discounted gross. The tax the discount removed is kept as
``discount_tax_compensation_amount`` (``shipping_discount_tax_compensation_amount``
for the freight), so ``subtotal + shipping + tax + compensations + discount`` is
still the grand total (``Tax/Model/Sales/Total/Quote/CommonTaxCollector``,
``Tax/Model/Calculation/TotalBaseCalculator``).

A cart rule that also discounts shipping (``"shipping_discount_amount"``) lowers the
freight's taxable amount and is part of the order's ``discount_amount``
(``SalesRule/Model/Quote/Discount``, ``SalesRule/Model/Validator::processShippingAmount``).
Shipping is taxed at the highest item rate.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bridge.sandbox._money import ZERO, cents, dec


def _tax_in(gross: Decimal, rate: Decimal) -> Decimal:
    """The tax contained in a gross amount: ``round(gross * rate / (100 + rate))``."""
    return cents(gross * rate / (100 + rate))


def line_amounts(
    item: dict[str, Any], discount: Decimal, *, incl: bool
) -> dict[str, Decimal]:
    """Price, row totals, tax and compensation of one ordered line.

    Args:
        item: The spec's item (``qty``, ``price``, ``tax_percent``).
        discount: The line's share of the order discount (positive).
        incl: Whether ``price`` includes tax.

    Returns:
        ``price``, ``price_incl``, ``row``, ``row_incl``, ``tax``, ``comp``.
    """
    qty, given, rate = (
        dec(item["qty"]),
        cents(dec(item["price"])),
        dec(item.get("tax_percent")),
    )
    if incl:
        row_incl = cents(given * qty)
        full_tax = _tax_in(row_incl, rate)
        tax = _tax_in(row_incl - discount, rate)
        return {
            "price": cents(given * 100 / (100 + rate)),
            "price_incl": given,
            "row": row_incl - full_tax,
            "row_incl": row_incl,
            "tax": tax,
            "comp": full_tax - tax,
        }
    row = cents(given * qty)
    return {
        "price": given,
        "price_incl": cents(given * (1 + rate / 100)),
        "row": row,
        "row_incl": cents(row * (1 + rate / 100)),
        "tax": cents((row - discount) * rate / 100),
        "comp": ZERO,
    }


def shipping_amounts(spec: dict[str, Any], rate: Decimal) -> dict[str, Decimal]:
    """The order's freight amounts from the spec at tax ``rate``.

    Returns:
        ``shipping_amount``, ``shipping_tax_amount``, ``shipping_incl_tax``,
        ``shipping_discount_amount``, ``shipping_discount_tax_compensation_amount``.
    """
    given = cents(dec(spec.get("shipping_amount")))
    discount = cents(abs(dec(spec.get("shipping_discount_amount"))))
    if spec.get("prices_include_tax"):
        full_tax = _tax_in(given, rate)
        tax = _tax_in(given - discount, rate)
        net, incl, comp = given - full_tax, given, full_tax - tax
    else:
        tax = cents((given - discount) * rate / 100)
        net, incl, comp = given, given + cents(given * rate / 100), ZERO
    return {
        "shipping_amount": net,
        "shipping_tax_amount": tax,
        "shipping_incl_tax": incl,
        "shipping_discount_amount": discount,
        "shipping_discount_tax_compensation_amount": comp,
    }
