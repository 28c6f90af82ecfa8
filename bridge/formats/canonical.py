"""The canonical layouts of SPEC §3 as the first two codecs of every kind: XML and CSV.

``CanonicalXmlCodec`` streams the records under the kind's root (no namespace) and
``CanonicalCsvCodec`` reads a header row and its rows; both check each record against
``schemas/<kind>.xsd`` in batches (``_batch``) and build the same models. Between the
two, a file is taken by extension (``.xml``; ``.csv``, ``.txt``, ``.tsv``), else by its
first non-blank character, so exactly one of them recognises any file.

The CSV codec's fast path (``_fastpath.vouch``) is a field: a codec built with another
``fast_path`` uses it instead, without touching the reader.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import chain
from pathlib import Path
from typing import ClassVar

from bridge.config import CsvOptions
from bridge.formats import _rejects
from bridge.formats._batch import RecordChecker
from bridge.formats._csvrows import FastPath
from bridge.formats._sniff import sniff_format
from bridge.formats._stream import FileStream, drain
from bridge.formats._xsd import kind_schema
from bridge.formats.codec import (
    CANONICAL,
    Format,
    Progress,
    ValidationResult,
    XmlNames,
)
from bridge.formats.csv import CsvState, read_csv_batches
from bridge.formats.xml import XmlState, read_xml_batches
from bridge.formats.xml_grammar import grammar
from bridge.kinds import Kind, kind_spec
from bridge.models.erp import ParsedRecord

__all__ = ["CanonicalCsvCodec", "CanonicalXmlCodec", "FastPath", "canonical_names"]


@cache
def canonical_names(kind: Kind) -> XmlNames:
    """The canonical root and record element of ``kind`` (no namespace)."""
    spec = kind_spec(kind)
    return XmlNames(None, spec.root, spec.record)


class _XmlStream(FileStream):
    fmt: Format = "xml"

    def __init__(
        self,
        path: Path,
        kind: Kind,
        names: XmlNames,
        *,
        name: str | None,
        max_issues: int,
        max_field_chars: int,
        head: bytes | None,
        validate_only: bool = False,
    ) -> None:
        super().__init__(path, name, max_issues, head)
        self.kind: Kind = kind
        self.names = names
        self.max_field_chars = max_field_chars
        self.validate_only = validate_only
        self._state = XmlState()

    @property
    def record_count(self) -> int:
        return self._state.records

    def __iter__(self) -> Iterator[ParsedRecord]:
        return chain.from_iterable(self._batches())

    def _batches(self) -> Iterator[list[ParsedRecord]]:
        if not self.readable():
            return
        checker = RecordChecker(
            self.kind,
            kind_schema(self.kind),
            self.log,
            max_chars=self.max_field_chars,
            validate_only=self.validate_only,
        )
        yield from read_xml_batches(
            self.path,
            checker,
            self.log,
            self._state,
            self.names,
            grammar=grammar(self.kind),
        )
        self.generated = self._state.generated


class _CsvStream(FileStream):
    fmt: Format = "csv"

    def __init__(
        self,
        path: Path,
        kind: Kind,
        options: CsvOptions,
        fast_path: FastPath | None,
        *,
        name: str | None,
        max_issues: int,
        max_field_chars: int,
        head: bytes | None,
        validate_only: bool = False,
    ) -> None:
        super().__init__(path, name, max_issues, head)
        self.kind: Kind = kind
        self.validate_only = validate_only
        self.options = options
        self.fast_path = fast_path
        self.max_field_chars = max_field_chars
        self._state = CsvState()

    @property
    def record_count(self) -> int:
        return self._state.records

    @property
    def delimiter(self) -> str | None:
        return self._state.delimiter

    def __iter__(self) -> Iterator[ParsedRecord]:
        return chain.from_iterable(self._batches())

    def _batches(self) -> Iterator[list[ParsedRecord]]:
        if not self.readable():
            return
        checker = RecordChecker(
            self.kind,
            kind_schema(self.kind),
            self.log,
            max_chars=self.max_field_chars,
            validate_only=self.validate_only,
        )
        yield from read_csv_batches(
            self.path,
            checker,
            self.log,
            self._state,
            self.options,
            fast_path=self.fast_path,
        )


@dataclass(frozen=True)
class _Canonical:
    """What the two canonical codecs share: the kind, the layout name, validation."""

    kind: Kind

    layout: ClassVar[str] = CANONICAL
    fmt: ClassVar[Format] = "xml"

    @property
    def matches(self) -> str:
        """How a file is recognised, in words."""
        root = kind_spec(self.kind).root
        return f"<{root}> without namespace (.xml, or no known extension and '<')"

    def sniff(self, head: bytes, name: str) -> bool:
        """True when the file is of this codec's family (by extension, else content)."""
        return sniff_format(head, name) == self.fmt

    def read(
        self,
        path: Path,
        *,
        csv: CsvOptions,
        name: str | None = None,
        max_issues: int = 1000,
        max_field_chars: int = 65536,
        head: bytes | None = None,
    ) -> FileStream:
        """Open one streaming pass over ``path`` (see ``Codec.read``)."""
        return self._open(
            path,
            csv=csv,
            name=name,
            max_issues=max_issues,
            max_field_chars=max_field_chars,
            head=head,
        )

    def _open(
        self,
        path: Path,
        *,
        csv: CsvOptions,
        name: str | None,
        max_issues: int,
        max_field_chars: int,
        head: bytes | None,
        validate_only: bool = False,
    ) -> FileStream:
        """The stream ``read`` returns; ``validate_only`` keeps only the verdict."""
        raise NotImplementedError

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
        """Check a whole file without keeping its records (see ``Codec.validate``).

        The pass builds no model and no raw form: it runs the same checks as
        ``read``, so the verdict, lines and messages are the same.
        """
        stream = self._open(
            path,
            csv=csv,
            name=name,
            max_issues=max_issues,
            max_field_chars=65536,
            head=head,
            validate_only=True,
        )
        return drain(stream, progress, self.layout)


