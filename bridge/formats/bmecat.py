"""The ``bmecat`` layout: a BMEcat 2005 catalogue (``T_NEW_CATALOG``, ``T_UPDATE_PRODUCTS``).

A catalogue is a record stream: it is read with ``iterparse`` and each ``PRODUCT`` is
moved out of the document as soon as it ends, so memory stays flat however many
products the file holds. Products are checked against the official BMEcat 2005 schema
in batches (the transaction element, a global element of the schema, holding the
batch; ``USER_DEFINED_EXTENSIONS`` may hold anything, as in real catalogues), then
mapped to canonical products (SPEC §7):

===================  ===============================================================
canonical field      PRODUCT
===================  ===============================================================
sku                  ``SUPPLIER_PID``
ean                  ``PRODUCT_DETAILS/INTERNATIONAL_PID`` of type ``ean``/``gtin``
name                 ``PRODUCT_DETAILS/DESCRIPTION_SHORT``
description          ``PRODUCT_DETAILS/DESCRIPTION_LONG``
price                the ``net_list`` ``PRODUCT_PRICE`` in the catalogue's currency
                     (``HEADER/CATALOG/CURRENCY``, or the price's ``PRICE_CURRENCY``)
                     for the smallest quantity (``LOWER_BOUND``)
===================  ===============================================================

A DOCTYPE that only names an external DTD (BMEcat files commonly carry one) is
accepted and the DTD is never fetched; an internal subset (where entities live) is
refused. Rejects are a BMEcat file: the source's header and the refused products.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, ClassVar

from lxml import etree

from bridge.config import CsvOptions
from bridge.formats import _rejects
from bridge.formats._batch import RecordChecker
from bridge.formats._records import FieldError
from bridge.formats._sniff import root_qname
from bridge.formats._stream import HEAD, FileStream, drain
from bridge.formats._xsd import kind_schema, schema_path
from bridge.formats.codec import Format, Progress, ValidationResult
from bridge.formats.document import CanonicalTree, _document_schema
from bridge.formats.xml import _syntax_reason
from bridge.kinds import Kind
from bridge.models.erp import ParsedRecord

__all__ = ["LAYOUT", "NAMESPACE", "BmecatCodec"]

LAYOUT = "bmecat"
NAMESPACE = "http://www.bmecat.org/bmecat/2005"
_BATCH = 200
_INTERNAL_SUBSET = (
    "DOCTYPE with an internal subset not allowed (no entities; an external DTD is)"
)


_LITERAL = r"""("[^"]*"|'[^']*')"""
_EXTERNAL_DOCTYPE = re.compile(
    rb"<!DOCTYPE\s+[^\s>\[]+\s+(SYSTEM\s+"
    + _LITERAL.encode()
    + rb"|PUBLIC\s+"
    + _LITERAL.encode()
    + rb"\s+"
    + _LITERAL.encode()
    + rb")\s*>"
)


def _external_only(path: Path) -> bool:
    """True when the file's DOCTYPE only names an external DTD (no internal subset)."""
    with path.open("rb") as fh:
        head = fh.read(HEAD)
    start = head.find(b"<!DOCTYPE")
    return start >= 0 and _EXTERNAL_DOCTYPE.match(head, start) is not None


def _q(local: str) -> str:
    return f"{{{NAMESPACE}}}{local}"


_TRANSACTIONS = frozenset({_q("T_NEW_CATALOG"), _q("T_UPDATE_PRODUCTS")})
_EAN_TYPES = frozenset({"ean", "gtin"})


def _schema() -> etree.XMLSchema:
    return _document_schema(
        schema_path("bmecat-2005/bmecat_2005_any_udx_extension.xsd")
    )


