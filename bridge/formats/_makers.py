"""Building products and stock records a chunk at a time, for the fast paths.

The fast paths (``xml_fast``, ``csv_fast``) read files of a million records whose
values a grammar compiled from the XSD has already vouched for: plain values of their
types, within the free-text cap. What is left per record is its conversion (text,
``Decimal``, ``datetime``), the checks beyond the XSD (EAN check digit, time stamps)
and the record objects themselves. Done a record at a time in Python, the calls cost
more than the work; so a maker takes a whole chunk's values and builds them column by
column, letting ``map`` call ``Decimal``, the record types and ``ParsedRecord`` from
C. The records are the ones ``_records.converter`` builds from the same values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from itertools import repeat
from operator import itemgetter
from typing import cast

from bridge.formats._records import _STAMPS, FieldError, _ean, _known_stamp
from bridge.kinds import Kind
from bridge.models.erp import (
    ErpProduct,
    ErpRecord,
    ErpStockLevel,
    ParsedRecord,
    RawForm,
)

__all__ = ["Maker", "Rows", "maker", "records"]

Rows = Sequence[Sequence[str | None]]
"""A chunk's records as their values by position (regex groups: None when absent;
CSV cells: ``""`` when empty)."""
Maker = Callable[[Rows], tuple[list[str], list[ErpRecord]]]
"""Builds a chunk's keys and records from their values; raises ``FieldError``."""


def _decimals(name: str, texts: Iterable[str | None]) -> list[Decimal]:
    try:
        return list(map(Decimal, cast(Iterable[str], texts)))
    except (InvalidOperation, TypeError) as exc:  # the grammar let none through
        raise FieldError(name, "not a decimal") from exc


def _optional(texts: Iterable[str | None]) -> list[str | None]:
    return [t or None for t in texts]


def _stamps(texts: Iterable[str | None]) -> list[datetime | None]:
    known, new = _STAMPS.get, _known_stamp
    return [(known(t) or new("updated_at", t)) if t else None for t in texts]


def _stock(at: dict[str, int]) -> Maker:
    sku, qty = itemgetter(at["sku"]), itemgetter(at["qty"])
    source = itemgetter(at["source"]) if "source" in at else None
    stamp = itemgetter(at["updated_at"]) if "updated_at" in at else None

    def make(rows: Rows) -> tuple[list[str], list[ErpRecord]]:
        skus: list[str] = list(map(sku, rows))
        qtys = _decimals("qty", map(qty, rows))
        keys, sources = skus, cast(Iterable[str | None], repeat(None))
        given = list(map(source, rows)) if source is not None else None
        if given and any(given):  # most stock files name no source
            sources = given = _optional(given)
            keys = [f"{s}@{c}" if c else s for s, c in zip(skus, given, strict=True)]
        stamps: Iterable[datetime | None] = repeat(None)
        texts = list(map(stamp, rows)) if stamp is not None else None
        if texts and any(texts):
            stamps = _stamps(texts)
        return keys, list(map(ErpStockLevel, skus, qtys, sources, stamps))

    return make


def _product(at: dict[str, int]) -> Maker:
    def column(rows: Rows, name: str) -> Iterable[str | None]:
        i = at.get(name, -1)
        return _optional([r[i] for r in rows]) if i >= 0 else repeat(None)

    sku_at, name_at, price_at = at["sku"], at["name"], at["price"]

    def make(rows: Rows) -> tuple[list[str], list[ErpRecord]]:
        skus = cast(list[str], [r[sku_at] for r in rows])
        eans = column(rows, "ean")
        if "ean" in at:
            for ean in eans:
                if ean:
                    _ean(ean)
        qtys = [None if q is None else Decimal(q) for q in column(rows, "qty")]
        products = map(
            ErpProduct,
            skus,
            [r[name_at] for r in rows],
            _decimals("price", [r[price_at] for r in rows]),
            eans,
            column(rows, "short_description"),
            column(rows, "description"),
            qtys,
        )
        return skus, list(products)

    return make


_MAKERS: dict[str, Callable[[dict[str, int]], Maker]] = {
    "products": _product,
    "stock": _stock,
}


def maker(kind: Kind, fields: Sequence[str]) -> Maker | None:
    """The function that builds a chunk of a kind's records from their values.

    It runs the checks beyond the XSD (EAN check digit, time stamps) and builds each
    record as ``_records.converter(kind)`` does from a dict.

    Args:
        kind: products | stock | shipments.
        fields: The field at each position of a record's values.

    Returns:
        The kind's maker for values in that order, or None (shipments).
    """
    make = _MAKERS.get(kind)
    return None if make is None else make({f: i for i, f in enumerate(fields)})


def records(
    make: Maker,
    rows: Rows,
    index: int,
    lines: Iterable[int],
    raws: Iterable[RawForm],
) -> list[ParsedRecord]:
    """A chunk's parsed records, numbered from ``index``.

    Args:
        make: The kind's maker.
        rows: Each record's values.
        index: The index of the first record in the file.
        lines: Each record's line.
        raws: Each record's raw form.

    Raises:
        FieldError: A check beyond the XSD failed (the chunk gives no record).
    """
    keys, models = make(rows)
    numbers = range(index, index + len(rows))
    return list(map(ParsedRecord, numbers, lines, keys, models, raws))