@dataclass(frozen=True)
class CanonicalXmlCodec(_Canonical):
    """SPEC §3 XML: the kind's root holding its record elements, no namespace."""

    def _open(
        self,
        path: Path,
        *,
        csv: CsvOptions,
        name: str | None,
        max_issues: int,
        max_field_chars: int,
        head: bytes | None,
        validate_only: bool = False,
    ) -> FileStream:
        return _XmlStream(
            path,
            self.kind,
            canonical_names(self.kind),
            name=name,
            max_issues=max_issues,
            max_field_chars=max_field_chars,
            head=head,
            validate_only=validate_only,
        )

    def write_rejects(
        self,
        dest: Path,
        source: Path,
        *,
        csv: CsvOptions,
        records: Iterable[ParsedRecord],
    ) -> None:
        """The kind's root with the refused record elements as they were."""
        _rejects.ensure_new(dest)
        records = list(records)
        if all(isinstance(r.raw, bytes) for r in records):
            payload = _rejects.xml_records(kind_spec(self.kind).root, records)
        else:  # records that came back as rows (never from an XML file): keep them
            payload = _rejects.csv_rows(source, csv, records)
        _rejects.publish(dest, payload)


@dataclass(frozen=True)
class CanonicalCsvCodec(_Canonical):
    """SPEC §3 CSV: a header row of the kind's columns, then one row per record.

    Attributes:
        fast_path: The kind's pre-check of plainly valid rows (default: the one
            ``_fastpath`` derives from the XSD); records it cannot vouch for, and
            all records without one, go through the XSD.
    """

    fmt: ClassVar[Format] = "csv"
    fast_path: FastPath | None = None

    @property
    def matches(self) -> str:
        """How a file is recognised, in words."""
        return "a header row of the kind's columns (.csv .txt .tsv, or any other file)"

    def _open(
        self,
        path: Path,
        *,
        csv: CsvOptions,
        name: str | None,
        max_issues: int,
        max_field_chars: int,
        head: bytes | None,
        validate_only: bool = False,
    ) -> FileStream:
        return _CsvStream(
            path,
            self.kind,
            csv,
            self.fast_path,
            name=name,
            max_issues=max_issues,
            max_field_chars=max_field_chars,
            head=head,
            validate_only=validate_only,
        )

    def write_rejects(
        self,
        dest: Path,
        source: Path,
        *,
        csv: CsvOptions,
        records: Iterable[ParsedRecord],
    ) -> None:
        """The source's header line, delimiter and encoding with the refused rows."""
        _rejects.ensure_new(dest)
        _rejects.publish(dest, _rejects.csv_rows(source, csv, list(records)))
