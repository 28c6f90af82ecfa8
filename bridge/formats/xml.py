"""Streaming, hardened reading of ERP XML files (products, stock, shipments).

The file is parsed with ``lxml.etree.iterparse`` with DTD loading, entity expansion and
network access off. A document type declaration is refused outright, so XXE and entity
bombs end as an invalid file with a line, never as a read of a local file or a memory
blow-up. Each finished record element is moved out of the parse tree into a batch (so
memory stays flat) and validated against the kind's XSD (see ``_batch``).

The root and record elements are qualified names (``XmlNames``: namespace, root,
record), so a namespaced layout streams its records the same way; a layout whose whole
document is one unit reads it with ``parse_document`` (see ``document.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from bridge.formats._batch import BATCH_SIZE, IssueLog, RecordChecker
from bridge.formats._records import FieldError, _datetime
from bridge.formats.codec import XmlNames
from bridge.formats.xml_fast import FastScan
from bridge.formats.xml_grammar import XmlGrammar
from bridge.models.erp import ParsedRecord

__all__ = [
    "XmlState",
    "parse_document",
    "read_xml",
    "read_xml_batches",
    "refuse_doctype",
    "syntax_issue",
]

_NO_DOCTYPE = "DOCTYPE not allowed (no DTDs or entities)"
_WHERE = re.compile(r",? line \d+, column \d+\s*$")


@dataclass
class XmlState:
    """What the XML reader learns about the file as it goes."""

    generated: datetime | None = None
    records: int = 0


def read_xml(
    path: Path,
    checker: RecordChecker,
    log: IssueLog,
    state: XmlState,
    names: XmlNames | None = None,
    *,
    grammar: XmlGrammar | None = None,
) -> Iterator[ParsedRecord]:
    """Yield the valid records of an XML file; issues go to ``log``.

    The records of ``read_xml_batches``, one by one: see there.
    """
    batches = read_xml_batches(path, checker, log, state, names, grammar=grammar)
    return chain.from_iterable(batches)


def read_xml_batches(
    path: Path,
    checker: RecordChecker,
    log: IssueLog,
    state: XmlState,
    names: XmlNames | None = None,
    *,
    grammar: XmlGrammar | None = None,
) -> Iterator[list[ParsedRecord]]:
    """Yield the valid records of an XML file in batches; issues go to ``log``.

    Batches (a chunk of the fast path, a batch of the XSD check) spare the caller a
    generator's step per record.

    With a ``grammar`` (canonical files), the chunks it vouches for are read by the
    fast path (``xml_fast``); from the first it cannot vouch for, the file is parsed
    by libxml2 from the start, skipping the records the fast path already read.

    Args:
        path: The file.
        checker: The layout's batch checker.
        log: Where issues go.
        state: Filled with the root's ``generated`` and the record count.
        names: The root and record elements (default: the checker's schema's,
            without a namespace).
        grammar: The kind's grammar of plainly valid files (None: no fast path).

    Yields:
        The records that passed the XSD and model checks, in file order.
    """
    if names is None:
        names = XmlNames(None, checker.schema.root, checker.schema.record)
    skip = 0
    if grammar is not None:
        scan = FastScan(path, grammar, checker)
        if scan.usable():
            for batch in scan.batches():
                state.records += len(batch)
                yield batch
            if scan.complete:
                state.records = scan.vouched  # a validation pass yields none
                state.generated = scan.generated
                return
            skip = scan.vouched
            state.records = 0  # libxml2 counts them again
    with path.open("rb") as fh:
        yield from _parse(fh, path, checker, log, state, names, skip)


def _parse(
    fh: BinaryIO,
    path: Path,
    checker: RecordChecker,
    log: IssueLog,
    state: XmlState,
    names: XmlNames,
    skip: int = 0,
) -> Iterator[list[ParsedRecord]]:
    root_tag, record_tag = names.root_tag, names.record_tag or names.root_tag
    context = etree.iterparse(
        fh,
        events=("end",),
        tag=(root_tag, record_tag),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    root: etree._Element | None = None
    pending = checker.pending
    try:
        for _, el in context:
            if root is None:
                root = el.getroottree().getroot()
                if not _root_ok(path, root, checker, log, state, root_tag):
                    return
            if el is root:
                _leftovers(root, log)
                continue
            # the fast test first: a record directly under the root, nothing before it
            misplaced = el.getprevious() is not None or el.getparent() is not root
            if misplaced and not _place(el, root, log, root_tag):
                continue
            if state.records < skip:  # read by the fast path: valid, and yielded
                state.records += 1
                root.remove(el)
                continue
            checker.batch.append(el)
            pending.append((el, state.records, el.sourceline, None, None))
            state.records += 1
            if len(pending) >= BATCH_SIZE:
                yield checker.flush()
                pending = checker.pending
        if root is None and not _root_ok(
            path, context.root, checker, log, state, root_tag
        ):
            return
        yield checker.flush()
    except etree.XMLSyntaxError as exc:
        syntax_issue(path, exc, log)


def parse_document(
    path: Path, log: IssueLog, names: XmlNames
) -> tuple[etree._Element, bytes] | None:
    """Parse a whole document whose root is one unit (document mode), hardened.

    Args:
        path: The file.
        log: Where issues go.
        names: The root element expected (its namespace and local name).

    Returns:
        The root element and the document's bytes, or None when the file is not
        well-formed, carries a DOCTYPE or has another root (the reason is logged).
    """
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    with path.open("rb") as fh:
        data = fh.read()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        syntax_issue(path, exc, log)
        return None
    if refuse_doctype(path, root, log):
        return None
    if root.tag != names.root_tag:
        log.add(
            root.sourceline,
            None,
            f"root element is <{root.tag}>, expected <{names.root_tag}>",
        )
        return None
    return root, data


def syntax_issue(path: Path, exc: etree.XMLSyntaxError, log: IssueLog) -> None:
    """Log a parse error: a DOCTYPE if there is one, else the parser's reason."""
    doctype = _doctype_line(path)
    if doctype is not None:  # e.g. an entity bomb stopped by libxml2 itself
        log.add(doctype, None, _NO_DOCTYPE)
    else:
        log.add(exc.lineno or None, None, _syntax_reason(exc))


