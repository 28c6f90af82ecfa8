"""The formats' entry points: one streaming pass over an ERP file, in any layout.

``RecordReader`` asks the codec registry which layout a file is in (the canonical XML
and CSV of SPEC §3 unless another layout recognises it) and streams that codec's
valid records, collecting a ``FileIssue`` for everything else; ``validate_file`` is a
full pass that keeps only the verdict. The pipeline validates a file completely before
it applies any record of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from bridge.config import CsvOptions
from bridge.errors import FileIssue
from bridge.formats._sniff import detect_format
from bridge.formats.codec import Codec, Format, Progress, RecordStream, ValidationResult
from bridge.formats.registry import REGISTRY, CodecRegistry
from bridge.models.erp import Kind, ParsedRecord

__all__ = [
    "Format",
    "RecordReader",
    "ValidationResult",
    "detect_format",
    "validate_file",
]


class RecordReader:
    """One streaming pass over an ERP file, yielding its valid records.

    Attributes:
        codec: The codec reading the file (its ``layout`` and ``fmt``).
        fmt: ``"xml"`` or ``"csv"``.
        generated: The XML root's ``generated`` (known once iteration has ended).
        issues: The problems found, at most ``max_issues``; non-empty means invalid.
        issue_count: How many problems were found in all (may exceed ``max_issues``).
        record_count: How many records the file holds (valid or not).
    """

    def __init__(
        self,
        path: Path,
        kind: Kind,
        *,
        csv: CsvOptions,
        name: str | None = None,
        max_issues: int = 1000,
        max_field_chars: int = 65536,
        registry: CodecRegistry = REGISTRY,
    ) -> None:
        """Prepare to read ``path`` as a file of ``kind``.

        Args:
            path: The file to read.
            kind: products | stock | shipments.
            csv: Encoding and decimal separator used if the file is CSV.
            name: The name to use in issues (default: the file's name).
            max_issues: How many issues to keep (they are all counted).
            max_field_chars: The longest field value accepted.
            registry: Where the file's codec is looked up.
        """
        self.path = path
        self.kind: Kind = kind
        self.csv_options = csv
        self.name = name or path.name
        self.max_field_chars = max_field_chars
        self.codec: Codec
        self.codec, head = registry.detect_with_head(kind, path)
        self._stream: RecordStream = self.codec.read(
            path,
            csv=csv,
            name=name,
            max_issues=max_issues,
            max_field_chars=max_field_chars,
            head=head,
        )

    @property
    def fmt(self) -> Format:
        """``"xml"`` or ``"csv"``."""
        return self._stream.fmt

    @property
    def generated(self) -> datetime | None:
        """The XML root's ``generated`` (known once iteration has ended)."""
        return self._stream.generated

    @property
    def issues(self) -> list[FileIssue]:
        """The issues found so far (capped at ``max_issues``), in line order."""
        return self._stream.issues

    @property
    def issue_count(self) -> int:
        """How many issues were found so far, including those beyond the cap."""
        return self._stream.issue_count

    @property
    def record_count(self) -> int:
        """How many records were read so far, valid or not."""
        return self._stream.record_count

    @property
    def delimiter(self) -> str | None:
        """The CSV delimiter detected from the header (None for XML)."""
        return self._stream.delimiter

    def __iter__(self) -> Iterator[ParsedRecord]:
        """Read the file once, yielding each record that passed every check."""
        return iter(self._stream)


def validate_file(
    path: Path,
    kind: Kind,
    *,
    csv: CsvOptions,
    name: str | None = None,
    max_issues: int = 1000,
    progress: Progress | None = None,
    registry: CodecRegistry = REGISTRY,
) -> ValidationResult:
    """Check a whole file without keeping its records.

    Args:
        path: The file.
        kind: products | stock | shipments.
        csv: Encoding and decimal separator used if the file is CSV.
        name: The name to use in issues (default: the file's name).
        max_issues: How many issues to keep (they are all counted).
        progress: Wraps the record stream (a progress bar on a terminal).
        registry: Where the file's codec is looked up.

    Returns:
        The format, the issues, the record count and the XML ``generated``.
    """
    codec, head = registry.detect_with_head(kind, path)
    return codec.validate(
        path, csv=csv, name=name, max_issues=max_issues, progress=progress, head=head
    )
