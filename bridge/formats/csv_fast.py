"""The fast path of the CSV reader: whole chunks of rows vouched for at once.

Once the header is read, the rows of a products or stock file have a fixed shape:
the header's columns, each a value of its XSD type or (for an optional column) empty.
This module builds one regular expression for a row from the kind's grammar
(``xml_grammar``: the field values compiled from the XSD's facets) and matches the
rest of the file against it in chunks of about 1 MiB cut after a line end. A chunk
that matches from end to end holds only rows the XSD and the checks beyond it accept
(blank lines, LF or CRLF, included), so the validation pass only counts its records,
and the reading pass finds each line's cells with one pattern in the same pass that
vouches for them (no cell of such a row holds a quote, a delimiter or a space, so the
cells are what ``csv.reader`` gives) and builds the chunk's records from them
(``_makers``).

The first chunk that does not match hands the file back to the row-by-row reader at
that chunk's first line, which reports every issue as before. Columns whose type
allows spaces (cells are stripped), quoted cells, a decimal comma, an encoding whose
ASCII is not ASCII, or a field with a check beyond the XSD other than a time stamp
(whose plain form always parses) leave the file to the row-by-row reader.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import BinaryIO

from bridge.formats._makers import Maker, records
from bridge.formats._records import FieldError, field_checks
from bridge.formats.xml_grammar import DATETIME, SAFE, grammar
from bridge.kinds import Kind
from bridge.models.erp import ParsedRecord

__all__ = ["CHUNK", "CsvScan", "row_cells", "row_grammar", "usable"]

CHUNK = 1 << 20
"""About how many bytes are vouched for at once (a module setting tests lower)."""
# a reading pass: ~90 rows at a time, whose objects stay in the CPU's caches while
# they are built column by column (measured: 64 KiB chunks cost ~30 % more)
_RECORDS_CHUNK = 1 << 12
_LONGEST = 4  # a line longer than this many (full-size) chunks is left to the rows
_BLANK = re.compile(rb"(?m)^\r?\n")
_ASCII_ENCODINGS = frozenset({"utf-8", "cp1252", "latin-1", "iso8859-1", "iso8859-15"})


@cache
def _cells(
    kind: Kind, names: tuple[str, ...], delimiter: str
) -> tuple[tuple[str, bool], ...] | None:
    """Each column's value pattern and whether it is required, or None."""
    g = grammar(kind)
    if g is None:
        return None
    fields = {name: (value, required) for name, value, required in g.values}
    checked = set(field_checks(kind))
    allowed = "".join(
        re.escape(c)
        for c in string.printable
        if re.fullmatch(f"[{SAFE}]", c) and c not in (delimiter, '"')
    )
    cells: list[tuple[str, bool]] = []
    for name in names:
        if name not in fields:
            return None  # a column the grammar cannot vouch for
        value, required = fields[name]
        if "(?=" in value or " " in value or (name in checked and value != DATETIME):
            return None
        cells.append((value.replace(f"[{SAFE}]", f"[{allowed}]"), required))
    return tuple(cells)


@cache
def row_grammar(
    kind: Kind, names: tuple[str, ...], delimiter: str
) -> re.Pattern[bytes] | None:
    """The pattern of whole chunks of plainly valid rows under header ``names``.

    Args:
        kind: products | stock | shipments.
        names: The header's column names (normalised), in file order.
        delimiter: The file's delimiter.

    Returns:
        A pattern to fully match chunks with, or None when the rows are beyond it.
    """
    cells = _cells(kind, names, delimiter)
    if cells is None:
        return None
    row = re.escape(delimiter).join(
        f"(?:{value})" if required else f"(?:{value})?" for value, required in cells
    )
    return re.compile(f"(?:(?:{row})?\r?\n)*+(?:{row})?".encode())


@cache
def row_cells(
    kind: Kind, names: tuple[str, ...], delimiter: str
) -> re.Pattern[str] | None:
    """The pattern of one line that is a plainly valid row, or blank, to its line end.

    Its groups are the row's cells (``""`` when empty, all of them for a blank
    line), as ``csv.reader`` gives them. Found in a chunk with ``findall``, it
    matches every line (so the chunk is vouched for) exactly when it matches as
    often as the chunk has line ends: a match starts at a line's start and takes
    the line whole.

    Args:
        kind: products | stock | shipments.
        names: The header's column names (normalised), in file order.
        delimiter: The file's delimiter.

    Returns:
        The pattern, or None when the rows are beyond it (or have one column).
    """
    cells = _cells(kind, names, delimiter)
    if cells is None or len(cells) < 2:  # findall gives tuples from two groups on
        return None
    row = re.escape(delimiter).join(
        f"({value})" if required else f"((?:{value})?)" for value, required in cells
    )
    return re.compile(f"(?m)^(?:{row})?\r?\n")


