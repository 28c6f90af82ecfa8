"""Turning a schema-valid record into its ERP record object.

XML records and CSV rows both arrive here after the XSD check (or after a grammar
compiled from the XSD vouched for them), so both formats share one conversion. What
the XSD cannot express is checked here: the EAN check digit, dates Python cannot
represent, and the free-text length cap. The XSD is the one validator of the values:
products and stock are built straight from them (text, ``Decimal``, ``datetime``),
shipments are assembled with ``model_construct`` from parts the XSD has already
checked. (``_makers`` builds products and stock a chunk at a time, for the fast paths
that read them by the million.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from dateutil.parser import isoparse
from lxml import etree

from bridge.models.erp import (
    ErpProduct,
    ErpRecord,
    ErpShipment,
    ErpShipmentLine,
    ErpStockLevel,
    ErpTrack,
    Kind,
)

__all__ = [
    "Checker",
    "Converter",
    "FieldError",
    "checker",
    "converter",
    "ean_check_digit",
    "field_checks",
]

Values = dict[str, str | None]
Converted = tuple[str, ErpRecord]
# (record element (None when the values are known), its field values if already known
#  (CSV), max chars) -> (key, model)
Converter = Callable[[etree._Element | None, Values | None, int], Converted]
# the same arguments -> None; raises FieldError where the converter would
Checker = Callable[[etree._Element | None, Values | None, int], None]


class FieldError(ValueError):
    """A record field is wrong in a way the XSD cannot see."""

    def __init__(
        self, field: str, reason: str, node: etree._Element | None = None
    ) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.node = node


def ean_check_digit(digits: str) -> int:
    """Compute the GS1 check digit for the digits before it.

    Args:
        digits: The GTIN without its last (check) digit.

    Returns:
        The expected check digit.
    """
    total = sum(
        int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits))
    )
    return (10 - total % 10) % 10


def _datetime(name: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    stamp = text.strip()
    try:
        # the stdlib parser is ~40x faster; dateutil's takes what it refuses that
        # xs:dateTime allows (24:00:00) and gives the same value where both parse
        value = datetime.fromisoformat(stamp)
    except ValueError:
        try:
            value = isoparse(stamp)
        except (ValueError, OverflowError) as exc:
            raise FieldError(
                name, f"{stamp!r} is not a date and time we can use"
            ) from exc
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _decimal(name: str, text: str | None) -> Decimal:
    try:
        return Decimal((text or "").strip())
    except InvalidOperation as exc:  # the XSD checked it; kept for safety
        raise FieldError(name, f"{text!r} is not a decimal") from exc


def _long_text(values: dict[str, str | None], max_chars: int) -> None:
    for name, value in values.items():
        if value is not None and len(value) > max_chars:
            raise FieldError(name, f"longer than {max_chars} characters ({len(value)})")


_STAMPS: dict[str, datetime] = {}
_STAMPS_KEPT = 4096  # files are exported at a few moments: a few stamps recur


def _known_stamp(name: str, text: str) -> datetime:
    """``_datetime`` of a time stamp's text, remembered (they repeat in a file)."""
    value = _STAMPS.get(text)
    if value is None:
        parsed = _datetime(name, text)
        assert parsed is not None  # text is not None
        if len(_STAMPS) >= _STAMPS_KEPT:
            _STAMPS.clear()
        value = _STAMPS[text] = parsed
    return value


def _fields(el: etree._Element | None, values: Values | None) -> Values:
    """The record's field values: given (CSV), or the children's texts (XML)."""
    if values is not None:
        return values
    assert el is not None  # the caller passes one or the other
    return {c.tag: c.text for c in el}


def _text(d: Values, name: str) -> str:
    """A required text field (the XSD makes sure it is there)."""
    value = d.get(name)
    if value is None:
        raise FieldError(name, "Field required" if name not in d else "not a text")
    return value


def _unknown(d: Values, known: frozenset[str]) -> None:
    """Refuse fields the record has not got (the XSD refuses them first)."""
    if not known.issuperset(d):
        name = min(set(d) - known)
        raise FieldError(name, "Extra inputs are not permitted")


_STOCK_FIELDS = frozenset(("sku", "qty", "source", "updated_at"))
_PRODUCT_FIELDS = frozenset(
    ("sku", "ean", "name", "price", "short_description", "description", "qty")
)


def _stock(
    el: etree._Element | None, values: Values | None, max_chars: int
) -> Converted:
    d = _fields(el, values)
    _unknown(d, _STOCK_FIELDS)
    sku, source, stamp = _text(d, "sku"), d.get("source"), d.get("updated_at")
    model = ErpStockLevel(
        sku=sku,
        qty=_decimal("qty", _text(d, "qty")),
        source=source,
        updated_at=None if stamp is None else _known_stamp("updated_at", stamp),
    )
    return (f"{sku}@{source}" if source else sku), model


