"""Rejects files: the refused records of a file, in the file's own shape.

The codec that read the source writes them (see ``_rejects``): the kind's root with
the record elements as they were (XML), the source's header line, delimiter and
encoding with the rows as they were (CSV), or the whole document for a layout whose
unit is the document. Never over an existing file.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bridge.config import CsvOptions
from bridge.formats.registry import REGISTRY, CodecRegistry
from bridge.models.erp import Kind, ParsedRecord

__all__ = ["write_rejects"]


def write_rejects(
    dest: Path,
    source: Path,
    kind: Kind,
    *,
    csv: CsvOptions,
    records: Iterable[ParsedRecord],
    registry: CodecRegistry = REGISTRY,
) -> None:
    """Write the rejected records of ``source`` to ``dest`` in the source's shape.

    Args:
        dest: The rejects file to create.
        source: The file the records came from (its codec writes them back).
        kind: products | stock | shipments.
        csv: The encoding of the source if it is CSV.
        records: The rejected records, with their ``raw`` form.
        registry: Where the source's codec is looked up.

    Raises:
        FileExistsError: ``dest`` already exists; it is never overwritten.
    """
    if dest.exists():
        raise FileExistsError(dest)
    codec = registry.detect(kind, source)
    codec.write_rejects(dest, source, csv=csv, records=records)
