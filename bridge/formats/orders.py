"""Order export writers: one ``ExportOrder`` → the bytes of one XML or CSV file.

Both formats are checked against ``schemas/orders.xsd`` before a single byte is
returned: the XML file is the validated document itself; for CSV the same ``<order>``
element is built and validated, then the CSV rows are written from the same record.
A record the schema refuses raises ``InvalidFileError`` and nothing is published.

CSV (documented in the README): one row per order line, the order-level columns
repeated on every row, ``,`` as delimiter, ``"`` quoting, CRLF line ends, amounts
with ``.`` and two decimals. Up to four street lines go in ``*_street_1`` ..
``*_street_4``; further lines are joined into the fourth with ``", "``. Text values
that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``,
TAB or CR) are neutralised by a leading single quote ``'``, except a value that is only
a phone number (digits, spaces and ``+ - ( ) . /``: ``+46 8 123 456``), which is written
as it is (SPEC §3): the ERP imports it, and such a value cannot call a function.
Amounts, quantities and ids are never altered.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Literal, cast

from lxml import etree

from bridge.errors import ConfigError, FileIssue, InvalidFileError
from bridge.formats._outbound import DEFAULT_PARTNERS, Partners
from bridge.formats._xsd import schema_path
from bridge.models.export import ExportAddress, ExportLine, ExportOrder

__all__ = [
    "CSV_COLUMNS",
    "ORDER_LAYOUTS",
    "Partners",
    "neutralise",
    "order_file_name",
    "order_to_csv",
    "order_to_xml",
    "render_order",
    "validate_orders_xml",
]

OrderFormat = Literal["xml", "csv", "ubl", "opentrans", "idoc", "edifact"]

ORDER_LAYOUTS: dict[OrderFormat, str] = {
    "xml": "the canonical orders XML (schemas/orders.xsd)",
    "csv": "the canonical orders CSV, one row per line",
    "ubl": "OASIS UBL 2.1 Order (Peppol BIS 3), official schema checked",
    "opentrans": "openTRANS 2.1 ORDER, official schema checked",
    "idoc": "SAP IDoc-XML ORDERS05, field lengths checked",
    "edifact": "UN/EDIFACT ORDERS D.96A, element lengths checked",
}
"""Every ``orders.format`` and what it writes (``bridge layouts``)."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE_NUMBER = re.compile(r"[0-9 +\-()./]*[0-9][0-9 +\-()./]*")
_STREET_COLUMNS = 4


# --- schema --------------------------------------------------------------------


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    try:
        return etree.XMLSchema(etree.parse(str(schema_path("orders.xsd"))))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise ConfigError(f"schemas/orders.xsd is not a valid schema: {exc}") from exc


