"""Order exports: which Magento order went out in which file, and the cursor."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bridge.ledger.core import Ledger

__all__ = ["OrderExportStore"]


class OrderExportStore:
    """Placeholder until the order export flow lands."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
