"""Streaming reading of ERP CSV files, checked against the same XSDs as the XML files.

The file is read as bytes line by line and each line decoded on its own, so a byte the
configured encoding cannot decode becomes an issue naming its line instead of a crash.
The delimiter (``,`` ``;`` or TAB) is detected from the header; header names are
case-insensitive and in any order. Each row becomes the kind's record element
(``<item>`` …) and goes through the same batch XSD check as an XML record, so both
formats follow one contract. Cell values are stripped of surrounding spaces; an empty
cell is an absent field.

Shipments are the exception to streaming: rows of one ``shipment_id`` may be anywhere
in the file, so a shipments file's rows are grouped in memory (these files are small).
"""

from __future__ import annotations

import codecs
import csv as _csv
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from bridge.config import CsvOptions
from bridge.formats._batch import BATCH_SIZE, IssueLog, RecordChecker
from bridge.formats._csvrows import (
    COLUMNS,
    REQUIRED,
    FastPath,
    RowBuilder,
    group_shipments,
)
from bridge.formats._makers import maker
from bridge.formats._xsd import XsdProblem
from bridge.formats.csv_fast import CsvScan, row_cells, row_grammar, usable
from bridge.models.erp import ParsedRecord

__all__ = ["CsvState", "detect_delimiter", "read_csv", "read_csv_batches"]

_DELIMITERS = (",", ";", "\t")
_UTF8 = {"utf-8", "utf-8-sig"}
_TRACK_COLUMNS = {"number": "tracking_number", "title": "carrier_title"}


class _StopError(Exception):
    """The file cannot be read further; the reason is already logged."""


@dataclass
class CsvState:
    """What the CSV reader learns about the file as it goes."""

    records: int = 0
    delimiter: str | None = None


def detect_delimiter(header: str) -> str | None:
    """Pick the delimiter from a header line: the most frequent of ``,`` ``;`` TAB.

    Args:
        header: The decoded header line.

    Returns:
        The delimiter, or None when the header holds none of them.
    """
    counts = [(header.count(d), d) for d in _DELIMITERS]
    best = max(counts, key=lambda c: c[0])
    return best[1] if best[0] else None


class _Lines:
    """Physical lines of a file, decoded one by one, with their numbers."""

    def __init__(
        self, fh: BinaryIO, encoding: str, log: IssueLog, limit: int, kind: str
    ) -> None:
        self.fh = fh
        self.encoding = encoding
        self.kind = kind
        self.log = log
        self.limit = limit
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        readline, limit, encoding = self.fh.readline, self.limit, self.encoding
        while raw := readline(limit):
            self.number += 1
            if len(raw) == limit and not raw.endswith(b"\n"):
                self.log.add(self.number, None, f"line longer than {limit} bytes")
                raise _StopError
            if b"\x00" in raw:
                self.log.add(
                    self.number, None, "binary content (NUL byte), not a text file"
                )
                raise _StopError
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                col = len(raw[: exc.start].decode(encoding, errors="replace")) + 1
                self.log.add(
                    self.number,
                    None,
                    f"cannot be read as {encoding}: byte 0x{raw[exc.start]:02X} "
                    f"at column {col} (set the ERP's encoding in bridge.toml: "
                    f"folders.csv.encoding, or folders.csv.{self.kind}.encoding)",
                )
                raise _StopError from exc
            if self.number == 1 and encoding in _UTF8:
                text = text.removeprefix("\ufeff")
            yield text


def _encoding(options: CsvOptions, log: IssueLog) -> str | None:
    try:
        name = codecs.lookup(options.encoding).name
    except LookupError:
        log.add(
            None, None, f"unknown encoding {options.encoding!r} in the csv settings"
        )
        return None
    if "\n".encode(name) != b"\n":
        log.add(None, None, f"encoding {options.encoding!r} is not supported for CSV")
        return None
    return "utf-8" if name in _UTF8 else name


def read_csv(
    path: Path,
    checker: RecordChecker,
    log: IssueLog,
    state: CsvState,
    options: CsvOptions,
    *,
    fast_path: FastPath | None = None,
) -> Iterator[ParsedRecord]:
    """Yield the valid records of a CSV file; issues go to ``log``.

    The records of ``read_csv_batches``, one by one: see there.
    """
    batches = read_csv_batches(path, checker, log, state, options, fast_path=fast_path)
    return chain.from_iterable(batches)


def read_csv_batches(
    path: Path,
    checker: RecordChecker,
    log: IssueLog,
    state: CsvState,
    options: CsvOptions,
    *,
    fast_path: FastPath | None = None,
) -> Iterator[list[ParsedRecord]]:
    """Yield the valid records of a CSV file in batches; issues go to ``log``.

    Batches (a chunk of the fast path, a batch of the XSD check) spare the caller a
    generator's step per record.

    Args:
        path: The file.
        checker: The kind's batch checker.
        log: Where issues go.
        state: Filled with the delimiter and the record count.
        options: Encoding and decimal separator of this kind's folder.
        fast_path: The pre-check of plainly valid rows (default: ``_fastpath``'s).

    Yields:
        The records that passed the XSD and model checks, in file order (shipments:
        in the order of each shipment's first row).
    """
    encoding = _encoding(options, log)
    if encoding is None:
        return
    limit = max(checker.max_chars * 8, 1 << 16)
    with path.open("rb") as fh:
        lines = _Lines(fh, encoding, log, limit, checker.kind)
        try:
            yield from _rows(lines, checker, log, state, options, fast_path)
        except _StopError:
            return
        except _csv.Error as exc:
            log.add(lines.number, None, f"not valid CSV: {exc}")


