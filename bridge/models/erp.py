"""Inbound ERP records, validated at the boundary (S3.3: frozen, extra="forbid").

The XSDs in ``schemas/`` are the contract for the wire format; these models are what the
flows work with after a record has passed its XSD check. ``ParsedRecord`` wraps a model
with where it came from, so any later rejection can name the line and be written back to
a rejects file in the input's own format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from bridge.kinds import Kind

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


class _Erp(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ErpProduct(_Erp):
    """A product's core data as the ERP owns it."""

    sku: str
    name: str
    price: Decimal
    ean: str | None = None
    short_description: str | None = None
    description: str | None = None
    qty: Decimal | None = None


class ErpStockLevel(_Erp):
    """One SKU's quantity at one source."""

    sku: str
    qty: Decimal
    source: str | None = None
    updated_at: datetime | None = None


class ErpShipmentLine(_Erp):
    """One shipped SKU and quantity; ``unit`` is set only when it is not pieces."""

    sku: str
    qty: Decimal
    unit: str | None = None


class ErpTrack(_Erp):
    """One tracking number of a shipment."""

    number: str
    carrier_code: str = "custom"
    title: str | None = None


class ErpShipment(_Erp):
    """One ERP delivery note: becomes one Magento shipment and one invoice."""

    shipment_id: str
    order_number: str
    lines: tuple[ErpShipmentLine, ...]
    tracks: tuple[ErpTrack, ...] = ()
    shipped_at: datetime | None = None
    invoice_amount: Decimal | None = None
    currency: str | None = None


ErpRecord = ErpProduct | ErpStockLevel | ErpShipment


@dataclass(frozen=True)
class ParsedRecord:
    """A validated record plus its origin in the file.

    Attributes:
        index: 0-based position of the record in the file.
        line: 1-based line where the record starts.
        key: The business key (SKU, or "SKU@source" for stock, shipment id).
        model: The validated ERP model.
        raw: The record as it was in the file, for rejects files: the element's
            serialized bytes for XML, or the list of CSV rows (header order) for CSV.
    """

    index: int
    line: int
    key: str
    model: ErpRecord
    raw: bytes | tuple[tuple[str, ...], ...] = field(repr=False, default=b"")
