"""Shipment steps: each ERP shipment's Magento shipment and invoice ids."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bridge.ledger.core import Ledger

__all__ = ["ShipmentStore"]


class ShipmentStore:
    """Placeholder until the shipments flow lands."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
