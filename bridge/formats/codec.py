"""What a codec is: one file layout of one kind, read into records and written back.

A codec is keyed by ``(kind, layout)``: the canonical layouts of SPEC §3 are
``(kind, "canonical")`` in XML and in CSV, and the ERP's own layouts (SPEC §7) are
further codecs of the same kinds. The registry (``registry.py``) asks each codec of a
kind whether a file is its (``sniff``) and hands the file to the first that says yes.

Every codec keeps the same contract as the canonical readers: ``read`` streams the
records that passed every check, each a ``ParsedRecord`` that carries its source line
and its raw form, and collects a ``FileIssue`` (file as dropped, line, field, reason)
for everything else; ``write_rejects`` writes refused records back in the source's
own shape, so operations staff can fix that file and drop it again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from bridge.config import CsvOptions
from bridge.errors import FileIssue
from bridge.models.erp import Kind, ParsedRecord

__all__ = [
    "CANONICAL",
    "Codec",
    "Format",
    "LayoutInfo",
    "Progress",
    "RecordStream",
    "ValidationResult",
    "XmlNames",
]

Format = Literal["xml", "csv"]
CANONICAL = "canonical"
"""The layout name of the bridge's own file formats (SPEC §3)."""

Progress = Callable[[Iterable[ParsedRecord]], Iterable[ParsedRecord]]
"""Wraps a record stream (a progress bar on a terminal)."""


@dataclass(frozen=True)
class XmlNames:
    """The qualified names an XML layout is read by.

    Attributes:
        namespace: The namespace URI of the root and record elements (None: none).
        root: The root element's local name.
        record: The record element's local name directly under the root; None for a
            layout whose whole document is one unit (document mode).
    """

    namespace: str | None
    root: str
    record: str | None = None

    def tag(self, local: str) -> str:
        """The element tag as lxml spells it (``{namespace}local`` or ``local``)."""
        return f"{{{self.namespace}}}{local}" if self.namespace else local

    @property
    def root_tag(self) -> str:
        """The root element's tag."""
        return self.tag(self.root)

    @property
    def record_tag(self) -> str | None:
        """The record element's tag (None in document mode)."""
        return self.tag(self.record) if self.record is not None else None


@dataclass(frozen=True)
class LayoutInfo:
    """One registered layout, as ``bridge layouts`` lists it.

    Attributes:
        kind: products | stock | shipments.
        layout: The layout's name (``"canonical"`` for SPEC §3).
        fmt: ``"xml"`` or ``"csv"``.
        matches: How a file is recognised, in words.
    """

    kind: Kind
    layout: str
    fmt: Format
    matches: str


class RecordStream(Protocol):
    """One streaming pass over a file, as a codec reads it.

    Iterating yields the records that passed every check; the attributes tell what
    was found (``generated`` and ``delimiter`` are known once iteration has started).
    """

    fmt: Format

    @property
    def generated(self) -> datetime | None:
        """The XML root's ``generated`` stamp (known once iteration has ended)."""
        ...

    @property
    def delimiter(self) -> str | None:
        """The CSV delimiter detected from the header (None for XML)."""
        ...

    @property
    def issues(self) -> list[FileIssue]:
        """The issues found (capped), in line order; non-empty means invalid."""
        ...

    @property
    def issue_count(self) -> int:
        """How many issues were found in all."""
        ...

    @property
    def record_count(self) -> int:
        """How many records were read, valid or not."""
        ...

    def __iter__(self) -> Iterator[ParsedRecord]:
        """Read the file once, yielding each record that passed every check."""
        ...


@dataclass(frozen=True)
class ValidationResult:
    """The verdict of a full validation pass.

    Attributes:
        fmt: ``"xml"`` or ``"csv"``.
        issues: The problems found (capped); empty means the file is valid.
        record_count: How many records the file holds.
        generated: The XML root's ``generated``, if any.
        issue_count: How many problems were found in all.
        layout: The layout the file was read as.
    """

    fmt: Format
    issues: list[FileIssue]
    record_count: int
    generated: datetime | None
    issue_count: int = field(default=0)
    layout: str = CANONICAL

    @property
    def valid(self) -> bool:
        """True when the file has no issue."""
        return not self.issues


class Codec(Protocol):
    """One layout of one kind: recognises, reads, validates and writes back files."""

    @property
    def kind(self) -> Kind:
        """The kind its records are."""
        ...

    @property
    def layout(self) -> str:
        """Its name, unique within the kind."""
        ...

    @property
    def fmt(self) -> Format:
        """``"xml"`` or ``"csv"``: the family of the files it reads."""
        ...

    @property
    def matches(self) -> str:
        """How it recognises a file, in words (for ``bridge layouts``)."""
        ...

    def sniff(self, head: bytes, name: str) -> bool:
        """Tell whether a file belongs to this layout.

        Args:
            head: The file's first bytes (up to 64 KiB; empty if unreadable).
            name: The file's name.

        Returns:
            True when this codec should read the file.
        """
        ...

    def read(
        self,
        path: Path,
        *,
        csv: CsvOptions,
        name: str | None = None,
        max_issues: int = 1000,
        max_field_chars: int = 65536,
        head: bytes | None = None,
    ) -> RecordStream:
        """Open one streaming pass over ``path`` (nothing is read until iterated).

        Args:
            path: The file.
            csv: Encoding and decimal separator of the kind's folder.
            name: The name to use in issues (default: the file's name).
            max_issues: How many issues to keep (they are all counted).
            max_field_chars: The longest field value accepted.
            head: The file's first 64 KiB if the caller read them (saves a read).

        Returns:
            The stream of valid records with what it found.
        """
        ...

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
        """Check a whole file without keeping its records.

        Args:
            path: The file.
            csv: Encoding and decimal separator of the kind's folder.
            name: The name to use in issues (default: the file's name).
            max_issues: How many issues to keep (they are all counted).
            progress: Wraps the record stream (a progress bar on a terminal).
            head: The file's first 64 KiB if the caller read them (saves a read).

        Returns:
            The verdict.
        """
        ...

    def write_rejects(
        self,
        dest: Path,
        source: Path,
        *,
        csv: CsvOptions,
        records: Iterable[ParsedRecord],
    ) -> None:
        """Write refused records of ``source`` to ``dest`` in the source's shape.

        Args:
            dest: The rejects file to create (never overwritten).
            source: The file the records came from.
            csv: The encoding of the source if it is CSV.
            records: The refused records, with their raw form.
        """
        ...
