"""The fast path of the CSV validation pass: whole chunks of rows vouched for at once.

Once the header is read, the rows of a products or stock file have a fixed shape:
the header's columns, each a value of its XSD type or (for an optional column) empty.
This module builds one regular expression for a row from the kind's grammar
(``xml_grammar``: the field values compiled from the XSD's facets) and matches the
rest of the file against it in chunks of about 1 MiB cut after a line end. A chunk
that matches from end to end holds only rows the XSD and the checks beyond it accept
(blank lines, LF or CRLF, included), so the validation pass only counts its records.

The first chunk that does not match hands the file back to the row-by-row reader at
that chunk's first line, which reports every issue as before. Columns whose type
allows spaces (cells are stripped), quoted cells, a decimal comma, an encoding whose
ASCII is not ASCII, or a field with a check beyond the XSD other than a time stamp
(whose plain form always parses) leave the file to the row-by-row reader.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache
from typing import BinaryIO

from bridge.formats._records import field_checks
from bridge.formats.xml_grammar import DATETIME, SAFE, grammar
from bridge.kinds import Kind

__all__ = ["CHUNK", "CsvScan", "row_grammar", "usable"]

CHUNK = 1 << 20
"""About how many bytes are vouched for at once (a module setting tests lower)."""
_LONGEST = 4
_BLANK = re.compile(rb"(?m)^\r?\n")
_ASCII_ENCODINGS = frozenset({"utf-8", "cp1252", "latin-1", "iso8859-1", "iso8859-15"})


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
    cells: list[str] = []
    for name in names:
        if name not in fields:
            return None  # a column the grammar cannot vouch for
        value, required = fields[name]
        if "(?=" in value or " " in value or (name in checked and value != DATETIME):
            return None
        value = value.replace(f"[{SAFE}]", f"[{allowed}]")
        cells.append(f"(?:{value})" if required else f"(?:{value})?")
    row = re.escape(delimiter).join(cells)
    return re.compile(f"(?:(?:{row})?\r?\n)*+(?:{row})?".encode())


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
        fh, buf = self.fh, b""
        start = fh.tell()
        while True:
            more = fh.read(CHUNK)
            buf += more
            cut = buf.rfind(b"\n") + 1 if more else len(buf)
            if cut == 0 and more:
                if len(buf) > _LONGEST * CHUNK:
                    fh.seek(start)  # a very long line: the row reader says why
                    return
                continue
            piece, buf = buf[:cut], buf[cut:]
            if self.rows.fullmatch(piece) is None or (
                b"\r" in piece and _lone_cr(piece)
            ):
                fh.seek(start)
                return
            newlines = piece.count(b"\n")
            blank = 0
            if b"\n\n" in piece or b"\n\r\n" in piece or piece[:1] in b"\r\n":
                blank = len(_BLANK.findall(piece))
            last = bool(piece) and not piece.endswith(b"\n")  # no final line end
            self.records += newlines - blank + last
            self.lines += newlines
            start += len(piece)
            if not more:
                self.complete = True
                return


def usable(encoding: str, decimal: str, max_chars: int) -> bool:
    """True when the file's settings leave its ASCII rows as the grammar reads them."""
    return encoding in _ASCII_ENCODINGS and decimal != "," and max_chars >= 65536


def _lone_cr(piece: bytes) -> bool:
    """True when a CR stands without its LF."""
    return piece.count(b"\r") != piece.count(b"\r\n")
