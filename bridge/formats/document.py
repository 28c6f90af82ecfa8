"""Document-mode XML codecs: the whole document is one unit, handed to a mapper.

Business documents such as a UBL DespatchAdvice are not a stream of records: one
document is one delivery. A ``DocumentXmlCodec`` recognises its file by the root
element's namespace and local name, parses the document whole (hardened: no DTD, no
entities, no network), checks it against the layout's own schema when it has one, and
hands the root to its mapper. The mapper builds canonical record elements (SPEC §3:
``<shipment>`` …) on a ``CanonicalTree``, naming the source element each comes from;
those go through the kind's XSD and models like any canonical record, so every issue
names the file as dropped, the source line and the canonical field.

Each record's raw form is the document's bytes: a rejects file is the whole document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import ClassVar

from lxml import etree

from bridge.config import CsvOptions
from bridge.errors import ConfigError
from bridge.formats import _rejects
from bridge.formats._batch import IssueLog, RecordChecker
from bridge.formats._records import FieldError
from bridge.formats._sniff import root_qname
from bridge.formats._stream import FileStream, drain
from bridge.formats._xsd import kind_schema
from bridge.formats.codec import Format, Progress, ValidationResult, XmlNames
from bridge.formats.xml import parse_document
from bridge.kinds import Kind, kind_spec
from bridge.models.erp import ParsedRecord

__all__ = [
    "LINE_ATTRIBUTE",
    "CanonicalTree",
    "DocumentMapper",
    "DocumentXmlCodec",
    "source_line",
]


#: A stand-in source element's line, where lxml's ``sourceline`` (an unsigned short)
#: cannot hold it: segments of an EDIFACT interchange past line 65,535.
LINE_ATTRIBUTE = "{urn:bridge:source}line"


def source_line(el: etree._Element) -> int | None:
    """The line a source element starts on (past 65,535 too, see ``LINE_ATTRIBUTE``)."""
    held = el.get(LINE_ATTRIBUTE)
    return int(held) if held is not None else el.sourceline


class CanonicalTree:
    """Where a mapper builds canonical record elements, each with its source line."""

    def __init__(self, checker: RecordChecker, record: str) -> None:
        """Build records of the element name ``record`` into ``checker``'s batch."""
        self._checker = checker
        self._record = record
        self.records: list[tuple[etree._Element, int]] = []

    def record(self, source: etree._Element) -> etree._Element:
        """Start a canonical record that comes from the ``source`` element."""
        el = etree.SubElement(self._checker.batch, self._record)
        line = source_line(source) or 1
        self._checker.node_lines[el] = line
        self.records.append((el, line))
        return el

    def child(
        self,
        parent: etree._Element,
        tag: str,
        text: str | None = None,
        *,
        source: etree._Element | None = None,
    ) -> etree._Element:
        """Add a canonical child element, on the line of ``source`` (else the parent's).

        Raises:
            FieldError: ``text`` holds characters XML cannot carry.
        """
        el = etree.SubElement(parent, tag)
        try:
            el.text = text
        except ValueError as exc:
            raise FieldError(tag, "contains control characters", source) from exc
        lines = self._checker.node_lines
        where = source_line(source) if source is not None else None
        lines[el] = where or lines.get(parent, 1)
        return el


DocumentMapper = Callable[[etree._Element, CanonicalTree], None]
"""Maps a document's root to canonical records; raises ``FieldError`` when it cannot."""


@cache
def _document_schema(path: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.XMLSchema(etree.parse(str(path), parser))
    except (etree.XMLSyntaxError, etree.XMLSchemaParseError, OSError) as exc:
        raise ConfigError(f"schema {path} is not usable: {exc}") from exc


class _DocumentStream(FileStream):
    fmt: Format = "xml"

    def __init__(
        self,
        codec: DocumentXmlCodec,
        path: Path,
        *,
        name: str | None,
        max_issues: int,
        max_field_chars: int,
        head: bytes | None,
    ) -> None:
        super().__init__(path, name, max_issues, head)
        self.codec = codec
        self.max_field_chars = max_field_chars
        self._records = 0

    @property
    def record_count(self) -> int:
        return self._records

    def __iter__(self) -> Iterator[ParsedRecord]:
        codec, log = self.codec, self.log
        if not self.readable():
            return
        parsed = parse_document(self.path, log, codec.names)
        if parsed is None or not _schema_ok(codec.schema, parsed[0], log):
            return
        root, data = parsed
        checker = RecordChecker(
            codec.kind, kind_schema(codec.kind), log, max_chars=self.max_field_chars
        )
        tree = CanonicalTree(checker, kind_spec(codec.kind).record)
        try:
            codec.mapper(root, tree)
        except FieldError as exc:
            where = exc.node.sourceline if exc.node is not None else None
            log.add(where or root.sourceline, exc.field, exc.reason)
            return
        for el, line in tree.records:
            checker.add(el, self._records, line, data)
            self._records += 1
        yield from checker.flush()


def _schema_ok(schema: Path | None, root: etree._Element, log: IssueLog) -> bool:
    """Check the document against its layout's own schema, if it has one."""
    if schema is None:
        return True
    compiled = _document_schema(schema)
    if compiled.validate(root):
        return True
    for entry in compiled.error_log:
        log.add(entry.line or None, None, entry.message)
    return False


@dataclass(frozen=True)
class DocumentXmlCodec:
    """An XML layout whose whole document is one unit, read by a mapper.

    Attributes:
        kind: The kind its records are.
        layout: Its name, unique within the kind.
        names: The root element's namespace and local name (``record`` unused).
        mapper: Builds the canonical records from the document's root.
        schema: The layout's own XSD, checked before mapping (None: none).
    """

    kind: Kind
    layout: str
    names: XmlNames
    mapper: DocumentMapper = field(repr=False)
    schema: Path | None = None

    fmt: ClassVar[Format] = "xml"

    @property
    def matches(self) -> str:
        """How a file is recognised, in words."""
        where = f" in {self.names.namespace}" if self.names.namespace else ""
        return f"<{self.names.root}>{where}, one document per file"

    def sniff(self, head: bytes, name: str) -> bool:
        """True when the head's root element has this layout's namespace and name."""
        return root_qname(head) == (self.names.namespace, self.names.root)

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
        """Open one pass over the document (see ``Codec.read``)."""
        return _DocumentStream(
            self,
            path,
            name=name,
            max_issues=max_issues,
            max_field_chars=max_field_chars,
            head=head,
        )

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
        """Check the whole document without keeping its records."""
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
        """The whole document the refused records came from, as it was."""
        _rejects.ensure_new(dest)
        _rejects.publish(dest, _rejects.documents(list(records)))