def _text(el: etree._Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    return el.text.strip() or None


def _price(product: etree._Element, currency: str | None) -> etree._Element:
    """The ``PRICE_AMOUNT`` of the net list price in ``currency`` for the smallest quantity."""
    best: tuple[Decimal, etree._Element] | None = None
    for price in product.iterfind(
        f"{_q('PRODUCT_PRICE_DETAILS')}/{_q('PRODUCT_PRICE')}"
    ):
        if price.get("price_type") != "net_list":
            continue
        own = _text(price.find(_q("PRICE_CURRENCY"))) or currency
        amount = price.find(_q("PRICE_AMOUNT"))
        if own != currency or amount is None:
            continue
        try:
            bound = Decimal(_text(price.find(_q("LOWER_BOUND"))) or "1")
        except InvalidOperation:
            bound = Decimal(1)
        if best is None or bound < best[0]:
            best = (bound, amount)
    if best is None:
        raise FieldError("price", f"no net_list price in {currency}", product)
    return best[1]


def map_product(
    product: etree._Element, out: CanonicalTree, currency: str | None
) -> None:
    """Map one BMEcat ``PRODUCT`` to a canonical product (see the module's table).

    Raises:
        FieldError: The product is to be deleted, or has no net list price in the
            catalogue's currency.
    """
    if product.get("mode") == "delete":
        raise FieldError(
            "sku", "mode delete is not supported (products are not deleted)", product
        )
    details = product.find(_q("PRODUCT_DETAILS"))
    price = _price(product, currency)
    sku = product.find(_q("SUPPLIER_PID"))
    ean = None
    if details is not None:
        ean = next(
            (
                pid
                for pid in details.iterfind(_q("INTERNATIONAL_PID"))
                if (pid.get("type") or "").lower() in _EAN_TYPES
            ),
            None,
        )
    record = out.record(product)
    out.child(record, "sku", _text(sku), source=sku)
    if ean is not None:
        out.child(record, "ean", _text(ean), source=ean)
    short = details.find(_q("DESCRIPTION_SHORT")) if details is not None else None
    out.child(record, "name", _text(short), source=short)
    out.child(record, "price", _text(price), source=price)
    long = details.find(_q("DESCRIPTION_LONG")) if details is not None else None
    if _text(long) is not None:
        out.child(record, "description", _text(long), source=long)


class _BmecatStream(FileStream):
    fmt: Format = "xml"

    def __init__(
        self,
        codec: BmecatCodec,
        path: Path,
        name: str | None,
        max_issues: int,
        max_field_chars: int,
        head: bytes | None,
    ) -> None:
        super().__init__(path, name, max_issues, head)
        self.codec = codec
        self.max_field_chars = max_field_chars
        self.currency: str | None = codec.currency
        self._records = 0

    @property
    def record_count(self) -> int:
        return self._records

    def __iter__(self) -> Iterator[ParsedRecord]:
        if not self.readable():
            return
        checker = RecordChecker(
            "products",
            kind_schema("products"),
            self.log,
            max_chars=self.max_field_chars,
        )
        with self.path.open("rb") as fh:
            try:
                yield from self._parse(fh, checker)
            except etree.XMLSyntaxError as exc:
                self.log.add(exc.lineno or None, None, _syntax_reason(exc))

    def _parse(self, fh: IO[bytes], checker: RecordChecker) -> Iterator[ParsedRecord]:
        context = etree.iterparse(
            fh,
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        depth, batch = 0, None
        for event, el in context:
            if event == "start":
                depth += 1
                if depth == 1 and not self._root_ok(el):
                    return
                if depth == 2 and el.tag in _TRANSACTIONS:
                    batch = etree.Element(
                        el.tag, dict(el.attrib), nsmap={None: NAMESPACE}
                    )
                continue
            depth -= 1
            if depth == 2 and batch is not None:
                batch.append(el)  # moved out of the document: memory stays flat
                if len(batch) >= _BATCH:
                    yield from self._flush(batch, checker)
                    batch = etree.Element(
                        batch.tag, dict(batch.attrib), nsmap={None: NAMESPACE}
                    )
            elif depth == 1 and not self._top(el, batch, checker):
                return
            elif depth == 1 and batch is not None and el.tag in _TRANSACTIONS:
                yield from self._flush(batch, checker)
                batch = None

    def _root_ok(self, root: etree._Element) -> bool:
        dtd = root.getroottree().docinfo.internalDTD
        if dtd is not None and (
            list(dtd.iterentities())
            or list(dtd.elements())
            or not _external_only(self.path)
        ):
            self.log.add(root.sourceline, None, _INTERNAL_SUBSET)
            return False
        if root.tag != _q("BMECAT"):
            self.log.add(
                root.sourceline,
                None,
                f"root element is <{root.tag}>, expected <{_q('BMECAT')}>",
            )
            return False
        return True

    def _top(
        self, el: etree._Element, batch: etree._Element | None, checker: RecordChecker
    ) -> bool:
        """Check a child of ``BMECAT``: the header (its currency), or the transaction."""
        if el.tag == _q("HEADER"):
            schema = _schema()
            if not schema.validate(el):
                for entry in schema.error_log:
                    self.log.add(entry.line or el.sourceline, None, entry.message)
                return False
            if self.currency is None:
                self.currency = _text(el.find(f"{_q('CATALOG')}/{_q('CURRENCY')}"))
            return True
        if el.tag in _TRANSACTIONS:
            return True
        self.log.add(
            el.sourceline,
            None,
            f"<{etree.QName(el).localname}> is not read (only T_NEW_CATALOG and T_UPDATE_PRODUCTS)",
        )
        return False

    def _flush(
        self, batch: etree._Element, checker: RecordChecker
    ) -> Iterator[ParsedRecord]:
        """Check a batch against the BMEcat schema, then map and check its products."""
        schema = _schema()
        if not schema.validate(batch):
            for entry in schema.error_log:
                self.log.add(entry.line or batch[0].sourceline, None, entry.message)
            return
        tree = CanonicalTree(checker, "product")
        for product in batch.iterfind(_q("PRODUCT")):
            try:
                map_product(product, tree, self.currency)
            except FieldError as exc:
                where = exc.node.sourceline if exc.node is not None else None
                self.log.add(where or product.sourceline, exc.field, exc.reason)
                if tree.records and tree.records[-1][1] == product.sourceline:
                    checker.batch.remove(tree.records.pop()[0])
                continue
            el, line = tree.records[-1]
            raw = etree.tostring(product, encoding="utf-8", with_tail=False)
            checker.add(el, self._records, line, raw)
            self._records += 1
        yield from checker.flush()


def _envelope(source: Path) -> tuple[bytes, bytes, bytes]:
    """The source's opening (root and header), its transaction's start tag and the end."""
    header = b""
    transaction = etree.Element(_q("T_NEW_CATALOG"))
    with source.open("rb") as fh:
        context = etree.iterparse(
            fh,
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            remove_comments=True,
            remove_pis=True,
        )
        depth = 0
        for event, el in context:
            depth += 1 if event == "start" else -1
            if event == "start" and depth == 2 and el.tag in _TRANSACTIONS:
                transaction = etree.Element(
                    el.tag, dict(el.attrib), nsmap={None: NAMESPACE}
                )
                break
            if event == "end" and depth == 1 and el.tag == _q("HEADER"):
                header = etree.tostring(el, encoding="utf-8", with_tail=False)
    open_tag = etree.tostring(transaction, encoding="utf-8").removesuffix(b"/>") + b">"
    name = etree.QName(transaction).localname.encode()
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<BMECAT version="2005" xmlns="'
        + NAMESPACE.encode()
        + b'">\n'
        + header
        + b"\n"
    )
    return head, open_tag, b"\n</" + name + b">\n</BMECAT>\n"


@dataclass(frozen=True)
class BmecatCodec:
    """The BMEcat 2005 catalogue layout of products (a record stream).

    Attributes:
        currency: The price currency to take; None: the catalogue's own.
    """

    currency: str | None = None

    kind: ClassVar[Kind] = "products"
    layout: ClassVar[str] = LAYOUT
    fmt: ClassVar[Format] = "xml"

    @property
    def matches(self) -> str:
        """How a file is recognised, in words."""
        return f"<BMECAT> in {NAMESPACE}, PRODUCT records streamed"

    def sniff(self, head: bytes, name: str) -> bool:
        """True when the head's root element is a BMEcat 2005 ``BMECAT``."""
        return root_qname(head) == (NAMESPACE, "BMECAT")

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
        """Open one pass over the catalogue (see ``Codec.read``)."""
        return _BmecatStream(self, path, name, max_issues, max_field_chars, head)

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
        """Check the whole catalogue without keeping its records."""
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
        """A BMEcat file: the source's header and transaction, the refused products."""
        _rejects.ensure_new(dest)
        head, open_tag, end = _envelope(source)
        body = b"\n".join(r.raw for r in records if isinstance(r.raw, bytes))
        _rejects.publish(dest, head + open_tag + b"\n" + body + end)
