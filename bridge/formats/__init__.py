"""ERP file codecs: bytes in, validated records out (and rejects files back out).

XML and CSV files of the inbound kinds (products, stock, shipments) are read in one
streaming pass and checked against ``schemas/<kind>.xsd``; see ``reader.RecordReader``.
"""

from __future__ import annotations

from bridge.formats._xsd import schema_path
from bridge.formats.reader import (
    RecordReader,
    ValidationResult,
    detect_format,
    validate_file,
)
from bridge.formats.writers import write_rejects

__all__ = [
    "RecordReader",
    "ValidationResult",
    "detect_format",
    "schema_path",
    "validate_file",
    "write_rejects",
]
