"""The formats' entry point: one streaming pass over an ERP file, XML or CSV.

``RecordReader`` yields the records that passed every check and collects a
``FileIssue`` for everything else; ``validate_file`` is a full pass that keeps only the
verdict. The pipeline validates a file completely before it applies any record of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from bridge.config import CsvOptions
from bridge.errors import FileIssue
from bridge.formats._batch import IssueLog, RecordChecker
from bridge.formats._xsd import kind_schema
from bridge.formats.csv import CsvState, read_csv
from bridge.formats.xml import XmlState, read_xml
from bridge.models.erp import Kind, ParsedRecord

__all__ = [
    "Format",
    "RecordReader",
    "ValidationResult",
    "detect_format",
    "validate_file",
]

Format = Literal["xml", "csv"]
_EXTENSIONS: dict[str, Format] = {
    ".xml": "xml",
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
}
_HEAD = 1 << 16
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


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
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError:
        return "csv"
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return "xml" if head.startswith(b"<") or head[:2] in _UTF16_BOMS else "csv"


class RecordReader:
    """One streaming pass over an ERP file, yielding its valid records.

    Attributes:
        fmt: ``"xml"`` or ``"csv"``.
        generated: The XML root's ``generated`` (known once iteration has started).
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
    ) -> None:
        """Prepare to read ``path`` as a file of ``kind``.

        Args:
            path: The file to read.
            kind: products | stock | shipments.
            csv: Encoding and decimal separator used if the file is CSV.
            name: The name to use in issues (default: the file's name).
            max_issues: How many issues to keep (they are all counted).
            max_field_chars: The longest field value accepted.
        """
        self.path = path
        self.kind: Kind = kind
        self.csv_options = csv
        self.name = name or path.name
        self.max_field_chars = max_field_chars
        self.fmt: Format = detect_format(path)
        self.generated: datetime | None = None
        self._log = IssueLog(self.name, max_issues)
        self._xml = XmlState()
        self._csv = CsvState()

    @property
    def issues(self) -> list[FileIssue]:
        """The issues found so far (capped at ``max_issues``), in line order."""
        return sorted(self._log.issues, key=lambda i: i.line or 0)

    @property
    def issue_count(self) -> int:
        """How many issues were found so far, including those beyond the cap."""
        return self._log.count

    @property
    def record_count(self) -> int:
        """How many records were read so far, valid or not."""
        return self._xml.records if self.fmt == "xml" else self._csv.records

    @property
    def delimiter(self) -> str | None:
        """The CSV delimiter detected from the header (None for XML)."""
        return self._csv.delimiter

    def __iter__(self) -> Iterator[ParsedRecord]:
        """Read the file once, yielding each record that passed every check."""
        if not self._readable():
            return
        checker = RecordChecker(
            self.kind, kind_schema(self.kind), self._log, max_chars=self.max_field_chars
        )
        if self.fmt == "xml":
            yield from read_xml(self.path, checker, self._log, self._xml)
            self.generated = self._xml.generated
        else:
            yield from read_csv(
                self.path, checker, self._log, self._csv, self.csv_options
            )

    def _readable(self) -> bool:
        """Refuse missing, empty and binary files before any parser sees them."""
        try:
            with self.path.open("rb") as fh:
                head = fh.read(_HEAD)
        except OSError as exc:
            self._log.add(None, None, f"cannot be read: {exc.strerror}")
            return False
        if not head.strip():
            self._log.add(1, None, "file is empty")
            return False
        nul = head.find(b"\x00")
        if nul >= 0 and head[:2] not in _UTF16_BOMS:
            line = head.count(b"\n", 0, nul) + 1
            self._log.add(line, None, "binary content (NUL byte), not a text file")
            return False
        return True


@dataclass(frozen=True)
class ValidationResult:
    """The verdict of a full validation pass.

    Attributes:
        fmt: ``"xml"`` or ``"csv"``.
        issues: The problems found (capped); empty means the file is valid.
        record_count: How many records the file holds.
        generated: The XML root's ``generated``, if any.
        issue_count: How many problems were found in all.
    """

    fmt: Format
    issues: list[FileIssue]
    record_count: int
    generated: datetime | None
    issue_count: int = field(default=0)

    @property
    def valid(self) -> bool:
        """True when the file has no issue."""
        return not self.issues


def validate_file(
    path: Path,
    kind: Kind,
    *,
    csv: CsvOptions,
    name: str | None = None,
    max_issues: int = 1000,
    progress: Callable[[Iterable[ParsedRecord]], Iterable[ParsedRecord]] | None = None,
) -> ValidationResult:
    """Check a whole file without keeping its records.

    Args:
        path: The file.
        kind: products | stock | shipments.
        csv: Encoding and decimal separator used if the file is CSV.
        name: The name to use in issues (default: the file's name).
        max_issues: How many issues to keep (they are all counted).
        progress: Wraps the record stream (a progress bar on a terminal).

    Returns:
        The format, the issues, the record count and the XML ``generated``.
    """
    reader = RecordReader(path, kind, csv=csv, name=name, max_issues=max_issues)
    for _ in progress(reader) if progress is not None else reader:
        pass
    return ValidationResult(
        reader.fmt,
        reader.issues,
        reader.record_count,
        reader.generated,
        reader.issue_count,
    )
