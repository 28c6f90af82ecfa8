"""The registry of codecs, keyed by (kind, layout): which codec reads a file.

Every kind starts with its canonical layout (SPEC §3) in XML and CSV. Further layouts
(SPEC §7) register for a kind; ``detect`` asks them first, in the order they were
registered, whether a file is theirs (``Codec.sniff`` on its name and first bytes) and
falls back to the canonical codecs, one of which recognises any file. So a file that
no other layout claims is read exactly as before there were layouts.
"""

from __future__ import annotations

import csv as _csv
from pathlib import Path

from bridge.errors import ConfigError
from bridge.formats._csvrows import COLUMNS
from bridge.formats._sniff import read_head, root_qname
from bridge.formats.bmecat import BmecatCodec
from bridge.formats.canonical import CanonicalCsvCodec, CanonicalXmlCodec
from bridge.formats.codec import CANONICAL, Codec, LayoutInfo
from bridge.formats.csv import detect_delimiter
from bridge.formats.edifact_desadv import DesadvCodec
from bridge.formats.opentrans_dispatch import dispatch_notification_codec
from bridge.formats.ubl_despatch import despatch_advice_codec
from bridge.formats.ubl_inventory import inventory_report_codec
from bridge.kinds import KIND_SPECS, KINDS, Kind

__all__ = ["REGISTRY", "CodecRegistry"]

_GUESS_HEAD = 4096


class CodecRegistry:
    """Codecs by (kind, layout); a layout may have one codec per format."""

    def __init__(self) -> None:
        """Start empty (``REGISTRY`` is the one holding the built-in layouts)."""
        self._codecs: dict[tuple[Kind, str], list[Codec]] = {}
        self._order: dict[Kind, tuple[Codec, ...]] = {}  # detection order, per kind

    def register(self, codec: Codec, *, first: bool = False) -> Codec:
        """Add a codec; a layout's codecs are asked in the order they were added.

        Args:
            codec: The codec.
            first: Ask this layout before every layout already registered (a user
                layout wins over the built-ins when its ``match`` fits).

        Returns:
            The codec, so a module can register at import.

        Raises:
            ValueError: That kind and layout already has a codec of that format.
        """
        same = self._codecs.setdefault((codec.kind, codec.layout), [])
        if any(c.fmt == codec.fmt for c in same):
            msg = f"layout {codec.layout!r} of {codec.kind} already has a {codec.fmt} codec"
            raise ValueError(msg)
        same.append(codec)
        if first:
            key = (codec.kind, codec.layout)
            self._codecs = {
                key: same,
                **{k: v for k, v in self._codecs.items() if k != key},
            }
        self._order.pop(codec.kind, None)
        return codec

    def unregister(self, kind: Kind, layout: str) -> None:
        """Remove a layout's codecs (nothing happens if there are none)."""
        self._codecs.pop((kind, layout), None)
        self._order.pop(kind, None)

    def get(self, kind: Kind, layout: str = CANONICAL) -> tuple[Codec, ...]:
        """The codecs of one layout of a kind (empty if it has none)."""
        return tuple(self._codecs.get((kind, layout), ()))

    def codecs(self, kind: Kind) -> tuple[Codec, ...]:
        """A kind's codecs in the order ``detect`` asks them: canonical last."""
        order = self._order.get(kind)
        if order is None:
            others = [
                codec
                for (k, layout), codecs in self._codecs.items()
                if k == kind and layout != CANONICAL
                for codec in codecs
            ]
            order = (*others, *self._codecs.get((kind, CANONICAL), ()))
            self._order[kind] = order
        return order

    def detect(self, kind: Kind, path: Path) -> Codec:
        """The codec that reads ``path`` as a file of ``kind``.

        Args:
            kind: products | stock | shipments.
            path: The file (an unreadable one is sniffed by its name alone).

        Returns:
            The first codec whose ``sniff`` recognises the file.

        Raises:
            ConfigError: No codec of ``kind`` recognises it (no canonical codec).
        """
        return self.detect_with_head(kind, path)[0]

    def detect_with_head(self, kind: Kind, path: Path) -> tuple[Codec, bytes | None]:
        """``detect``, also returning the head it read (None: unreadable).

        The head goes on to the codec's ``read``/``validate``, so a file is opened
        once for detection and its refusal checks together.
        """
        head, name = read_head(path), path.name
        for codec in self.codecs(kind):
            if codec.sniff(head or b"", name):
                return codec, head
        raise ConfigError(f"{name}: no layout of {kind} recognises this file")

    def layouts(self) -> list[LayoutInfo]:
        """Every registered layout and format, by kind, as ``bridge layouts`` lists."""
        return [
            LayoutInfo(c.kind, c.layout, c.fmt, c.matches)
            for kind in KINDS
            for c in self.codecs(kind)
        ]

    def guess_kind(self, path: Path) -> Kind | None:
        """Guess a file's kind from its content alone (its folder says nothing).

        A layout other than the canonical one that recognises the file names its
        kind; else an XML root element names the canonical kind, and a CSV header
        the kind whose canonical columns it holds most of (ties: the kind with the
        fewest columns, the tightest fit).

        Args:
            path: The file.

        Returns:
            The kind, or None when nothing tells.
        """
        head, name = read_head(path) or b"", path.name
        for kind in KINDS:
            for codec in self.codecs(kind):
                if codec.layout != CANONICAL and codec.sniff(head, name):
                    return codec.kind
        start = head[:_GUESS_HEAD].removeprefix(b"\xef\xbb\xbf").lstrip()
        if start.startswith(b"<"):
            qname = root_qname(head)
            for kind, spec in KIND_SPECS.items():
                if qname == (None, spec.root):
                    return kind
            return None
        return _kind_by_header(start)


def _kind_by_header(head: bytes) -> Kind | None:
    lines = head.decode("utf-8", "replace").splitlines()
    header = lines[0].lower() if lines else ""
    row = next(_csv.reader([header], delimiter=detect_delimiter(header) or ","), [])
    names = {cell.strip() for cell in row}
    scores = [
        (len(names & set(COLUMNS[kind])), -len(COLUMNS[kind]), kind)
        for kind in KINDS
        if kind in COLUMNS
    ]
    best = max(scores, default=(0, 0, None))
    return best[2] if best[0] else None


def _builtin() -> CodecRegistry:
    registry = CodecRegistry()
    for kind in KINDS:
        registry.register(CanonicalXmlCodec(kind))
        registry.register(CanonicalCsvCodec(kind))
    registry.register(BmecatCodec())
    registry.register(despatch_advice_codec())
    registry.register(inventory_report_codec())
    registry.register(dispatch_notification_codec())
    registry.register(DesadvCodec())
    return registry


REGISTRY = _builtin()
"""The registry the formats' entry points use: built-in layouts of every kind."""
