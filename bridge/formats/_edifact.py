"""An EDIFACT interchange read as a stream of messages, with flat memory.

The file is read in chunks and cut into segments at the segment terminator (a
terminator after the release character is data); each ``UNH`` … ``UNT`` message is
then parsed on its own with pydifact, under the interchange's service string advice
(``UNA``), so an interchange of any size holds one message in memory at a time. Every
segment keeps the physical line it starts on, for messages that name the line.
"""

from __future__ import annotations

import codecs
import warnings
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any

from pydifact.parser import Parser

__all__ = ["Seg", "messages", "value"]

Seg = tuple[str, list[Any], int]  # tag, elements, line
_CHUNK = 1 << 16
_DEFAULT_UNA = "UNA:+.? '"


def value(element: Any, component: int = 0) -> str:
    """A data element's component as text ('' when absent)."""
    if isinstance(element, list):
        return str(element[component]) if component < len(element) else ""
    return str(element) if component == 0 and element is not None else ""


def _text_chunks(path: Path) -> Iterator[str]:
    """The file's text in chunks: UTF-8 for UNOW/UNOY interchanges, else Latin-1."""
    with path.open("rb") as fh:
        head = fh.read(_CHUNK)
        utf8 = b"UNOW" in head[:200] or b"UNOY" in head[:200]
        decoder = codecs.getincrementaldecoder("utf-8" if utf8 else "latin-1")(
            "replace"
        )
        data = head.removeprefix(b"\xef\xbb\xbf")
        while data:
            yield decoder.decode(data)
            data = fh.read(_CHUNK)
        yield decoder.decode(b"", final=True)


def _raw_segments(path: Path) -> Iterator[tuple[str, str, int]]:
    """``(una, segment text with terminator, start line)`` for each segment."""
    chunks = _text_chunks(path)
    buffer, line = "", 1
    for chunk in chunks:
        buffer += chunk
        if len(buffer) >= 9 or not chunk:
            break
    lead = len(buffer) - len(buffer.lstrip())
    line += buffer[:lead].count("\n")
    buffer = buffer[lead:]
    una = _DEFAULT_UNA
    if buffer.startswith("UNA"):
        una, buffer = buffer[:9], buffer[9:]
    release, terminator = una[6], una[8]
    for chunk in chain([""], chunks):
        buffer += chunk
        parts = buffer.split(terminator)
        buffer = parts.pop()
        pending = ""
        for part in parts:
            pending += part
            escapes = len(pending) - len(pending.rstrip(release))
            if escapes % 2:  # the terminator was released: it is data
                pending += terminator
                continue
            lead = len(pending) - len(pending.lstrip())
            yield una, pending[lead:] + terminator, line + pending[:lead].count("\n")
            line += pending.count("\n")
            pending = ""
        buffer = pending + buffer
    rest = buffer.strip()
    if rest:
        yield una, rest, line + buffer[: buffer.index(rest[0])].count("\n")


def _parse(una: str, texts: list[tuple[str, int]]) -> list[Seg]:
    """Parse a message's segments with pydifact, keeping each one's line."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = list(Parser().parse(una + "".join(t for t, _ in texts)))
    parsed = [s for s in parsed if s.tag != "UNA"]
    return [(s.tag, list(s.elements), texts[i][1]) for i, s in enumerate(parsed)]


def messages(path: Path) -> Iterator[tuple[list[Seg], bytes]]:
    """Each ``UNH`` … ``UNT`` message's parsed segments and its own text as bytes.

    Segments outside a message (``UNB``, ``UNG``, ``UNE``, ``UNZ``) are skipped. A
    message without ``UNT`` is yielded at the end of the file as it is, for the
    caller's envelope checks to refuse.

    Raises:
        pydifact.exceptions.EDISyntaxError: A message is not valid EDIFACT.
    """
    current: list[tuple[str, int]] = []
    una = _DEFAULT_UNA
    for una, text, line in _raw_segments(path):
        tag = text[:3]
        if tag == "UNH":
            if current:
                yield _parse(una, current), "".join(t for t, _ in current).encode()
            current = [(text, line)]
        elif current:
            current.append((text, line))
            if tag == "UNT":
                yield _parse(una, current), "".join(t for t, _ in current).encode()
                current = []
    if current:
        yield _parse(una, current), "".join(t for t, _ in current).encode()
