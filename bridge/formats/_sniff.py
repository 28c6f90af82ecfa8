"""Recognising a file from its name and first bytes: XML or CSV, and its root element.

Codecs' ``sniff`` methods are built from these. Nothing here reads more than the head
it is handed; the root element is found by a hardened parse of that head alone (no
DTD, no entities, no network), which stops at the first start tag.
"""

from __future__ import annotations

import os.path
from io import BytesIO
from pathlib import Path

from lxml import etree

from bridge.formats._stream import HEAD, UTF16_BOMS
from bridge.formats.codec import Format

__all__ = ["detect_format", "read_head", "root_qname", "sniff_format"]

_EXTENSIONS: dict[str, Format] = {
    ".xml": "xml",
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
}
_SNIFF = 1024


def sniff_format(head: bytes, name: str) -> Format:
    """Tell XML from CSV: by extension, else by the first non-blank character.

    Args:
        head: The file's first bytes (empty if it cannot be read).
        name: The file's name.

    Returns:
        ``"xml"`` or ``"csv"``.
    """
    by_ext = _EXTENSIONS.get(os.path.splitext(name)[1].lower())  # noqa: PTH122 - a name, not a path: no Path object per file
    if by_ext is not None:
        return by_ext
    start = head[:_SNIFF].removeprefix(b"\xef\xbb\xbf").lstrip()
    return "xml" if start.startswith(b"<") or start[:2] in UTF16_BOMS else "csv"


def detect_format(path: Path) -> Format:
    """Tell XML from CSV: by extension, else by the first non-blank character.

    Args:
        path: The file.

    Returns:
        ``"xml"`` or ``"csv"``.
    """
    by_ext = _EXTENSIONS.get(path.suffix.lower())
    if by_ext is not None:
        return by_ext
    return sniff_format(read_head(path, _SNIFF) or b"", path.name)


def read_head(path: Path, size: int = HEAD) -> bytes | None:
    """The first ``size`` bytes of a file; None when it cannot be read."""
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except OSError:
        return None


def root_qname(head: bytes) -> tuple[str | None, str] | None:
    """The namespace and local name of an XML head's root element.

    Args:
        head: The first bytes of a file.

    Returns:
        ``(namespace or None, local name)``, or None when the head holds no start
        tag that a hardened parser reaches (not XML, or broken before the root).
    """
    events = etree.iterparse(
        BytesIO(head),
        events=("start",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    try:
        for _, el in events:
            qname = etree.QName(el)
            return qname.namespace, qname.localname
    except etree.XMLSyntaxError:
        return None
    return None
