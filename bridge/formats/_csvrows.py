"""CSV rows → record elements: the columns of each kind and how rows become XML.

A products or stock row becomes one ``<product>``/``<item>``; the rows of one
``shipment_id`` become one ``<shipment>`` with its ``lines/line`` and distinct
``tracks/track``. Every element carries the physical line of its row
(kept in the checker's ``node_lines``: lxml's own ``sourceline`` cannot be set past
65535), so schema errors name the row's line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from lxml import etree

from bridge.formats._batch import IssueLog, RecordChecker
from bridge.formats._fastpath import Vouch, vouch
from bridge.kinds import Kind

__all__ = ["COLUMNS", "REQUIRED", "FastPath", "Row", "RowBuilder", "group_shipments"]

Row = tuple[int, list[str]]
FastPath = Callable[[Kind], Vouch | None]
"""Gives a kind's conservative pre-check of flat CSV records, or None for none."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "products": (
        "sku",
        "ean",
        "name",
        "price",
        "short_description",
        "description",
        "qty",
    ),
    "stock": ("sku", "qty", "source", "updated_at"),
    "shipments": (
        "shipment_id",
        "order_number",
        "sku",
        "qty",
        "tracking_number",
        "carrier_code",
        "carrier_title",
        "shipped_at",
        "invoice_amount",
        "currency",  # optional, beyond SPEC §3: the invoice_amount's currency
    ),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "products": ("sku", "name", "price"),
    "stock": ("sku", "qty"),
    "shipments": ("shipment_id", "order_number", "sku", "qty"),
}
_SubElement = etree.SubElement
_Element = etree.Element
_DECIMALS = frozenset({"price", "qty", "invoice_amount"})
_SHARED = ("order_number", "shipped_at", "invoice_amount", "currency")


def group_shipments(rows: Iterable[Row], key_col: int) -> Iterator[list[Row]]:
    """Group rows by their ``shipment_id`` cell, in order of each group's first row.

    The whole file's rows are held in memory: rows of one shipment may be apart.

    Args:
        rows: ``(line, row)`` pairs.
        key_col: The position of the ``shipment_id`` column.

    Yields:
        The rows of each shipment (a row without shipment_id is a group of its own).
    """
    groups: dict[object, list[Row]] = {}
    for line, row in rows:
        key = row[key_col].strip() if len(row) > key_col else ""
        groups.setdefault(key or ("", line), []).append((line, row))
    yield from groups.values()


