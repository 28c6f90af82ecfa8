"""Units of quantities in the ERP's documents (UN/ECE Recommendation 20 codes).

Magento counts order items in pieces, or, for an item with a decimal quantity
(``is_qty_decimal``), in the product's own unit. A despatch line in pieces ships that
many; a line in another unit (``KGM``) ships its number as the order item's quantity,
which only an item with a decimal quantity takes (SPEC §7).
"""

from __future__ import annotations

__all__ = ["PIECE_UNITS", "is_pieces"]

PIECE_UNITS = frozenset({"C62", "EA", "H87", "PCE", "PCS", "NAR"})
"""UN/ECE Rec 20 codes (and their common aliases) that mean "pieces"."""


def is_pieces(unit: str | None) -> bool:
    """True when ``unit`` is absent or one of the codes for pieces."""
    return unit is None or unit.strip().upper() in PIECE_UNITS
