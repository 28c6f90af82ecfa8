"""Rejects files: the refused records of a file, in the file's own format.

Operations staff fix a rejects file and drop it into the inbox again, so it keeps the
source's format: XML with the kind's root and the record elements as they were, or CSV
with the source's header line, delimiter and encoding and the rows as they were. It is
written under a temporary name and linked into place, never over an existing file.
"""

from __future__ import annotations

import csv as _csv
from collections.abc import Iterable
from pathlib import Path

from bridge.config import CsvOptions
from bridge.formats._xsd import kind_schema
from bridge.formats.csv import detect_delimiter
from bridge.formats.reader import detect_format
from bridge.models.erp import Kind, ParsedRecord
from bridge.support.files import atomic_write

__all__ = ["write_rejects"]

_BOM = b"\xef\xbb\xbf"


def write_rejects(
    dest: Path,
    source: Path,
    kind: Kind,
    *,
    csv: CsvOptions,
    records: Iterable[ParsedRecord],
) -> None:
    """Write the rejected records of ``source`` to ``dest`` in the source's format.

    Args:
        dest: The rejects file to create.
        source: The file the records came from (its header is reused for CSV).
        kind: products | stock | shipments.
        csv: The encoding of the source if it is CSV.
        records: The rejected records, with their ``raw`` form.

    Raises:
        FileExistsError: ``dest`` already exists; it is never overwritten.
    """
    if dest.exists():
        raise FileExistsError(dest)
    records = list(records)
    if detect_format(source) == "xml" and all(
        isinstance(r.raw, bytes) for r in records
    ):
        payload = _xml(kind, records)
    else:
        payload = _csv_bytes(source, csv, records)
    _publish(dest, payload)


def _xml(kind: Kind, records: list[ParsedRecord]) -> bytes:
    root = kind_schema(kind).root
    parts = [b'<?xml version="1.0" encoding="UTF-8"?>\n<', root.encode(), b">\n"]
    for record in records:
        if isinstance(record.raw, bytes):
            parts += [b"  ", record.raw.strip(), b"\n"]
    parts += [b"</", root.encode(), b">\n"]
    return b"".join(parts)


def _csv_bytes(source: Path, options: CsvOptions, records: list[ParsedRecord]) -> bytes:
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


def _publish(dest: Path, payload: bytes) -> None:
    # overwrite=False: fails if dest exists, a rejects file is never overwritten.
    atomic_write(dest, payload, overwrite=False)