class RowBuilder:
    """Turns rows into record elements in the checker's batch."""

    def __init__(
        self,
        checker: RecordChecker,
        log: IssueLog,
        names: list[str],
        decimal: str,
        fast_path: FastPath | None = None,
    ) -> None:
        """Plan the columns of a file whose header is ``names`` (normalised).

        ``fast_path`` gives the kind's pre-check of plainly valid rows; by default
        ``_fastpath.vouch``, looked up here so a test can swap it.
        """
        self.checker = checker
        self.log = log
        self.names = names
        self.width = len(names)
        self.decimal = decimal
        self.index = 0
        self.record = checker.schema.record
        self.key_col = names.index("shipment_id") if "shipment_id" in names else 0
        lookup = fast_path if fast_path is not None else vouch
        self.vouch = lookup(checker.kind) if checker.kind != "shipments" else None

    def blank(self, row: list[str]) -> bool:
        """True for an empty line or a row of empty cells (skipped, not a record)."""
        return not row or not any(c.strip() for c in row)

    def add_flat(self, line: int, row: list[str]) -> bool:
        """Build one product or stock record from its row; False for a blank row."""
        if len(row) != self.width and self.blank(row):
            return False
        values = self._values(line, row)
        if values is not None and not values:
            return False
        index, self.index = self.index, self.index + 1
        if values is None:
            return True
        if self.vouch is not None and self.vouch(values):
            self.checker.add(None, index, line, (tuple(row),), values)  # type: ignore[arg-type]
            return True
        el = _SubElement(self.checker.batch, self.record)
        try:
            for name, value in values.items():
                _SubElement(el, name).text = value
        except ValueError:
            self._drop(el)
            self._fill(_Element(self.record), line, values.items())  # names the column
            return True
        self.checker.add(el, index, line, (tuple(row),), values)  # type: ignore[arg-type]
        return True

    def add(self, rows: list[Row]) -> bool:
        """Build one shipment from its rows and queue it; False if there was none."""
        rows = [r for r in rows if not self.blank(r[1])]
        if not rows:
            return False
        index, self.index = self.index, self.index + 1
        values = [self._values(line, row) for line, row in rows]
        if any(v is None for v in values):
            return True
        good = [
            (line, v)
            for (line, _), v in zip(rows, values, strict=True)
            if v is not None
        ]
        el = self._shipment(good)
        if el is not None:
            raw = tuple(tuple(row) for _, row in rows)
            self.checker.add(el, index, rows[0][0], raw)
        return True

    def _values(self, line: int, row: list[str]) -> dict[str, str] | None:
        if len(row) != self.width:
            self.log.add(
                line, None, f"has {len(row)} fields, the header has {self.width}"
            )
            return None
        cells = {
            n: v for n, cell in zip(self.names, row, strict=True) if (v := cell.strip())
        }
        if self.decimal != "," and (
            not cells or max(map(len, cells.values())) <= self.checker.max_chars
        ):
            return cells  # the common case: nothing to report or convert
        return self._checked(line, cells)

    def _checked(self, line: int, cells: dict[str, str]) -> dict[str, str] | None:
        """Apply the length cap and the decimal comma to a row's non-empty cells."""
        out: dict[str, str] = {}
        ok = True
        for name, value in cells.items():
            if len(value) > self.checker.max_chars:
                self.log.add(
                    line, name, f"longer than {self.checker.max_chars} characters"
                )
                ok = False
            elif name in _DECIMALS and self.decimal == ",":
                if "." in value:
                    self.log.add(
                        line,
                        name,
                        f"{value!r} is not a valid value (must be a "
                        "decimal with ',' as decimal separator, "
                        "no thousands separator)",
                    )
                    ok = False
                value = value.replace(",", ".")
            out[name] = value
        return out if ok else None

    def _fill(
        self, el: etree._Element, line: int, pairs: Iterable[tuple[str, str]]
    ) -> bool:
        for name, value in pairs:
            try:
                etree.SubElement(el, name).text = value
            except ValueError:
                self.log.add(line, _column(name), "contains control characters")
                return False
        return True

    def _attr(self, el: etree._Element, currency: str) -> bool:
        try:
            el.set("currency", currency)
        except ValueError:
            self.log.add(
                self.checker.node_lines.get(el),
                "currency",
                "contains control characters",
            )
            return False
        return True

    def _drop(self, el: etree._Element) -> etree._Element | None:
        """Take a half-built record out of the batch; returns None for ``return``."""
        self.checker.batch.remove(el)
        return None

    def _shipment(
        self, rows: list[tuple[int, dict[str, str]]]
    ) -> etree._Element | None:
        first_line, first = rows[0]
        shared = {name: first.get(name) for name in _SHARED}
        for line, values in rows[1:]:
            for name in _SHARED:
                value = values.get(name)
                if value is None:
                    continue
                if shared[name] is None:
                    shared[name] = value
                elif value != shared[name]:
                    self.log.add(
                        line,
                        name,
                        f"{value!r} differs from {shared[name]!r} "
                        "in another row of the same shipment_id",
                    )
                    return None
        el = etree.SubElement(self.checker.batch, "shipment")
        self.checker.node_lines[el] = first_line
        head = [("shipment_id", first.get("shipment_id"))] + [
            (n, shared[n]) for n in ("order_number", "shipped_at")
        ]
        if not self._fill(el, first_line, [(n, v) for n, v in head if v is not None]):
            return self._drop(el)
        amount = shared["invoice_amount"]
        if amount is not None:
            if not self._fill(el, first_line, [("invoice_amount", amount)]):
                return self._drop(el)
            if shared["currency"] is not None and not self._attr(
                el[-1], shared["currency"]
            ):
                return self._drop(el)
        if not self._lines(el, rows) or not self._tracks(el, rows):
            return self._drop(el)
        return el

    def _lines(
        self, el: etree._Element, rows: list[tuple[int, dict[str, str]]]
    ) -> bool:
        lines = etree.SubElement(el, "lines")
        self.checker.node_lines[lines] = rows[0][0]
        for line, values in rows:
            if "sku" not in values and "qty" not in values:
                continue  # a row that only adds a tracking number
            child = etree.SubElement(lines, "line")
            self.checker.node_lines[child] = line
            pairs = [(n, values[n]) for n in ("sku", "qty") if n in values]
            if not self._fill(child, line, pairs):
                return False
            for sub in child:
                self.checker.node_lines[sub] = line
        return True

    def _tracks(
        self, el: etree._Element, rows: list[tuple[int, dict[str, str]]]
    ) -> bool:
        seen: set[str] = set()
        tracks: etree._Element | None = None
        for line, values in rows:
            number = values.get("tracking_number")
            if number is None or number in seen:
                continue
            seen.add(number)
            if tracks is None:
                tracks = etree.SubElement(el, "tracks")
            track = etree.SubElement(tracks, "track")
            self.checker.node_lines[track] = line
            pairs = [("number", number)] + [
                (tag, values[col])
                for tag, col in (
                    ("carrier_code", "carrier_code"),
                    ("title", "carrier_title"),
                )
                if col in values
            ]
            if not self._fill(track, line, pairs):
                return False
            for sub in track:
                self.checker.node_lines[sub] = line
        return True


def _column(tag: str) -> str:
    return {"number": "tracking_number", "title": "carrier_title"}.get(tag, tag)
