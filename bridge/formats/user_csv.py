"""User CSV layouts (SPEC §7 ``[[layouts]]`` with ``columns``): the ERP's own headers.

``columns`` names, for each canonical field of the kind (SPEC §3), the ERP's column
header holding it; ``constants`` gives fields a fixed value; ``date_format`` (strptime)
reads the date fields (``updated_at``, ``shipped_at``) when they are not ISO 8601. The
folder's delimiter detection, encoding and decimal separator apply as for canonical
CSV. Each row is translated to a canonical row and read by the canonical row builder
(shipments: rows with the same ``shipment_id`` form one shipment), so the same checks
and messages apply; issues name the canonical field and the source line. Other ERP
columns are ignored. Rejects are the source's own rows under its own header.
"""

from __future__ import annotations

import csv as _csv
import fnmatch
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from bridge.config import CsvOptions, LayoutSettings
from bridge.errors import ConfigError
from bridge.formats import _rejects
from bridge.formats._batch import IssueLog, RecordChecker
from bridge.formats._csvrows import COLUMNS, REQUIRED, RowBuilder, group_shipments
from bridge.formats._stream import FileStream, drain
from bridge.formats._xsd import kind_schema
from bridge.formats.codec import Format, Progress, ValidationResult
from bridge.formats.csv import detect_delimiter
from bridge.kinds import Kind
from bridge.models.erp import ParsedRecord

__all__ = ["UserCsvCodec"]

_DATES = frozenset({"updated_at", "shipped_at"})


class _Translator:
    """Turns an ERP row into a canonical row (``names`` order); issues go to the log."""

    def __init__(self, codec: UserCsvCodec, header: list[str], log: IssueLog) -> None:
        self.codec, self.log = codec, log
        position = {name.strip(): i for i, name in enumerate(header)}
        self.missing = [c for c in codec.columns.values() if c not in position]
        self.picks = [
            (f, position[c]) for f, c in codec.columns.items() if c in position
        ]
        self.names = [f for f, _ in self.picks] + list(codec.constants)

    def row(self, line: int, row: list[str]) -> list[str] | None:
        if not any(cell.strip() for cell in row):
            return []
        out: list[str] = []
        for name, pos in self.picks:
            value = row[pos].strip() if pos < len(row) else ""
            if value and name in _DATES and self.codec.date_format:
                try:
                    parsed = datetime.strptime(value, self.codec.date_format)  # noqa: DTZ007 - no zone: read as a canonical value without one
                    value = parsed.isoformat()
                except ValueError:
                    column = self.codec.columns[name]
                    reason = f"{value!r} does not match date_format {self.codec.date_format!r}"
                    self.log.add(line, column, reason)
                    return None
            out.append(value)
        return out + list(self.codec.constants.values())


class _UserCsvStream(FileStream):
    fmt: Format = "csv"

    def __init__(
        self,
        codec: UserCsvCodec,
        path: Path,
        options: CsvOptions,
        name: str | None,
        max_issues: int,
        max_field_chars: int,
        head: bytes | None,
    ) -> None:
        super().__init__(path, name, max_issues, head)
        self.codec, self.options = codec, options
        self.max_field_chars = max_field_chars
        self._delimiter: str | None = None
        self._records = 0

    @property
    def record_count(self) -> int:
        return self._records

    @property
    def delimiter(self) -> str | None:
        return self._delimiter

    def __iter__(self) -> Iterator[ParsedRecord]:
        if not self.readable():
            return
        checker = RecordChecker(
            self.codec.kind,
            kind_schema(self.codec.kind),
            self.log,
            max_chars=self.max_field_chars,
        )
        encoding = (
            "utf-8-sig"
            if self.options.encoding.lower() in ("utf-8", "utf8")
            else self.options.encoding
        )
        try:
            with self.path.open(encoding=encoding, newline="") as fh:
                yield from self._rows(fh, checker)
        except UnicodeDecodeError as exc:
            self.log.add(
                None, None, f"not readable as {self.options.encoding}: {exc.reason}"
            )
        except _csv.Error as exc:
            self.log.add(None, None, f"not valid CSV: {exc}")

    def _rows(
        self, fh: Iterable[str], checker: RecordChecker
    ) -> Iterator[ParsedRecord]:
        lines = iter(fh)
        first = next(lines, "")
        self._delimiter = detect_delimiter(first)
        if self._delimiter is None:
            self.log.add(
                1,
                None,
                "cannot detect the delimiter: the header has no ',', ';' or TAB",
            )
            return
        header = next(_csv.reader([first], delimiter=self._delimiter))
        translate = _Translator(self.codec, header, self.log)
        for column in translate.missing:
            self.log.add(1, column, "column of the layout is missing in the header")
        if translate.missing:
            return
        builder = RowBuilder(
            checker, self.log, translate.names, self.options.decimal_separator
        )
        numbered = (
            (n, row)
            for n, row in enumerate(_csv.reader(lines, delimiter=self._delimiter), 2)
        )
        if self.codec.kind == "shipments":
            yield from self._shipments(numbered, translate, builder, checker)
            return
        for line, row in numbered:
            out = translate.row(line, row)
            if out is None:
                self._records += 1
                continue
            queued = len(checker.pending)
            if out and builder.add_flat(line, out):
                self._records += 1
                _restore_raw(checker, queued, [row])
                if checker.full:
                    yield from checker.flush()
        yield from checker.flush()

    def _shipments(
        self,
        numbered: Iterator[tuple[int, list[str]]],
        translate: _Translator,
        builder: RowBuilder,
        checker: RecordChecker,
    ) -> Iterator[ParsedRecord]:
        originals: dict[int, list[str]] = {}

        def canonical() -> Iterator[tuple[int, list[str]]]:
            for line, row in numbered:
                out = translate.row(line, row)
                if out:
                    originals[line] = row
                    yield line, out

        key_col = builder.key_col
        for group in group_shipments(canonical(), key_col):
            queued = len(checker.pending)
            if builder.add(group):
                self._records += 1
                _restore_raw(
                    checker, queued, [originals.pop(line) for line, _ in group]
                )
                if checker.full:
                    yield from checker.flush()
        yield from checker.flush()


