"""Decimal money helpers for the sandbox: half-up rounding to cents, JSON floats out.

Magento stores amounts as DECIMAL(20,4) and rounds prices to cents with
``PriceCurrency::round`` (half-up); the sandbox keeps amounts as JSON numbers in its
state and does every calculation in :class:`~decimal.Decimal`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0")


def dec(value: Any) -> Decimal:
    """Return ``value`` (number, numeric string or None) as a Decimal; None is zero.

    Args:
        value: The JSON value to convert.

    Returns:
        The exact decimal value (floats go through ``str`` to avoid binary noise).
    """
    if value is None or value == "":
        return ZERO
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def cents(value: Decimal) -> Decimal:
    """Round to cents, half-up, as Magento's price rounding does."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def num(value: Decimal) -> float | int:
    """Return a JSON number for ``value``: an int when whole, else a float."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def base_key(key: str) -> str:
    """The ``base_*`` twin of an amount field, with Magento's one truncated name."""
    if key == "shipping_discount_tax_compensation_amount":
        return "base_shipping_discount_tax_compensation_amnt"  # sic, the column name
    return f"base_{key}"