def _rows(
    lines: _Lines,
    checker: RecordChecker,
    log: IssueLog,
    state: CsvState,
    options: CsvOptions,
    fast_path: FastPath | None,
) -> Iterator[list[ParsedRecord]]:
    it = iter(lines)
    header = next(it, None)
    if header is None or not header.strip():
        log.add(1, None, "file is empty" if header is None else "header line is empty")
        return
    builder = _header(header, checker, log, state, options, fast_path)
    if builder is None:
        return
    checker.namer = _namer
    if (yield from _vouched(lines, builder, checker, state, options)):
        return
    reader = _csv.reader(it, delimiter=state.delimiter or ",")
    if checker.kind == "shipments":
        for group in group_shipments(_numbered(reader, lines), builder.key_col):
            if builder.add(group):
                state.records += 1
                if checker.full:
                    yield checker.flush()
    else:
        add, pending = builder.add_flat, checker.pending
        start = lines.number + 1
        for row in reader:  # _numbered inlined: this loop runs once per row
            line, start = start, lines.number + 1
            if add(line, row):
                state.records += 1
                if len(pending) >= BATCH_SIZE:
                    yield checker.flush()
                    pending = checker.pending
    yield checker.flush()


def _vouched(
    lines: _Lines,
    builder: RowBuilder,
    checker: RecordChecker,
    state: CsvState,
    options: CsvOptions,
) -> Generator[list[ParsedRecord], None, bool]:
    """Read the rows the fast path vouches for; True when that was all of them.

    A validation pass only counts them; a reading pass yields their records. Rows it
    cannot vouch for are left to the row-by-row reader, from their line on.
    """
    if checker.kind == "shipments" or builder.vouch is None:
        return False
    if not usable(lines.encoding, options.decimal_separator, checker.max_chars):
        return False
    delimiter = state.delimiter or ","
    names = tuple(builder.names)
    rows = row_grammar(checker.kind, names, delimiter)
    if rows is None:
        return False
    scan = CsvScan(lines.fh, rows)
    if checker.validate_only:
        scan.run()
        state.records += scan.records
        builder.index += scan.records
        lines.number += scan.lines
        return scan.complete
    cells, make = row_cells(checker.kind, names, delimiter), maker(checker.kind, names)
    if cells is None or make is None:
        return False
    for records, newlines in scan.read(cells, make, builder.index, lines.number):
        state.records += len(records)
        builder.index += len(records)
        lines.number += newlines
        yield records
    return scan.complete


def _numbered(
    reader: Iterator[list[str]], lines: _Lines
) -> Iterator[tuple[int, list[str]]]:
    """Pair each row with the physical line it starts on."""
    while True:
        start = lines.number + 1
        row = next(reader, None)
        if row is None:
            return
        yield start, row


def _header(
    header: str,
    checker: RecordChecker,
    log: IssueLog,
    state: CsvState,
    options: CsvOptions,
    fast_path: FastPath | None,
) -> RowBuilder | None:
    delimiter = detect_delimiter(header)
    if delimiter is None:
        log.add(
            1, None, "cannot detect the delimiter: the header has no ',', ';' or TAB"
        )
        return None
    state.delimiter = delimiter
    names = [
        n.strip().lower() for n in next(_csv.reader([header], delimiter=delimiter))
    ]
    known = COLUMNS[checker.kind]
    bad = False
    for pos, name in enumerate(names, 1):
        if not name:
            log.add(1, None, f"column {pos} has no name in the header")
        elif name not in known:
            log.add(1, name, f"unknown column (expected: {', '.join(known)})")
        elif names.index(name) != pos - 1:
            log.add(1, name, "column given twice in the header")
        else:
            continue
        bad = True
    for name in REQUIRED[checker.kind]:
        if name not in names:
            log.add(1, name, "required column is missing")
            bad = True
    if bad:
        return None
    return RowBuilder(checker, log, names, options.decimal_separator, fast_path)


def _namer(problem: XsdProblem) -> str | None:
    """Name a schema problem by the CSV column the value came from."""
    parent = problem.node.getparent() if problem.node is not None else None
    if parent is not None and parent.tag == "track" and problem.field:
        return _TRACK_COLUMNS.get(problem.field, problem.field)
    if isinstance(problem.node, etree._Element) and problem.node.tag == "track":
        return _TRACK_COLUMNS.get(problem.field or "", problem.field)
    return problem.field
