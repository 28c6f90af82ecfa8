"""Files and per-record outcomes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bridge.ledger.core import Ledger

__all__ = ["FileStore"]


class FileStore:
    """Placeholder until the pipeline lands."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
