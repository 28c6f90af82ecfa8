"""What the outbound order layouts share: amounts, schema checks, the ``InvalidFileError``.

Each outbound layout (``opentrans``, ``idoc``, ``edifact``; ``ubl`` predates this
module) builds its document from an ``ExportOrder`` and checks it before a byte is
returned, so a file the receiver would refuse is never published: the export flow
reports the order as unexportable and retries it once the cause is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lxml import etree

from bridge.errors import FileIssue, InvalidFileError
from bridge.formats.document import _document_schema

__all__ = [
    "DEFAULT_PARTNERS",
    "Partners",
    "amount",
    "number",
    "refuse",
    "validated_xml",
]

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Partners:
    """Who sends an order file and who receives it, as the ERP's partner profile names them.

    ``orders.sender_id`` and ``orders.receiver_id``: the IDoc control record's
    ``SNDPRN``/``RCVPRN``, the EDIFACT ``UNB`` sender and recipient, and the
    openTRANS supplier party (the shop).
    """

    sender: str = "MAGENTO"
    receiver: str = "ERP"


DEFAULT_PARTNERS = Partners()


def amount(value: Decimal) -> str:
    """An amount with a point and two decimals (``123.40``)."""
    return format(value.quantize(_CENT), "f")


def number(value: Decimal) -> str:
    """A quantity or rate without trailing zeros (``1.5``, ``25``)."""
    text = format(value.normalize(), "f")
    return text


def refuse(name: str, field: str | None, reason: str) -> InvalidFileError:
    """The error for a document that cannot be written (one issue, named field)."""
    issue = FileIssue(name, None, field, reason)
    return InvalidFileError(str(issue), file=name, issues=[issue])


def validated_xml(root: etree._Element, schema: Path, name: str) -> bytes:
    """Check a built document against a schema and serialise it as UTF-8.

    Args:
        root: The document's root element.
        schema: The XSD it must satisfy.
        name: The file name the errors name.

    Returns:
        The pretty-printed document with its XML declaration.

    Raises:
        InvalidFileError: The document does not satisfy the schema; one issue per
            schema error, with the element's line in the generated document.
    """
    payload: bytes = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    # Validate the serialised bytes re-read, so issue lines are the file's lines.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    reread = etree.fromstring(payload, parser)
    compiled = _document_schema(schema)
    if not compiled.validate(reread):
        issues = [
            FileIssue(name, e.line or None, None, e.message) for e in compiled.error_log
        ]
        raise InvalidFileError(str(issues[0]), file=name, issues=issues)
    return payload
