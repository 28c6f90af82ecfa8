"""Inbound ERP records, validated at the boundary (S3.3: frozen, extra="forbid").

The XSDs in ``schemas/`` are the contract for the wire format; these models are what the
flows work with after a record has passed its XSD check. ``ParsedRecord`` wraps a model
with where it came from, so any later rejection can name the line and be written back to
a rejects file in the input's own format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import FrozenInstanceError
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
    "RawForm",
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


RawForm = bytes | tuple[tuple[str, ...], ...]
"""A record as it was in the file: element bytes (XML) or its rows (CSV)."""


class ParsedRecord:
    """A validated record plus its origin in the file.

    Immutable, like the models it carries. The raw form may be given as a function
    that makes it: readers pass one, so a record's raw form is only built if the
    record is ever refused (and then once).

    Attributes:
        index: 0-based position of the record in the file.
        line: 1-based line where the record starts.
        key: The business key (SKU, or "SKU@source" for stock, shipment id).
        model: The validated ERP model.
        raw: The record as it was in the file, for rejects files: the element's
            serialized bytes for XML, or the list of CSV rows (header order) for CSV.
    """

    __slots__ = ("_raw", "index", "key", "line", "model")
    index: int
    line: int
    key: str
    model: ErpRecord
    _raw: RawForm | Callable[[], RawForm]

    def __init__(
        self,
        index: int,
        line: int,
        key: str,
        model: ErpRecord,
        raw: RawForm | Callable[[], RawForm] = b"",
    ) -> None:
        """Wrap ``model``; ``raw`` is its raw form or a function that makes it."""
        setter = object.__setattr__
        setter(self, "index", index)
        setter(self, "line", line)
        setter(self, "key", key)
        setter(self, "model", model)
        setter(self, "_raw", raw)

    @property
    def raw(self) -> RawForm:
        """The record as it was in the file (made on first use, then kept)."""
        raw = self._raw
        if callable(raw):
            raw = raw()
            object.__setattr__(self, "_raw", raw)
        return raw

    def with_model(self, key: str, model: ErpRecord) -> ParsedRecord:
        """The same record (origin and raw form) with another key and model."""
        return ParsedRecord(self.index, self.line, key, model, self._raw)

    def __setattr__(self, name: str, value: object) -> None:
        """Refuse changes: a parsed record is immutable."""
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        """Refuse changes: a parsed record is immutable."""
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def _fields(self) -> tuple[int, int, str, ErpRecord, RawForm]:
        return (self.index, self.line, self.key, self.model, self.raw)

    def __eq__(self, other: object) -> bool:
        """Equal when every field, the raw form included, is equal."""
        if not isinstance(other, ParsedRecord):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        """Hash of every field, like a frozen dataclass."""
        return hash(self._fields())

    def __repr__(self) -> str:
        """Fields but the raw form."""
        return (
            f"ParsedRecord(index={self.index!r}, line={self.line!r}, "
            f"key={self.key!r}, model={self.model!r})"
        )
