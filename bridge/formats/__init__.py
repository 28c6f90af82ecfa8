"""ERP file codecs: bytes in, validated records out (and rejects files back out).

Files of the inbound kinds (products, stock, shipments) are read by codecs, one per
layout and format, looked up in a registry keyed by (kind, layout): the canonical XML
and CSV of SPEC §3 for every kind, plus any other layout registered (``registry.py``,
``codec.py``). ``RecordReader``, ``validate_file`` and ``write_rejects`` are the entry
points the runtime uses; they find the file's codec in ``REGISTRY``.
"""

from __future__ import annotations

from bridge.formats._xsd import schema_path
from bridge.formats.canonical import CanonicalCsvCodec, CanonicalXmlCodec
from bridge.formats.codec import (
    CANONICAL,
    Codec,
    LayoutInfo,
    RecordStream,
    ValidationResult,
    XmlNames,
)
from bridge.formats.document import CanonicalTree, DocumentMapper, DocumentXmlCodec
from bridge.formats.reader import RecordReader, detect_format, validate_file
from bridge.formats.registry import REGISTRY, CodecRegistry
from bridge.formats.user_layouts import install_user_layouts
from bridge.formats.writers import write_rejects

__all__ = [
    "CANONICAL",
    "REGISTRY",
    "CanonicalCsvCodec",
    "CanonicalTree",
    "CanonicalXmlCodec",
    "Codec",
    "CodecRegistry",
    "DocumentMapper",
    "DocumentXmlCodec",
    "LayoutInfo",
    "RecordReader",
    "RecordStream",
    "ValidationResult",
    "XmlNames",
    "detect_format",
    "install_user_layouts",
    "schema_path",
    "validate_file",
    "write_rejects",
]
