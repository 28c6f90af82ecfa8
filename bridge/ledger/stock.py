"""Stock state: last applied qty per SKU and source, with its as-of time."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bridge.ledger.core import Ledger

__all__ = ["StockStateStore"]


class StockStateStore:
    """Placeholder until the stock flow lands."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
