"""The fast path of the canonical XML reader: whole chunks vouched for by the grammar.

The file is read in chunks of about 1 MiB, each cut after a record's end tag. A chunk
the kind's grammar (``xml_grammar``) matches from end to end holds only records the
XSD accepts; it is then read without libxml2: in a validation pass only the checks
beyond the XSD run (time stamps, EAN check digits, found with one search per field),
and a reading pass matches record after record from where the last one ended (which
vouches for the chunk just as well) and builds each record from the matched values
(``_makers``), its line from the newlines before it and its raw form from its bytes.

The first chunk the grammar cannot vouch for (or whose checks beyond the XSD fail)
ends the fast path: the reader then parses the file with libxml2 from the start as
before, skipping the records already vouched for, so every issue, line and message is
the one libxml2 and the XSD give (see ``xml.read_xml``). A file whose prolog, root or
tail the grammar does not know goes to libxml2 whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import BinaryIO

from bridge.formats._batch import RecordChecker
from bridge.formats._makers import maker, records
from bridge.formats._records import FieldError, _datetime, field_checks
from bridge.formats.xml_grammar import XmlGrammar
from bridge.models.erp import ParsedRecord

__all__ = ["CHUNK", "FastScan"]

CHUNK = 1 << 20
"""About how many bytes are vouched for at once (a module setting tests lower)."""
# a reading pass: ~80 records at a time, whose objects stay in the CPU's caches
# while they are built column by column (measured: 64 KiB chunks cost ~20 % more)
_RECORDS_CHUNK = 1 << 12
_LONGEST = 4  # a record longer than this many (full-size) chunks is left to libxml2
_DEFAULT_MAX_CHARS = 65536  # the grammar bounds free text by this, like the XSD


class FastScan:
    """Reads a canonical XML file as far as its grammar vouches for it.

    Attributes:
        vouched: How many records were read (all of them valid).
        complete: True when the whole file was vouched for (nothing left to parse).
        generated: The root's ``generated`` (set only when complete).
    """

    def __init__(self, path: Path, grammar: XmlGrammar, checker: RecordChecker) -> None:
        """Prepare to read ``path`` with ``grammar``, checking as ``checker`` does."""
        self.path = path
        self.grammar = grammar
        self.kind = checker.kind
        self.max_chars = checker.max_chars
        self.validate_only = checker.validate_only
        self.vouched = 0
        self._built = 0  # records built, some held back (``vouched`` counts given out)
        self.complete = False
        self.generated: datetime | None = None

    def usable(self) -> bool:
        """False when the free-text cap is below what the grammar lets through."""
        return self.max_chars >= _DEFAULT_MAX_CHARS

    def __iter__(self) -> Iterator[ParsedRecord]:
        """Yield the records of each vouched chunk (none in a validation pass)."""
        return chain.from_iterable(self.batches())

    def batches(self) -> Iterator[list[ParsedRecord]]:
        """Yield the records of each vouched chunk, a chunk at a time.

        A chunk's records are held back until the next chunk (or the file's tail)
        is vouched for too, so a file that is broken further on gives out no
        record of its last chunk before the break, as libxml2's batches do not.
        """
        g = self.grammar
        # a reading pass holds a chunk's records: smaller chunks keep memory flat
        size = CHUNK if self.validate_only else min(CHUNK, _RECORDS_CHUNK)
        with self.path.open("rb") as fh:
            buf = fh.read(max(size, 1024))  # the whole prolog
            m = g.prolog.match(buf)
            if m is None:
                return
            stamp = m.group("generated")
            try:
                generated = _datetime("generated", stamp.decode()) if stamp else None
            except FieldError:
                return
            line = 1 + buf.count(b"\n", 0, m.end())
            buf = buf[m.end() :]
            held: tuple[int, list[ParsedRecord]] | None = None
            for piece in _chunks(fh, buf, g.end_tag, size):
                if piece is None or (b"\r" in piece and _lone_cr(piece)):
                    return
                # the grammar is ASCII: each byte one character, a byte >= 0x80
                # matches nothing (so text beyond ASCII is left to libxml2)
                chunk = piece.decode("latin-1")
                tail = not piece.endswith(g.end_tag)
                if tail and g.tail.fullmatch(chunk) is None:
                    return  # a broken or unusual end: libxml2 says what it is
                taken = None if tail else self._take(chunk, line)
                if not tail and taken is None:
                    return
                if held is not None:
                    self.vouched += held[0]
                    yield held[1]
                    held = None
                if tail:
                    self.complete = True
                    self.generated = generated
                    return
                held = taken
                line += piece.count(b"\n")

    def _take(self, chunk: str, line: int) -> tuple[int, list[ParsedRecord]] | None:
        """How many records the chunk holds, and the records (none if validating).

        None when the grammar or a check beyond the XSD refuses the chunk.
        """
        if self.validate_only:
            if self.grammar.chunk.fullmatch(chunk) is None or not self._checks(chunk):
                return None
            return chunk.count(self.grammar.record_end), []
        records = self._records(chunk, line)
        return None if records is None else (len(records), records)

    def _checks(self, chunk: str) -> bool:
        """Run the checks beyond the XSD on every value they look at."""
        for name, check in field_checks(self.kind).items():
            if name not in self.grammar.fields:
                continue
            try:
                for value in self.grammar.field_values(name).findall(chunk):
                    check(value)
            except FieldError:
                return False
        return True

    def _records(self, chunk: str, line: int) -> list[ParsedRecord] | None:
        """Build the chunk's records; None when the chunk is not theirs alone.

        That is: something in it is not a record the grammar matches, or a check
        beyond the XSD fails.
        """
        g = self.grammar
        make = maker(self.kind, ("", *g.fields))
        if make is None or g.step is None:
            return None
        step, count = g.step.match, chunk.count
        rows: list[tuple[str | None, ...]] = []
        lines: list[int] = []
        add_row, add_line = rows.append, lines.append
        pos, mark, end = 0, 0, len(chunk)
        while pos < end:
            m = step(chunk, pos)
            if m is None:
                return None
            start = m.start(1)
            line += count("\n", mark, start)
            mark, pos = start, m.end()
            add_row(m.groups())
            add_line(line)
        raws = [str(r[0]).encode("ascii") for r in rows]
        if "\r" in chunk:  # as libxml2 reads it: line ends are LF
            raws = [r.replace(b"\r\n", b"\n") for r in raws]
        try:
            out = records(make, rows, self._built, lines, raws)
        except FieldError:
            return None
        self._built += len(out)
        return out


def _chunks(
    fh: BinaryIO, buf: bytes, end_tag: bytes, size: int
) -> Iterator[bytes | None]:
    """Cut the file after ``buf`` into chunks that end with a record's end tag.

    The last item is what follows the last end tag (the tail); None means a record
    longer than ``_LONGEST`` full-size chunks, which the fast path leaves to libxml2.
    """
    eof, want = False, size
    while True:
        if not eof:
            more = fh.read(want)
            eof = not more
            buf += more
        cut = buf.rfind(end_tag)
        if cut < 0:
            if eof:
                yield buf
                return
            if len(buf) > _LONGEST * max(size, CHUNK):
                yield None
                return
            want = max(size, len(buf))  # a long record: read as much again
            continue
        want = size
        cut += len(end_tag)
        yield buf[:cut]
        buf = buf[cut:]


def _lone_cr(piece: bytes) -> bool:
    """True when a CR stands without its LF (libxml2 counts it as a line end)."""
    return piece.count(b"\r") != piece.count(b"\r\n") or piece.endswith(b"\r")