def validate_orders_xml(payload: bytes, *, name: str = "orders.xml") -> None:
    """Check an orders document against ``schemas/orders.xsd``.

    Args:
        payload: The XML bytes.
        name: The file name used in the error (for reports).

    Raises:
        InvalidFileError: Not well-formed or not valid; ``issues`` name line and field.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(payload, parser)
    except etree.XMLSyntaxError as exc:
        issue = FileIssue(name, exc.lineno, None, f"not well-formed: {exc.msg}")
        raise InvalidFileError(str(issue), file=name, issues=[issue]) from exc
    schema = _schema()
    if schema.validate(root):
        return
    # lxml-stubs declare the error log opaque; at run time it iterates its entries.
    entries = cast("Iterable[etree._LogEntry]", schema.error_log)
    issues = [_issue(name, err) for err in entries]
    raise InvalidFileError(
        f"{name}: does not match schemas/orders.xsd: {issues[0].reason}",
        file=name,
        issues=issues,
    )


def _issue(name: str, err: etree._LogEntry) -> FileIssue:
    field = err.path.rsplit("/", 1)[-1] if err.path else None
    return FileIssue(name, err.line, field, err.message)


# --- XML -----------------------------------------------------------------------


def _text(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _add(parent: etree._Element, tag: str, value: object) -> None:
    if value is None:
        return
    etree.SubElement(parent, tag).text = _text(value)


def _address_element(parent: etree._Element, tag: str, addr: ExportAddress) -> None:
    node = etree.SubElement(parent, tag)
    _add(node, "firstname", addr.firstname)
    _add(node, "lastname", addr.lastname)
    _add(node, "company", addr.company)
    for line in addr.street:
        _add(node, "street", line)
    for field in ("postcode", "city", "region", "country", "telephone"):
        _add(node, field, getattr(addr, field))


def _group(
    parent: etree._Element, tag: str, record: object, fields: tuple[str, ...]
) -> None:
    node = etree.SubElement(parent, tag)
    for field in fields:
        _add(node, field, getattr(record, field))


_CUSTOMER = ("email", "firstname", "lastname", "telephone", "customer_id", "is_guest")
_SHIPPING = ("method", "description", "amount", "amount_incl_tax")
_PAYMENT = ("method", "transaction_id", "invoice_fee")
_LINE = tuple(ExportLine.model_fields)
_TOTALS = (
    "subtotal",
    "discount_amount",
    "shipping_amount",
    "invoice_fee",
    "tax_amount",
    "grand_total",
)


def _order_element(order: ExportOrder) -> etree._Element:
    node = etree.Element("order")
    for field in ("order_number", "magento_id", "created_at", "status", "currency"):
        _add(node, field, getattr(order, field))
    _group(node, "customer", order.customer, _CUSTOMER)
    _address_element(node, "billing_address", order.billing_address)
    _address_element(node, "shipping_address", order.shipping_address)
    _group(node, "shipping", order.shipping, _SHIPPING)
    _group(node, "payment", order.payment, _PAYMENT)
    lines = etree.SubElement(node, "lines")
    for line in order.lines:
        _group(lines, "line", line, _LINE)
    _group(node, "totals", order.totals, _TOTALS)
    return node


def order_to_xml(order: ExportOrder, *, generated: datetime | None = None) -> bytes:
    """Render one order as a validated ``<orders>`` document.

    Args:
        order: The export record.
        generated: Written as the root's ``generated`` attribute when given. Leave it
            out to get identical bytes for identical orders (the export relies on
            this to recognise a file it already published).

    Returns:
        UTF-8 XML with a declaration, indented.

    Raises:
        InvalidFileError: The record does not match ``schemas/orders.xsd``.
    """
    root = etree.Element("orders")
    if generated is not None:
        root.set("generated", _text(generated))
    root.append(_order_element(order))
    payload: bytes = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    validate_orders_xml(payload, name=order_file_name(order.order_number, "xml"))
    return payload


# --- CSV -----------------------------------------------------------------------


def neutralise(value: str) -> str:
    """Make a text value safe to open in a spreadsheet (no formula is executed).

    Args:
        value: A text value (never an amount).

    Returns:
        ``value`` prefixed with ``'`` if it starts with ``= + - @``, TAB or CR, unless
        it is only a phone number (digits, spaces and ``+ - ( ) . /``).
    """
    if not value.startswith(_FORMULA_START) or _PHONE_NUMBER.fullmatch(value):
        return value
    return "'" + value


def _address_columns(prefix: str) -> list[str]:
    streets = [f"{prefix}_street_{i}" for i in range(1, _STREET_COLUMNS + 1)]
    head = [f"{prefix}_{f}" for f in ("firstname", "lastname", "company")]
    tail = [
        f"{prefix}_{f}" for f in ("postcode", "city", "region", "country", "telephone")
    ]
    return head + streets + tail


CSV_COLUMNS: tuple[str, ...] = tuple(
    ["order_number", "magento_id", "created_at", "status", "currency"]
    + [f if f == "customer_id" else f"customer_{f}" for f in _CUSTOMER]
    + _address_columns("billing")
    + _address_columns("shipping")
    + [f"shipping_{f}" for f in _SHIPPING]
    + [f"payment_{f}" for f in _PAYMENT]
    + [f"line_{f}" if f != "line_id" else f for f in _LINE]
    + [f"total_{f}" for f in _TOTALS]
)
"""The CSV header, in order (documented in the README)."""


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    return _text(value)  # amounts, quantities, ids, dates, booleans: never altered


def _address_cells(addr: ExportAddress) -> list[object]:
    street: list[str | None] = list(addr.street[: _STREET_COLUMNS - 1])
    rest = addr.street[_STREET_COLUMNS - 1 :]
    street.append(", ".join(rest) if rest else None)
    street += [None] * (_STREET_COLUMNS - len(street))
    return [
        addr.firstname,
        addr.lastname,
        addr.company,
        *street,
        addr.postcode,
        addr.city,
        addr.region,
        addr.country,
        addr.telephone,
    ]


def _csv_rows(order: ExportOrder) -> Iterator[list[str]]:
    head: list[object] = [getattr(order, f) for f in CSV_COLUMNS[:5]]
    head += [getattr(order.customer, f) for f in _CUSTOMER]
    head += _address_cells(order.billing_address) + _address_cells(
        order.shipping_address
    )
    head += [getattr(order.shipping, f) for f in _SHIPPING]
    head += [getattr(order.payment, f) for f in _PAYMENT]
    tail = [getattr(order.totals, f) for f in _TOTALS]
    for line in order.lines:
        row = [*head, *(getattr(line, f) for f in _LINE), *tail]
        yield [_cell(v) for v in row]


def order_to_csv(order: ExportOrder, *, encoding: str = "utf-8") -> bytes:
    """Render one order as CSV, one row per line, after validating it like XML.

    Args:
        order: The export record.
        encoding: The file encoding (``folders.csv.encoding``).

    Returns:
        The CSV bytes, header first.

    Raises:
        InvalidFileError: The record does not match ``schemas/orders.xsd``, or a
            value cannot be written in ``encoding``.
    """
    name = order_file_name(order.order_number, "csv")
    order_to_xml(order)  # the same schema check as the XML export
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for i, row in enumerate(_csv_rows(order), start=2):
        writer.writerow(row)
        _check_encodable(row, encoding, name, i)
    return out.getvalue().encode(encoding)


def _check_encodable(row: list[str], encoding: str, name: str, line: int) -> None:
    for column, value in zip(CSV_COLUMNS, row, strict=True):
        try:
            value.encode(encoding)
        except UnicodeEncodeError as exc:
            issue = FileIssue(name, line, column, f"cannot be written as {encoding}")
            raise InvalidFileError(str(issue), file=name, issues=[issue]) from exc


# --- both ----------------------------------------------------------------------


def order_file_name(order_number: str, fmt: OrderFormat) -> str:
    """The outbox file name of an order: ``order-<order_number>.<ext>``."""
    ext = {"csv": "csv", "edifact": "edi"}.get(fmt, "xml")
    return f"order-{order_number}.{ext}"


def render_order(
    order: ExportOrder,
    fmt: OrderFormat,
    *,
    encoding: str = "utf-8",
    partners: Partners = DEFAULT_PARTNERS,
) -> bytes:
    """Render an order in the configured format (``orders.format``).

    Args:
        order: The export record.
        fmt: ``xml`` or ``csv`` (canonical), or a standard layout: ``ubl`` (UBL 2.1
            Order), ``opentrans`` (openTRANS 2.1 ORDER), ``idoc`` (SAP ORDERS05
            IDoc-XML), ``edifact`` (UN/EDIFACT ORDERS D.96A).
        encoding: CSV encoding; XML is always UTF-8.
        partners: The sender and receiver ids of ``idoc``, ``edifact`` and
            ``opentrans`` (``orders.sender_id``, ``orders.receiver_id``).

    Returns:
        The validated file content.

    Raises:
        InvalidFileError: The record does not match ``schemas/orders.xsd``.
    """
    if fmt == "csv":
        return order_to_csv(order, encoding=encoding)
    if fmt == "ubl":
        from bridge.formats.orders_ubl import order_to_ubl

        return order_to_ubl(order)
    if fmt == "opentrans":
        from bridge.formats.orders_opentrans import order_to_opentrans

        return order_to_opentrans(order, partners)
    if fmt == "idoc":
        from bridge.formats.orders_idoc import order_to_idoc

        return order_to_idoc(order, partners)
    if fmt == "edifact":
        from bridge.formats.orders_edifact import order_to_edifact

        return order_to_edifact(order, partners)
    return order_to_xml(order)
