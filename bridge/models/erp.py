"""Inbound ERP records, built after the XSD has checked them (S3.3: frozen, no extras).

The XSDs in ``schemas/`` are the contract for the wire format, and the one validator of
inbound data; these records are what the flows work with after a record has passed its
XSD check. ``ParsedRecord`` wraps a record with where it came from, so any later
rejection can name the line and be written back to a rejects file in the input's own
format.

Products and stock come by the million (issue 17), so they and ``ParsedRecord`` are
msgspec ``Struct`` objects: frozen, outside the cycle collector, and built in a tenth of
a microsecond from values the readers have already checked and converted, where a
pydantic model costs microseconds. They offer the few pydantic methods used on any
record (``model_copy``, ``model_dump``, ``model_dump_json``, ``model_validate``,
``model_validate_json``), so a flow handles a record alike whatever its kind. Shipments
(nested lines and tracks, a few per file, read by libxml2) stay pydantic models.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Self

import msgspec
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

_JSON = msgspec.json.Encoder()


class _Flat(msgspec.Struct, frozen=True, gc=False, forbid_unknown_fields=True):
    """A flat ERP record: frozen, its fields given by name, no other field accepted."""

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> Self:
        """The same record with the fields in ``update`` replaced (not validated)."""
        return msgspec.structs.replace(self, **update) if update else self

    def model_dump(self) -> dict[str, Any]:
        """The fields as a dict of their Python values."""
        return msgspec.structs.asdict(self)

    def model_dump_json(self) -> str:
        """The fields as JSON (decimals as strings, time stamps in RFC 3339)."""
        return _JSON.encode(self).decode()

    @classmethod
    def model_validate(cls, data: Mapping[str, Any]) -> Self:
        """Build a record from a dict of its fields, converting text where needed.

        Raises:
            msgspec.ValidationError: A field is missing, unknown or of a wrong type.
        """
        return msgspec.convert(data, type=cls, strict=False)

    @classmethod
    def model_validate_json(cls, data: str | bytes) -> Self:
        """Read a record back from ``model_dump_json``'s JSON.

        Raises:
            msgspec.ValidationError: The JSON is not such a record.
        """
        return msgspec.json.decode(data, type=cls)


class ErpProduct(_Flat, frozen=True, gc=False):
    """A product's core data as the ERP owns it."""

    sku: str
    name: str
    price: Decimal
    ean: str | None = None
    short_description: str | None = None
    description: str | None = None
    qty: Decimal | None = None


class ErpStockLevel(_Flat, frozen=True, gc=False):
    """One SKU's quantity at one source."""

    sku: str
    qty: Decimal
    source: str | None = None
    updated_at: datetime | None = None


class _Erp(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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


class ParsedRecord(msgspec.Struct, frozen=True, gc=False):
    """A validated record plus its origin in the file.

    Immutable, like the records it carries. The raw form may be given as a function
    that makes it: readers pass one, so a record's raw form is only built if the
    record is ever refused (and then once). A msgspec ``Struct``: a reader makes a
    million of them, and one costs a fifth of a plain class with ``__slots__``.

    Attributes:
        index: 0-based position of the record in the file.
        line: 1-based line where the record starts.
        key: The business key (SKU, or "SKU@source" for stock, shipment id).
        model: The validated ERP record.
        raw_form: The raw form as given: the form itself or a function making it.
    """

    index: int
    line: int
    key: str
    model: ErpRecord
    raw_form: RawForm | Callable[[], RawForm] = b""

    @property
    def raw(self) -> RawForm:
        """The record as it was in the file, for rejects files (made on first use).

        The element's serialized bytes for XML, or its CSV rows (header order).
        """
        raw = self.raw_form
        if callable(raw):
            raw = raw()
            _set_raw_form(self, raw)
        return raw

    def with_model(self, key: str, model: ErpRecord) -> ParsedRecord:
        """The same record (origin and raw form) with another key and model."""
        return ParsedRecord(self.index, self.line, key, model, self.raw_form)

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


# the field's own descriptor: the one way to keep a made raw form in a frozen Struct
_set_raw_form = ParsedRecord.__dict__["raw_form"].__set__
