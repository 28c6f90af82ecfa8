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
from bridge.models.status import (
    CommentState,
    FileStatus,
    ProductAction,
    RecordOutcome,
    RemoteFileStatus,
    StepState,
)

__all__ = [
    "CommentState",
    "ErpProduct",
    "ErpRecord",
    "ErpShipment",
    "ErpShipmentLine",
    "ErpStockLevel",
    "ErpTrack",
    "FileStatus",
    "Kind",
    "ParsedRecord",
    "ProductAction",
    "RecordOutcome",
    "RemoteFileStatus",
    "StepState",
]
