"""What every codec's record stream shares: its issue log, the text check, the verdict.

A file that is missing, empty or binary is refused before any parser sees it, with
the same messages whatever the layout; a full validation pass is the stream drained
with only its verdict kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from bridge.errors import FileIssue
from bridge.formats._batch import IssueLog
from bridge.formats.codec import (
    CANONICAL,
    Format,
    Progress,
    RecordStream,
    ValidationResult,
)
from bridge.models.erp import ParsedRecord

__all__ = ["HEAD", "UTF16_BOMS", "FileStream", "drain"]

HEAD = 1 << 16
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class FileStream:
    """The base of a codec's stream: a file, its name in issues, and its issue log.

    Subclasses set ``fmt`` and implement ``record_count`` and ``__iter__``.
    """

    fmt: Format

    def __init__(
        self, path: Path, name: str | None, max_issues: int, head: bytes | None = None
    ) -> None:
        """Prepare to read ``path``; issues name it ``name`` (default: its name).

        ``head`` is the file's first ``HEAD`` bytes when the caller has read them
        already (detecting the layout), so the text check need not open it again.
        """
        self.path = path
        self.name = name or path.name
        self.log = IssueLog(self.name, max_issues)
        self.generated: datetime | None = None
        self._head = head

    @property
    def delimiter(self) -> str | None:
        """The CSV delimiter detected from the header (None unless CSV)."""
        return None

    @property
    def issues(self) -> list[FileIssue]:
        """The issues found so far (capped at ``max_issues``), in line order."""
        return sorted(self.log.issues, key=lambda i: i.line or 0)

    @property
    def issue_count(self) -> int:
        """How many issues were found so far, including those beyond the cap."""
        return self.log.count

    @property
    def record_count(self) -> int:
        """How many records were read so far, valid or not."""
        raise NotImplementedError

    def __iter__(self) -> Iterator[ParsedRecord]:
        """Read the file once, yielding each record that passed every check."""
        raise NotImplementedError

    def readable(self) -> bool:
        """Refuse missing, empty and binary files before any parser sees them."""
        head, self._head = self._head, None
        if head is None:
            try:
                with self.path.open("rb") as fh:
                    head = fh.read(HEAD)
            except OSError as exc:
                self.log.add(None, None, f"cannot be read: {exc.strerror}")
                return False
        if not head.strip():
            self.log.add(1, None, "file is empty")
            return False
        nul = head.find(b"\x00")
        if nul >= 0 and head[:2] not in UTF16_BOMS:
            line = head.count(b"\n", 0, nul) + 1
            self.log.add(line, None, "binary content (NUL byte), not a text file")
            return False
        return True


def drain(
    stream: RecordStream, progress: Progress | None, layout: str = CANONICAL
) -> ValidationResult:
    """Read a whole stream, keeping only its verdict.

    Args:
        stream: A codec's stream, not yet iterated.
        progress: Wraps the record stream (a progress bar on a terminal).
        layout: The layout the stream reads.

    Returns:
        The format, the issues, the record count and the ``generated`` stamp.
    """
    for _ in progress(stream) if progress is not None else stream:
        pass
    return ValidationResult(
        stream.fmt,
        stream.issues,
        stream.record_count,
        stream.generated,
        stream.issue_count,
        layout,
    )
