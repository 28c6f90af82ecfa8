"""User XML layouts (SPEC §7 ``[[layouts]]`` with ``xslt``): any XML through XSLT 1.0.

The ERP's document is parsed hardened (no DTD, no entities, no network), then turned
by the user's stylesheet into the canonical XML of its kind (SPEC §3); each record of
the result goes through the kind's XSD and models as a canonical record would. The
stylesheet runs with every access denied (no ``document()``, no reading or writing of
files, no network) and without extension functions or elements: what it needs must be
in the document it is handed. One file is one unit: its records' raw form is the whole
document, and so are its rejects. Issues name the source's root line (the result of a
transformation has no lines of its own) and the canonical field.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import ClassVar

from lxml import etree

from bridge.config import CsvOptions, LayoutSettings
from bridge.errors import ConfigError
from bridge.formats import _rejects
from bridge.formats._batch import RecordChecker
from bridge.formats._stream import FileStream, drain
from bridge.formats._xsd import kind_schema
from bridge.formats.codec import Format, Progress, ValidationResult
from bridge.formats.document import CanonicalTree
from bridge.formats.xml import refuse_doctype, syntax_issue
from bridge.kinds import Kind, kind_spec
from bridge.models.erp import ParsedRecord

__all__ = ["UserXsltCodec", "load_stylesheet"]

_DENY = etree.XSLTAccessControl.DENY_ALL


@cache
def load_stylesheet(path: Path) -> etree.XSLT:
    """Compile a user's stylesheet, hardened (see the module's docstring).

    Raises:
        ConfigError: The stylesheet cannot be read or compiled.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        doc = etree.parse(str(path), parser)
        return etree.XSLT(doc, access_control=_DENY, extensions=None)
    except (OSError, etree.XMLSyntaxError, etree.XSLTParseError) as exc:
        raise ConfigError(f"stylesheet {path} is not usable: {exc}") from exc


class _XsltStream(FileStream):
    fmt: Format = "xml"

    def __init__(
        self,
        codec: UserXsltCodec,
        path: Path,
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
        if not self.readable():
            return
        parsed = self._parse()
        if parsed is None:
            return
        root, data = parsed
        result = self._transform(root)
        if result is None:
            return
        spec = kind_spec(self.codec.kind)
        if result.tag != spec.root:
            self.log.add(
                root.sourceline,
                None,
                f"the stylesheet made <{result.tag}>, expected <{spec.root}>",
            )
            return
        checker = RecordChecker(
            self.codec.kind,
            kind_schema(self.codec.kind),
            self.log,
            max_chars=self.max_field_chars,
        )
        tree = CanonicalTree(checker, spec.record)
        for made in result.iterchildren(spec.record):
            record = tree.record(root)
            for child in made:
                for el in child.iter():
                    el.sourceline = root.sourceline  # not the stylesheet's lines
                record.append(child)
        for el, line in tree.records:
            checker.add(el, self._records, line, data)
            self._records += 1
        yield from checker.flush()

    def _parse(self) -> tuple[etree._Element, bytes] | None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        data = self.path.read_bytes()
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            syntax_issue(self.path, exc, self.log)
            return None
        if refuse_doctype(self.path, root, self.log):
            return None
        return root, data

    def _transform(self, root: etree._Element) -> etree._Element | None:
        transform = load_stylesheet(self.codec.stylesheet)
        try:
            result = transform(root)
        except etree.XSLTApplyError as exc:
            self.log.add(root.sourceline, None, f"the stylesheet failed: {exc}")
            return None
        out = result.getroot()
        if out is None:
            self.log.add(root.sourceline, None, "the stylesheet made no document")
        return out


@dataclass(frozen=True)
class UserXsltCodec:
    """A user's XML layout: files matching a name glob, turned canonical by XSLT.

    Attributes:
        kind: The kind its records are.
        layout: Its name (``[[layouts]] name``).
        pattern: The file-name glob (``match``).
        stylesheet: The XSLT 1.0 stylesheet, absolute.
    """

    kind: Kind
    layout: str
    pattern: str
    stylesheet: Path = field(repr=False)

    fmt: ClassVar[Format] = "xml"

    @classmethod
    def from_settings(cls, settings: LayoutSettings) -> UserXsltCodec:
        """The codec of one ``[[layouts]]`` entry with ``xslt`` (compiled now)."""
        assert settings.xslt is not None
        load_stylesheet(settings.xslt)
        return cls(settings.kind, settings.name, settings.match, settings.xslt)

    @property
    def matches(self) -> str:
        """How a file is recognised, in words."""
        return f"file name {self.pattern}, XML through {self.stylesheet.name}"

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
        """Open one pass over the document (see ``Codec.read``)."""
        return _XsltStream(self, path, name, max_issues, max_field_chars, head)

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