def _product(
    el: etree._Element | None, values: Values | None, max_chars: int
) -> Converted:
    d: Values = _fields(el, values)
    _unknown(d, _PRODUCT_FIELDS)
    _long_text(d, max_chars)
    ean = d.get("ean")
    if ean:
        _ean(ean)
    qty = d.get("qty")
    sku = _text(d, "sku")
    return sku, ErpProduct(
        sku=sku,
        name=_text(d, "name"),
        price=_decimal("price", _text(d, "price")),
        ean=ean,
        short_description=d.get("short_description"),
        description=d.get("description"),
        qty=None if qty is None else _decimal("qty", qty),
    )


def _shipment(
    el: etree._Element | None, values: Values | None, max_chars: int
) -> Converted:
    assert el is not None  # shipments always come as elements
    d: dict[str, str | None] = {
        c.tag: c.text for c in el if c.tag not in ("lines", "tracks")
    }
    lines = [
        ErpShipmentLine.model_construct(
            sku=line.findtext("sku") or "",
            qty=_decimal("qty", line.findtext("qty")),
            unit=line.findtext("unit"),
        )
        for line in el.iterfind("lines/line")
    ]
    tracks = [
        ErpTrack.model_construct(
            number=t.findtext("number") or "",
            carrier_code=t.findtext("carrier_code") or "custom",
            title=t.findtext("title"),
        )
        for t in el.iterfind("tracks/track")
    ]
    amount = el.find("invoice_amount")
    model = ErpShipment.model_construct(
        shipment_id=d["shipment_id"] or "",
        order_number=d["order_number"] or "",
        lines=tuple(lines),
        tracks=tuple(tracks),
        shipped_at=_datetime("shipped_at", d.get("shipped_at")),
        invoice_amount=None
        if amount is None
        else _decimal("invoice_amount", amount.text),
        currency=None if amount is None else amount.get("currency"),
    )
    return model.shipment_id, model


def _check_stock(
    el: etree._Element | None, values: Values | None, max_chars: int
) -> None:
    # after the XSD only the time stamp can still fail: every xs:decimal (spaces
    # included) and every Sku/SourceCode is a value the model takes
    text = values.get("updated_at") if values is not None else _child(el, "updated_at")
    if text is not None:
        _datetime("updated_at", text)


def _check_product(
    el: etree._Element | None, values: Values | None, max_chars: int
) -> None:
    d: Values = _fields(el, values)
    _long_text(d, max_chars)
    ean = d.get("ean")
    if ean:
        _ean(ean)


def _check_shipment(
    el: etree._Element | None, values: Values | None, max_chars: int
) -> None:
    _shipment(el, values, max_chars)  # small files of few records: build it


def _child(el: etree._Element | None, name: str) -> str | None:
    assert el is not None  # the caller passes one or the other
    found = el.find(name)
    return None if found is None else found.text


_CHECKERS: dict[str, Checker] = {
    "products": _check_product,
    "stock": _check_stock,
    "shipments": _check_shipment,
}


def checker(kind: Kind) -> Checker:
    """The function that runs a kind's checks beyond the XSD without a model.

    It raises the same ``FieldError`` as ``converter(kind)`` for the same record,
    and builds no model where the XSD already guarantees the model would build
    (products, stock), so a validation pass keeps only the verdict.

    Args:
        kind: products | stock | shipments.

    Returns:
        The kind's check.
    """
    return _CHECKERS[kind]


def _ean(value: str) -> None:
    expected = ean_check_digit(value[:-1])
    if int(value[-1]) != expected:
        raise FieldError("ean", f"check digit wrong, expected {expected}")


def _stamp(name: str) -> Callable[[str], None]:
    def check(value: str) -> None:
        _datetime(name, value)

    return check


_FIELD_CHECKS: dict[str, dict[str, Callable[[str], None]]] = {
    "products": {"ean": _ean},
    "stock": {"updated_at": _stamp("updated_at")},
    "shipments": {"shipped_at": _stamp("shipped_at")},
}


def field_checks(kind: Kind) -> dict[str, Callable[[str], None]]:
    """The checks beyond the XSD that look at one field value on its own.

    With the free-text length cap (``max_chars``), these are all the checks
    ``checker(kind)`` makes on a flat record; each raises ``FieldError``.

    Args:
        kind: products | stock | shipments.

    Returns:
        Field name -> its check.
    """
    return _FIELD_CHECKS[kind]


_CONVERTERS: dict[str, Converter] = {
    "products": _product,
    "stock": _stock,
    "shipments": _shipment,
}


def converter(kind: Kind) -> Converter:
    """The function that builds a kind's model from a schema-valid record element.

    The converter takes the record element, its field values when the caller already
    has them (CSV rows), and the longest free-text value accepted. It returns the
    record's business key and its model, and raises ``FieldError`` when a check
    beyond the XSD fails.

    Args:
        kind: products | stock | shipments.

    Returns:
        The kind's converter.
    """
    return _CONVERTERS[kind]
