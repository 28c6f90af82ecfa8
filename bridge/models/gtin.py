"""GTINs as item ids: a line that names its item only by a GTIN (SPEC §7).

Despatch advices and inventory reports may identify an item by its GTIN alone. The
layouts then write the canonical ``sku`` as a *GTIN reference*, ``gtin:`` followed by
the GTIN-14 (``gtin:07311100000047``), and the shipments and stock flows replace it by
the SKU whose EAN attribute holds that GTIN (a Magento search, remembered in the
ledger). GTINs are compared as GTIN-14: an EAN-13 ``7311100000047`` and the GTIN-14
``07311100000047`` are the same item.
"""

from __future__ import annotations

__all__ = [
    "GTIN_PREFIX",
    "gtin14",
    "gtin_forms",
    "gtin_reference",
    "referenced_gtin",
]

GTIN_PREFIX = "gtin:"
_LENGTHS = (8, 12, 13, 14)


def gtin14(code: str) -> str | None:
    """A GTIN-8/12/13/14 as its GTIN-14 (zero-padded), or None if it is not one.

    The check digit is not verified: GTINs are only compared with the EAN attribute,
    and a wrong one simply matches no product (Peppol's own examples carry some).

    Args:
        code: The identifier as written (blanks around it are ignored).

    Returns:
        The 14 digits, or None when the code has another length or holds other
        characters than digits.
    """
    value = code.strip()
    if not value.isascii() or not value.isdigit() or len(value) not in _LENGTHS:
        return None
    return value.zfill(14)


def gtin_forms(gtin: str) -> list[str]:
    """Every way the same GTIN-14 may be stored in an EAN attribute (14, 13, 12, 8).

    ``07311100000047`` may be stored as itself or as ``7311100000047``; a form is
    only listed where the digits it drops are zeros.
    """
    return [gtin[14 - n :] for n in (14, 13, 12, 8) if set(gtin[: 14 - n]) <= {"0"}]


def gtin_reference(gtin: str) -> str:
    """The canonical ``sku`` of a line known only by ``gtin`` (a GTIN-14)."""
    return f"{GTIN_PREFIX}{gtin}"


def referenced_gtin(sku: str) -> str | None:
    """The GTIN-14 a canonical ``sku`` refers to, or None for an ordinary SKU."""
    if not sku.startswith(GTIN_PREFIX):
        return None
    return gtin14(sku.removeprefix(GTIN_PREFIX))
