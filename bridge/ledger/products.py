"""Product state: the fingerprint of the core data last applied per SKU (issue: products)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bridge.ledger.core import Ledger

__all__ = ["ProductStateStore"]


class ProductStateStore:
    """Placeholder until the products flow lands."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