def _restore_raw(checker: RecordChecker, queued: int, rows: list[list[str]]) -> None:
    """Give the record just queued (if one was) the source's own rows as its raw form."""
    if len(checker.pending) > queued:
        el, index, line, _, values = checker.pending[-1]
        checker.pending[-1] = (el, index, line, tuple(tuple(r) for r in rows), values)


@dataclass(frozen=True)
class UserCsvCodec:
    """A user's CSV layout: files matching a name glob, read by the ERP's headers.

    Attributes:
        kind: The kind its records are.
        layout: Its name (``[[layouts]] name``).
        pattern: The file-name glob (``match``).
        columns: Canonical field → the ERP's column header.
        constants: Canonical field → a fixed value.
        date_format: strptime format of the date fields ("" = ISO 8601).
    """

    kind: Kind
    layout: str
    pattern: str
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    date_format: str = ""

    fmt: ClassVar[Format] = "csv"

    @classmethod
    def from_settings(cls, settings: LayoutSettings) -> UserCsvCodec:
        """The codec of one ``[[layouts]]`` entry with ``columns``.

        Raises:
            ConfigError: A field is not one of the kind's, or a required one is unset.
        """
        known = COLUMNS[settings.kind]
        given = [*settings.columns, *settings.constants]
        wrong = [f for f in given if f not in known]
        if wrong:
            raise ConfigError(
                f"layouts.{settings.name}: {wrong[0]!r} is not a field of {settings.kind} "
                f"(fields: {', '.join(known)})"
            )
        missing = [f for f in REQUIRED[settings.kind] if f not in given]
        if missing:
            raise ConfigError(
                f"layouts.{settings.name}: required field {missing[0]!r} is not mapped"
            )
        return cls(
            settings.kind,
            settings.name,
            settings.match,
            dict(settings.columns),
            dict(settings.constants),
            settings.date_format,
        )

    @property
    def matches(self) -> str:
        """How a file is recognised, in words."""
        return (
            f"file name {self.pattern}, CSV columns {', '.join(self.columns.values())}"
        )

    def sniff(self, head: bytes, name: str) -> bool:
        """True when the file's name matches the layout's glob."""
        return fnmatch.fnmatchcase(name, self.pattern)

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
        """Open one pass over the file (see ``Codec.read``)."""
        return _UserCsvStream(self, path, csv, name, max_issues, max_field_chars, head)

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
        """Check the whole file without keeping its records."""
        stream = self.read(path, csv=csv, name=name, max_issues=max_issues, head=head)
        return drain(stream, progress, self.layout)

    def write_rejects(
        self,
        dest: Path,
        source: Path,
        *,
        csv: CsvOptions,
        records: Iterable[ParsedRecord],
    ) -> None:
        """The refused records' own rows under the source's header."""
        _rejects.ensure_new(dest)
        _rejects.publish(dest, _rejects.csv_rows(source, csv, list(records)))