def refuse_doctype(path: Path, root: etree._Element, log: IssueLog) -> bool:
    """True (and logged) when the document carries a document type declaration."""
    if root.getroottree().docinfo.doctype:
        log.add(_doctype_line(path), None, _NO_DOCTYPE)
        return True
    return False


def _root_ok(
    path: Path,
    root: etree._Element | None,
    checker: RecordChecker,
    log: IssueLog,
    state: XmlState,
    root_tag: str,
) -> bool:
    """Check the prolog and root: no DOCTYPE, the right name, a valid ``generated``."""
    if root is None:
        log.add(1, None, "file is empty")
        return False
    if refuse_doctype(path, root, log):
        return False
    ks = checker.schema
    if root.tag != root_tag:
        log.add(
            root.sourceline,
            None,
            f"root element is <{root.tag}>, expected <{root_tag}>",
        )
        return False
    shell = etree.Element(root.tag, dict(root.attrib))
    for problem in ks.explain(shell):
        log.add(root.sourceline, problem.field, problem.reason)
    generated = root.get("generated")
    if generated is not None and log.count == 0:
        try:
            state.generated = _datetime("generated", generated)
        except FieldError as exc:
            log.add(root.sourceline, exc.field, exc.reason)
    return True


def _place(
    el: etree._Element, root: etree._Element, log: IssueLog, root_tag: str
) -> bool:
    """True if the record sits directly under the root; report what else is there."""
    parent = el.getparent()
    if parent is not root:
        log.add(el.sourceline, None, f"<{el.tag}> must be directly inside <{root_tag}>")
        if parent is not None:
            parent.remove(el)
        return False
    prev = el.getprevious()
    while prev is not None:
        log.add(prev.sourceline, str(prev.tag), "unexpected element")
        root.remove(prev)
        prev = el.getprevious()
    return True


def _leftovers(root: etree._Element, log: IssueLog) -> None:
    """Report elements or text left in the root after the last record."""
    if root.text and root.text.strip():
        log.add(root.sourceline, None, f"text is not allowed inside <{root.tag}>")
    for child in root:
        log.add(child.sourceline, str(child.tag), "unexpected element")


def _doctype_line(path: Path) -> int | None:
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    pos = head.find(b"<!DOCTYPE")
    return head.count(b"\n", 0, pos) + 1 if pos >= 0 else None


def _syntax_reason(exc: etree.XMLSyntaxError) -> str:
    msg = _WHERE.sub("", (exc.msg or str(exc)).strip()).strip()
    lower = msg.lower()
    if "document is empty" in lower or "no element found" in lower:
        return "file is empty"
    if "encoding" in lower or "utf-8" in lower:
        return f"not readable as UTF-8 or the declared encoding: {msg}"
    return f"not well-formed XML: {msg}"
