"""Streaming, hardened reading of ERP XML files (products, stock, shipments).

The file is parsed with ``lxml.etree.iterparse`` with DTD loading, entity expansion and
network access off. A document type declaration is refused outright, so XXE and entity
bombs end as an invalid file with a line, never as a read of a local file or a memory
blow-up. Each finished record element is moved out of the parse tree into a batch (so
memory stays flat) and validated against the kind's XSD (see ``_batch``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from bridge.formats._batch import BATCH_SIZE, IssueLog, RecordChecker
from bridge.formats._records import FieldError, _datetime
from bridge.models.erp import ParsedRecord

__all__ = ["XmlState", "read_xml"]

_NO_DOCTYPE = "DOCTYPE not allowed (no DTDs or entities)"
_WHERE = re.compile(r",? line \d+, column \d+\s*$")


@dataclass
class XmlState:
    """What the XML reader learns about the file as it goes."""

    generated: datetime | None = None
    records: int = 0


def read_xml(
    path: Path, checker: RecordChecker, log: IssueLog, state: XmlState
) -> Iterator[ParsedRecord]:
    """Yield the valid records of an XML file; issues go to ``log``.

    Args:
        path: The file.
        checker: The kind's batch checker.
        log: Where issues go.
        state: Filled with the root's ``generated`` and the record count.

    Yields:
        Each record that passed the XSD and model checks, in file order.
    """
    with path.open("rb") as fh:
        yield from _parse(fh, path, checker, log, state)


def _parse(
    fh: BinaryIO, path: Path, checker: RecordChecker, log: IssueLog, state: XmlState
) -> Iterator[ParsedRecord]:
    ks = checker.schema
    context = etree.iterparse(
        fh,
        events=("end",),
        tag=(ks.root, ks.record),
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
                if not _root_ok(path, root, checker, log, state):
                    return
            if el is root:
                _leftovers(root, log, ks.record)
                continue
            # the fast test first: a record directly under the root, nothing before it
            misplaced = el.getprevious() is not None or el.getparent() is not root
            if misplaced and not _place(el, root, log, ks.root):
                continue
            checker.batch.append(el)
            pending.append((el, state.records, el.sourceline, None, None))
            state.records += 1
            if len(pending) >= BATCH_SIZE:
                yield from checker.flush()
                pending = checker.pending
        if root is None and not _root_ok(path, context.root, checker, log, state):
            return
        yield from checker.flush()
    except etree.XMLSyntaxError as exc:
        doctype = _doctype_line(path)
        if doctype is not None:  # e.g. an entity bomb stopped by libxml2 itself
            log.add(doctype, None, _NO_DOCTYPE)
        else:
            log.add(exc.lineno or None, None, _syntax_reason(exc))


def _root_ok(
    path: Path,
    root: etree._Element | None,
    checker: RecordChecker,
    log: IssueLog,
    state: XmlState,
) -> bool:
    """Check the prolog and root: no DOCTYPE, the right name, a valid ``generated``."""
    if root is None:
        log.add(1, None, "file is empty")
        return False
    if root.getroottree().docinfo.doctype:
        log.add(_doctype_line(path), None, _NO_DOCTYPE)
        return False
    ks = checker.schema
    if root.tag != ks.root:
        log.add(
            root.sourceline, None, f"root element is <{root.tag}>, expected <{ks.root}>"
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


def _leftovers(root: etree._Element, log: IssueLog, record: str) -> None:
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
