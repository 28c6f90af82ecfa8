"""Pydantic records at every boundary: ERP input, Magento responses, export records."""

from __future__ import annotations

from bridge.models.erp import (
    ErpProduct,
    ErpRecord,
    ErpShipment,
    ErpShipmentLine,
    ErpStockLevel,
    ErpTrack,
    Kind,
    ParsedRecord,
)

__all__ = [
    "ErpProduct",
    "ErpRecord",
    "ErpShipment",
    "ErpShipmentLine",
    "ErpStockLevel",
    "ErpTrack",
    "Kind",
    "ParsedRecord",
]
