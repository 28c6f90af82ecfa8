"""Decimal → JSON number: the one rule for quantities and amounts sent as JSON.

Magento's own tests send whole quantities as integers, so a whole decimal becomes an
``int`` and any other one a ``float`` (``2.0`` → ``2``, ``7.5`` → ``7.5``).
"""

from __future__ import annotations

from decimal import Decimal

__all__ = ["json_number"]


def json_number(value: Decimal) -> int | float:
    """Return ``value`` as a JSON number: an int when whole, else a float.

    Args:
        value: A finite decimal.

    Returns:
        ``int(value)`` when it has no fractional part, else ``float(value)``.
    """
    return int(value) if value == value.to_integral_value() else float(value)
