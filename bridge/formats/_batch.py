"""Checking record elements in batches against the kind's XSD, then building models.

XML records and CSV rows both become record elements under a bare root (``<stock>``)
and are validated a batch at a time: one validation context per batch is much cheaper
than one per record. Only when a batch fails is each of its records validated on its
own, so the issues name the exact record, line and field.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from lxml import etree

from bridge.errors import FileIssue
from bridge.formats._records import (
    Checker,
    Converter,
    FieldError,
    Values,
    checker,
    converter,
)
from bridge.formats._xsd import KindSchema, XsdProblem
from bridge.models.erp import Kind, ParsedRecord

__all__ = ["BATCH_SIZE", "IssueLog", "RecordChecker"]

BATCH_SIZE = 512
_tostring = etree.tostring

Raw = bytes | tuple[tuple[str, ...], ...]
FieldNamer = Callable[[XsdProblem], str | None]


def _serialize(element: etree._Element | None) -> bytes:
    """The record element as it was in the file (its raw form)."""
    raw: bytes = _tostring(element, encoding="utf-8", with_tail=False)
    return raw


def _discard(convert: Converter) -> Checker:
    """A layout's own converter used as a check: its model is not kept."""

    def check(
        element: etree._Element | None, values: Values | None, max_chars: int
    ) -> None:
        convert(element, values, max_chars)

    return check


class IssueLog:
    """Collects a file's issues up to a cap, and keeps counting beyond it."""

    def __init__(self, file: str, cap: int) -> None:
        """Start an empty log for ``file`` keeping at most ``cap`` issues."""
        self.file = file
        self.cap = cap
        self.issues: list[FileIssue] = []
        self.count = 0

    def add(self, line: int | None, field: str | None, reason: str) -> None:
        """Record one issue (kept only while under the cap)."""
        self.count += 1
        if len(self.issues) < self.cap:
            self.issues.append(FileIssue(self.file, line, field, reason))


# (record element, or None for a record the fast path vouched for (not in the batch),
#  index in the file, line, raw form or None to serialize the element,
#  field values when already known or None to read them from the element)
_Pending = tuple[etree._Element | None, int, int, Raw | None, Values | None]


class RecordChecker:
    """Validates record elements in batches and turns the valid ones into records."""

    def __init__(
        self,
        kind: Kind,
        schema: KindSchema,
        log: IssueLog,
        *,
        max_chars: int,
        namer: FieldNamer | None = None,
        convert: Converter | None = None,
        validate_only: bool = False,
    ) -> None:
        """Prepare an empty batch.

        Args:
            kind: products | stock | shipments.
            schema: The schema the record elements are checked against.
            log: Where issues go.
            max_chars: The longest free-text value accepted.
            namer: Maps a problem to the field name the file uses (CSV column).
            convert: Builds a record's model (default: the kind's canonical one).
            validate_only: Keep only the verdict: run the checks beyond the XSD
                without building models or raw forms, and return no records.
        """
        self.kind = kind
        self.schema = schema
        self.log = log
        self.max_chars = max_chars
        self.namer = namer
        self._convert = convert if convert is not None else converter(kind)
        self.validate_only = validate_only
        self._check: Checker | None = None
        if validate_only:
            self._check = checker(kind) if convert is None else _discard(convert)
        self.batch = etree.Element(schema.root)
        self.node_lines: dict[etree._Element, int] = {}
        self.pending: list[_Pending] = []

    @property
    def full(self) -> bool:
        """True when the batch should be flushed."""
        return len(self.pending) >= BATCH_SIZE

    def add(
        self,
        element: etree._Element | None,
        index: int,
        line: int,
        raw: Raw | None,
        values: Values | None = None,
    ) -> None:
        """Queue a record element already appended to ``self.batch``.

        ``element`` is None for a record whose ``values`` the fast path vouched for:
        it skips the XSD and only goes through the model checks, in its turn.
        """
        self.pending.append((element, index, line, raw, values))

    def flush(self) -> list[ParsedRecord]:
        """Validate the queued records and return those that passed every check."""
        pending, batch, node_lines = self.pending, self.batch, self.node_lines
        self.pending, self.batch = [], etree.Element(self.schema.root)
        self.node_lines = {}
        if not pending:
            return []
        batch_ok = not len(batch) or bool(self.schema.schema.validate(batch))
        blamed = False
        out: list[ParsedRecord] = []
        build = self._build
        for p in pending:
            if not batch_ok and p[0] is not None:
                problems = self.schema.explain(p[0])
                if problems:
                    blamed = True
                    self._report(problems, p[2], node_lines)
                    continue
            record = build(*p)
            if record is not None:
                out.append(record)
        if not batch_ok and not blamed:
            for entry in self.schema.schema.error_log:
                self.log.add(entry.line or pending[0][2], None, entry.message)
        return out

    def _build(
        self,
        element: etree._Element | None,
        index: int,
        line: int,
        raw: Raw | None,
        values: Values | None,
    ) -> ParsedRecord | None:
        try:
            if self._check is not None:
                self._check(element, values, self.max_chars)
                return None
            key, model = self._convert(element, values, self.max_chars)
        except FieldError as exc:
            where = exc.node.sourceline if exc.node is not None else None
            self.log.add(where or line, exc.field, exc.reason)
            return None
        if raw is None:  # XML: serialized only if the record is ever refused
            return ParsedRecord(index, line, key, model, partial(_serialize, element))
        return ParsedRecord(index, line, key, model, raw)

    def _report(
        self,
        problems: list[XsdProblem],
        line: int,
        node_lines: dict[etree._Element, int],
    ) -> None:
        for problem in problems:
            node = problem.node
            where = None
            if node is not None:
                where = node.sourceline or node_lines.get(node)
            name = self.namer(problem) if self.namer is not None else problem.field
            self.log.add(where or line, name, problem.reason)