@dataclass
class CsvScan:
    """Vouches for the rows after the header, chunk by chunk.

    Attributes:
        records: How many records (non-blank rows) were vouched for.
        lines: How many physical lines were vouched for.
        complete: True when every row to the end of the file was vouched for.
    """

    fh: BinaryIO
    rows: re.Pattern[bytes]
    records: int = 0
    lines: int = 0
    complete: bool = False

    def run(self) -> None:
        """Read as far as the rows are vouched for; leave ``fh`` at the first other."""
        where = self.fh.tell()
        for piece in _cut(self.fh, CHUNK):
            if (
                piece is None
                or self.rows.fullmatch(piece) is None
                or (b"\r" in piece and _lone_cr(piece))
            ):
                self.fh.seek(where)
                return
            newlines = piece.count(b"\n")
            blank = 0
            if b"\n\n" in piece or b"\n\r\n" in piece or piece[:1] in b"\r\n":
                blank = len(_BLANK.findall(piece))
            last = bool(piece) and not piece.endswith(b"\n")  # no final line end
            self.records += newlines - blank + last
            self.lines += newlines
            where += len(piece)
        self.complete = True

    def read(
        self, cells: re.Pattern[str], make: Maker, index: int, line: int
    ) -> Iterator[tuple[list[ParsedRecord], int]]:
        """Yield the records of each vouched chunk, with the chunk's line count.

        Args:
            cells: The header's ``row_cells``.
            make: Builds a chunk's records from their cells (the header's order).
            index: The index of the first record.
            line: The line before the first row.

        The file is left at the first row not vouched for (or whose checks beyond
        the XSD fail), for the row-by-row reader.
        """
        where = self.fh.tell()
        for piece in _cut(self.fh, min(CHUNK, _RECORDS_CHUNK)):
            records = None
            if piece is not None and not (b"\r" in piece and _lone_cr(piece)):
                records = _records(piece, cells, make, index, line)
            if records is None:
                self.fh.seek(where)
                return
            assert piece is not None  # records were made of it
            newlines = piece.count(b"\n")
            where += len(piece)
            index += len(records)
            line += newlines
            self.records += len(records)
            self.lines += newlines
            yield records, newlines
        self.complete = True


def _cut(fh: BinaryIO, size: int) -> Iterator[bytes | None]:
    """Cut the rest of the file into chunks that end with a line end.

    The last chunk is what follows the last line end (maybe nothing); None means a
    line longer than ``_LONGEST`` full-size chunks, which the row reader reports.
    """
    buf, want = b"", size
    while True:
        more = fh.read(want)
        buf += more
        cut = buf.rfind(b"\n") + 1 if more else len(buf)
        if cut == 0 and more:
            if len(buf) > _LONGEST * max(size, CHUNK):
                yield None
                return
            want = max(size, len(buf))  # a long line: read as much again
            continue
        want = size
        piece, buf = buf[:cut], buf[cut:]
        yield piece
        if not more:
            return


def _records(
    piece: bytes, cells: re.Pattern[str], make: Maker, index: int, line: int
) -> list[ParsedRecord] | None:
    """The records of a chunk, or None when it cannot be vouched for.

    That is when a line is neither a plain row nor blank, or a check beyond the
    XSD fails.
    """
    text = piece.decode("latin-1")  # a byte beyond ASCII matches no cell
    if text and not text.endswith("\n"):
        text += "\n"  # the file's last line, without its line end
    rows: list[tuple[str, ...]] = cells.findall(text)
    if len(rows) != text.count("\n"):
        return None
    lines: Iterable[int] = range(line + 1, line + 1 + len(rows))
    if "\n\n" in text or "\n\r\n" in text or text.startswith(("\n", "\r")):
        numbered = [(n, r) for n, r in enumerate(rows, line + 1) if any(r)]
        lines, rows = [n for n, _ in numbered], [r for _, r in numbered]
    try:
        return records(make, rows, index, lines, zip(rows))
    except FieldError:
        return None


def usable(encoding: str, decimal: str, max_chars: int) -> bool:
    """True when the file's settings leave its ASCII rows as the grammar reads them."""
    return encoding in _ASCII_ENCODINGS and decimal != "," and max_chars >= 65536


def _lone_cr(piece: bytes) -> bool:
    """True when a CR stands without its LF."""
    return piece.count(b"\r") != piece.count(b"\r\n")
