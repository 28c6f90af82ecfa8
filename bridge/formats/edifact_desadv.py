"""The ``edifact-desadv`` layout: UN/EDIFACT DESADV D.96A messages are shipments.

An interchange (``UNA``/``UNB`` … ``UNZ``) is streamed (``_edifact.messages``: cut into
segments in chunks, each message parsed with pydifact on its own); each ``DESADV``
message (``UNH`` … ``UNT``) of it is one ERP shipment (SPEC §7). The envelope is checked
first: the message type must be DESADV D 96A, and each ``UNT`` must count its
message's segments. Issues name the physical line the segment starts on.

=====================  ===========================================================
canonical field        DESADV D.96A
=====================  ===========================================================
shipment_id            ``BGM`` document number (C106 1004)
order_number           ``RFF+ON`` (the one order the message names)
shipped_at             ``DTM+11`` (despatch), else ``DTM+137`` (document date),
                       formats 102, 203, 204
lines/line/sku         ``PIA`` ``…:SA`` (supplier's article number) after a ``LIN``,
                       else the ``LIN`` item number when its type is ``SA``; without
                       one, ``gtin:`` + the ``EN`` number as GTIN-14
lines/line/qty         ``QTY+12`` (despatch quantity); its unit as ``lines/line/unit``
                       when it is not pieces (``KGM``)
tracks/track/number    ``RFF+CN`` (carrier's reference) and ``GIN+BJ`` (SSCC)
tracks/track/title     ``TDT`` carrier (C040: the name, else the code)
=====================  ===========================================================

A record's raw form is its own message; the rejects file is the whole interchange.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from lxml import etree
from pydifact.exceptions import EDISyntaxError

from bridge.config import CsvOptions
from bridge.formats import _rejects
from bridge.formats._batch import RecordChecker
from bridge.formats._edifact import Seg, messages
from bridge.formats._edifact import value as _value
from bridge.formats._records import FieldError
from bridge.formats._stream import FileStream, drain
from bridge.formats._xsd import kind_schema
from bridge.formats.codec import Format, Progress, ValidationResult
from bridge.formats.document import LINE_ATTRIBUTE, CanonicalTree, source_line
from bridge.kinds import Kind
from bridge.models.erp import ParsedRecord
from bridge.models.gtin import gtin14, gtin_reference
from bridge.models.units import is_pieces

__all__ = ["LAYOUT", "DesadvCodec"]

LAYOUT = "edifact-desadv"
_SNIFF = re.compile(
    rb"^\s*(\xef\xbb\xbf)?(UNA.{6})?\s*UNB.{0,400}?UNH.{1,20}?DESADV.D.96A", re.S
)
_DATE_FORMATS = {"102": "%Y%m%d", "203": "%Y%m%d%H%M", "204": "%Y%m%d%H%M%S"}


def _at(line: int) -> etree._Element:
    """A stand-in source element on ``line`` (a segment has no element of its own)."""
    el = etree.Element("segment")
    el.set(LINE_ATTRIBUTE, str(max(line, 1)))
    return el


def _messages(segments: list[Seg]) -> Iterator[tuple[Seg, list[Seg]]]:
    """Each ``UNH`` with the segments up to its ``UNT``; envelope faults raise."""
    current: tuple[Seg, list[Seg]] | None = None
    for seg in segments:
        tag = seg[0]
        if tag == "UNH":
            kind = seg[1][1] if len(seg[1]) > 1 else []
            if [_value(kind, i) for i in range(3)] != ["DESADV", "D", "96A"]:
                raise FieldError(
                    "UNH", f"message type {kind} is not DESADV D 96A", _at(seg[2])
                )
            current = (seg, [])
        elif tag == "UNT" and current is not None:
            counted = len(current[1]) + 2
            if _value(seg[1][0]) != str(counted):
                reason = f"UNT counts {_value(seg[1][0])} segments, the message has {counted}"
                raise FieldError("UNT", reason, _at(seg[2]))
            yield current
            current = None
        elif current is not None:
            current[1].append(seg)
    if current is not None:
        raise FieldError("UNT", "message has no UNT", _at(current[0][2]))


def _when(elements: list[Any], line: int) -> str:
    qualifier, value, fmt = (_value(elements[0], i) for i in range(3))
    try:
        return datetime.strptime(value, _DATE_FORMATS[fmt or "102"]).isoformat()  # noqa: DTZ007 - EDIFACT dates carry no zone
    except (KeyError, ValueError) as exc:
        raise FieldError(
            "shipped_at", f"DTM+{qualifier} {value!r} (format {fmt})", _at(line)
        ) from exc


def map_message(unh: Seg, body: list[Seg], out: CanonicalTree) -> None:
    """Map one DESADV message to one canonical shipment (see the module's table).

    Raises:
        FieldError: A required value is missing, or a line names no SKU or is not
            counted in pieces.
    """
    by_tag: dict[str, list[Seg]] = {}
    for seg in body:
        by_tag.setdefault(seg[0], []).append(seg)
    bgm = by_tag.get("BGM", [("BGM", [], unh[2])])[0]
    orders = {
        _value(s[1][0], 1): s for s in by_tag.get("RFF", []) if _value(s[1][0]) == "ON"
    }
    if len(orders) != 1:
        reason = (
            "no RFF+ON names the order"
            if not orders
            else f"several orders: {sorted(orders)}"
        )
        raise FieldError("order_number", reason, _at(unh[2]))
    dates = {_value(s[1][0]): s for s in by_tag.get("DTM", [])}
    dtm = dates.get("11") or dates.get("137")
    shipment = out.record(_at(unh[2]))
    out.child(
        shipment,
        "shipment_id",
        _value(bgm[1][1]) if len(bgm[1]) > 1 else None,
        source=_at(bgm[2]),
    )
    [(number, ref)] = orders.items()
    out.child(shipment, "order_number", number, source=_at(ref[2]))
    if dtm is not None:
        out.child(shipment, "shipped_at", _when(dtm[1], dtm[2]), source=_at(dtm[2]))
    lines = out.child(shipment, "lines", source=_at(unh[2]))
    for sku, qty, unit, line in _lines(body):
        el = out.child(lines, "line", source=_at(line))
        out.child(el, "sku", sku, source=_at(line))
        out.child(el, "qty", qty, source=_at(line))
        if unit is not None:
            out.child(el, "unit", unit.upper(), source=_at(line))
    _tracks(by_tag, shipment, out)


def _lines(body: list[Seg]) -> Iterator[tuple[str, str, str | None, int]]:
    """Each ``LIN`` group's SKU, quantity, unit (None for pieces) and line."""
    groups: list[list[Seg]] = []
    for seg in body:
        if seg[0] == "LIN":
            groups.append([seg])
        elif groups:
            groups[-1].append(seg)
    for group in groups:
        lin = group[0]
        ids = [(_value(lin[1][2], 0), _value(lin[1][2], 1))] if len(lin[1]) > 2 else []
        for seg in group:
            if seg[0] == "PIA":
                ids.extend((_value(e, 0), _value(e, 1)) for e in seg[1][1:])
        sku = next((code for code, kind in ids if kind == "SA" and code), None)
        if sku is None:
            sku = _gtin_sku(ids, lin[2])
        qty = next(
            (s for s in group if s[0] == "QTY" and _value(s[1][0]) == "12"), None
        )
        if qty is None:
            raise FieldError(
                "qty", "LIN has no QTY+12 (despatch quantity)", _at(lin[2])
            )
        unit = _value(qty[1][0], 2)
        yield (
            sku,
            _value(qty[1][0], 1),
            None if is_pieces(unit or None) else unit,
            qty[2],
        )


def _gtin_sku(ids: list[tuple[str, str]], line: int) -> str:
    """A GTIN reference for a LIN group without SA: its ``EN`` number as GTIN-14."""
    gtin = next((code for code, kind in ids if kind == "EN" and code), None)
    if gtin is None:
        reason = "LIN has no item id: the supplier's article number (SA) or a GTIN (EN)"
        raise FieldError("sku", reason, _at(line))
    normal = gtin14(gtin)
    if normal is None:
        raise FieldError(
            "sku",
            f"LIN has no SA number, and {gtin!r} is no GTIN (8, 12, 13 or 14 digits)",
            _at(line),
        )
    return gtin_reference(normal)


def _tracks(
    by_tag: dict[str, list[Seg]], shipment: etree._Element, out: CanonicalTree
) -> None:
    numbers: dict[str, int] = {}
    for seg in by_tag.get("RFF", []):
        if _value(seg[1][0]) == "CN" and _value(seg[1][0], 1):
            numbers.setdefault(_value(seg[1][0], 1), seg[2])
    for seg in by_tag.get("GIN", []):
        if _value(seg[1][0]) == "BJ":
            for element in seg[1][1:]:
                if _value(element):
                    numbers.setdefault(_value(element), seg[2])
    if not numbers:
        return
    carrier = None
    for tdt in by_tag.get("TDT", []):
        if len(tdt[1]) > 4:
            carrier = _value(tdt[1][4], 3) or _value(tdt[1][4], 0) or None
    tracks = out.child(shipment, "tracks", source=_at(next(iter(numbers.values()))))
    for number, line in numbers.items():
        track = out.child(tracks, "track", source=_at(line))
        out.child(track, "number", number, source=_at(line))
        if carrier:
            out.child(track, "title", carrier, source=_at(line))


class _DesadvStream(FileStream):
    fmt: Format = (
        "csv"  # a text file that is not XML: the runtime treats it as flat text
    )

    def __init__(
        self,
        path: Path,
        name: str | None,
        max_issues: int,
        max_chars: int,
        head: bytes | None,
    ) -> None:
        super().__init__(path, name, max_issues, head)
        self.max_chars = max_chars
        self._records = 0

    @property
    def record_count(self) -> int:
        return self._records

    def __iter__(self) -> Iterator[ParsedRecord]:
        if not self.readable():
            return
        checker = RecordChecker(
            "shipments", kind_schema("shipments"), self.log, max_chars=self.max_chars
        )
        try:
            for segments, raw in messages(self.path):
                tree = CanonicalTree(checker, "shipment")
                for unh, body in _messages(segments):
                    map_message(unh, body, tree)
                for el, start in tree.records:
                    checker.add(el, self._records, start, raw)
                    self._records += 1
                if checker.full:
                    yield from checker.flush()
        except EDISyntaxError as exc:
            self.log.add(None, None, f"not valid EDIFACT: {exc}")
            return
        except FieldError as exc:
            at = source_line(exc.node) if exc.node is not None else None
            self.log.add(at, exc.field, exc.reason)
            return
        yield from checker.flush()


@dataclass(frozen=True)
class DesadvCodec:
    """The UN/EDIFACT DESADV D.96A layout of shipments (one message, one shipment)."""

    kind: ClassVar[Kind] = "shipments"
    layout: ClassVar[str] = LAYOUT
    fmt: ClassVar[Format] = "csv"

    @property
    def matches(self) -> str:
        """How a file is recognised, in words."""
        return "an EDIFACT interchange (UNA/UNB) whose UNH is DESADV:D:96A"

    def sniff(self, head: bytes, name: str) -> bool:
        """True when the head is an EDIFACT interchange of DESADV D.96A messages."""
        return _SNIFF.match(head) is not None

    def read(
        self,
        path: Path,
        *,
        csv: CsvOptions,
        name: str | None = None,
        max_issues: int = 1000,
        max_field_chars: int = 65536,
        head: bytes | None = None,
    ) -> FileStream:
        """Open one pass over the interchange (see ``Codec.read``)."""
        return _DesadvStream(path, name, max_issues, max_field_chars, head)

    def validate(
        self,
        path: Path,
        *,
        csv: CsvOptions,
        name: str | None = None,
        max_issues: int = 1000,
        progress: Progress | None = None,
        head: bytes | None = None,
    ) -> ValidationResult:
        """Check the whole interchange without keeping its records."""
        stream = self.read(path, csv=csv, name=name, max_issues=max_issues, head=head)
        return drain(stream, progress, self.layout)

    def write_rejects(
        self,
        dest: Path,
        source: Path,
        *,
        csv: CsvOptions,
        records: Iterable[ParsedRecord],
    ) -> None:
        """The whole interchange the refused records came from, as it was."""
        # Records carry their own message as raw form (the interchange is streamed);
        # the rejects file is the whole interchange, as received.
        _rejects.ensure_new(dest)
        if not list(records):
            msg = "no refused records to write"
            raise ValueError(msg)
        _rejects.publish(dest, source.read_bytes())
