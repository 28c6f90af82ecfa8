"""Rejects files in the source's shape: the pieces codecs build them from.

Operations staff fix a rejects file and drop it into the inbox again, so it keeps the
source's shape: a record stream's root with the record elements as they were (XML),
the source's header line, delimiter and encoding with the rows as they were (CSV), or
the whole document as it was, for a layout whose unit is the document. It is written
under a temporary name and linked into place, never over an existing file.
"""

from __future__ import annotations

import csv as _csv
from collections.abc import Sequence
from pathlib import Path

from bridge.config import CsvOptions
from bridge.formats.csv import detect_delimiter
from bridge.models.erp import ParsedRecord
from bridge.support.files import atomic_write

__all__ = ["csv_rows", "documents", "ensure_new", "publish", "xml_records"]

_BOM = b"\xef\xbb\xbf"


def ensure_new(dest: Path) -> None:
    """Refuse to write onto an existing rejects file.

    Raises:
        FileExistsError: ``dest`` already exists.
    """
    if dest.exists():
        raise FileExistsError(dest)


def xml_records(root: str, records: Sequence[ParsedRecord]) -> bytes:
    """A record-stream XML file: ``root`` holding the records' raw elements.

    Args:
        root: The root element's name.
        records: The records; those without raw element bytes are left out.

    Returns:
        The file's bytes, UTF-8.
    """
    parts = [b'<?xml version="1.0" encoding="UTF-8"?>\n<', root.encode(), b">\n"]
    for record in records:
        if isinstance(record.raw, bytes):
            parts += [b"  ", record.raw.strip(), b"\n"]
    parts += [b"</", root.encode(), b">\n"]
    return b"".join(parts)


def documents(records: Sequence[ParsedRecord]) -> bytes:
    """The whole document the records came from, once (document-mode layouts).

    Records of one document share its bytes as their raw form; a document is
    written once however many of its records were refused.

    Args:
        records: The records, each with the document's bytes as raw form.

    Returns:
        The document's bytes as they were.

    Raises:
        ValueError: The records come from no document, or from different ones.
    """
    raws: list[bytes] = []
    for record in records:
        if not isinstance(record.raw, bytes):
            msg = f"record {record.key!r} carries rows, not a document"
            raise ValueError(msg)  # noqa: TRY004 - a wrong value, not a wrong type
        if record.raw not in raws:  # identity first: records share the bytes
            raws.append(record.raw)
    if len(raws) != 1:
        msg = f"expected the records of one document, got {len(raws)} documents"
        raise ValueError(msg)
    return raws[0]


def csv_rows(
    source: Path, options: CsvOptions, records: Sequence[ParsedRecord]
) -> bytes:
    """A CSV file: the source's header line, delimiter and encoding, and the rows.

    Args:
        source: The file the records came from (its header line is reused).
        options: The encoding of the source (a UTF-8 BOM wins over it).
        records: The records, with their raw rows.

    Returns:
        The file's bytes, in the source's encoding and line ending.
    """
    with source.open("rb") as fh:
        header = fh.readline()
    bom = header.startswith(_BOM)
    encoding = "utf-8" if bom else options.encoding
    text = header.removeprefix(_BOM).decode(encoding)
    ending = "\r\n" if text.endswith("\r\n") else "\n"
    delimiter = detect_delimiter(text) or ","
    lines: list[str] = [text if text.endswith("\n") else text + ending]

    class _Sink:
        def write(self, row: str) -> None:
            lines.append(row)

    writer = _csv.writer(_Sink(), delimiter=delimiter, lineterminator=ending)
    for record in records:
        if isinstance(record.raw, tuple):
            writer.writerows(record.raw)
    body = "".join(lines).encode(encoding)
    return _BOM + body if bom else body


def publish(dest: Path, payload: bytes) -> None:
    """Write ``payload`` durably under a temporary name and link it to ``dest``.

    Raises:
        FileExistsError: ``dest`` appeared meanwhile; it is never overwritten.
    """
    atomic_write(dest, payload, overwrite=False)
