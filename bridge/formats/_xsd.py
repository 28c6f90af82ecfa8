"""The XSD side of the ERP formats: finding, loading and explaining the schemas.

One schema per inbound kind (``schemas/<kind>.xsd``). Each declares its record element
globally, so a record (or a batch of records under a bare root) can be validated on its
own while the file is streamed: a whole-document streaming ``schema=`` reports errors
only at the end and with line 0. This module also reads the schemas' own
``xs:documentation`` so libxml2's messages can be turned into ones an ERP consultant
understands ("qty: '-5' is not a valid value (must be a decimal >= 0)").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from lxml import etree

from bridge.errors import ConfigError
from bridge.kinds import Kind, kind_spec

__all__ = ["KindSchema", "XsdProblem", "kind_schema", "schema_path"]

_XS = "{http://www.w3.org/2001/XMLSchema}"
_BUILTIN_RULES = {
    "xs:dateTime": "a date and time such as 2026-03-01T14:30:00+01:00",
    "xs:decimal": "a decimal number",
    "xs:string": "text",
}
_MESSAGE = re.compile(r"^Element '([^']+)'(?:, attribute '([^']+)')?: (.*)$", re.DOTALL)


def schema_path(name: str) -> Path:
    """Find a schema shipped with the bridge.

    In an installed wheel the schemas live in ``bridge/_schemas/``; in a checkout
    (editable install) they are in ``<repo>/schemas/``.

    Args:
        name: The schema's file name, e.g. ``"stock.xsd"``.

    Returns:
        The schema file's path.

    Raises:
        ConfigError: The schema cannot be found.
    """
    packaged = resources.files("bridge").joinpath("_schemas", name)
    if packaged.is_file():
        return Path(str(packaged))
    repo = Path(__file__).resolve().parents[2] / "schemas" / name
    if repo.is_file():
        return repo
    raise ConfigError(f"schema {name!r} not found in the package or the checkout")


@dataclass(frozen=True)
class XsdProblem:
    """One schema violation, already phrased for people.

    Attributes:
        node: The element at fault (None when only the batch as a whole failed).
        field: The element or attribute name at fault.
        reason: What is wrong.
    """

    node: etree._Element | None
    field: str | None
    reason: str


@dataclass(frozen=True)
class KindSchema:
    """A kind's compiled schema plus what is needed to explain its errors.

    Attributes:
        kind: products | stock | shipments.
        root: The document root element name.
        record: The record element name.
        schema: The compiled schema (validates a record or a bare root of records).
        rules: ``(parent, child)`` → the rule in words, from ``xs:documentation``.
        required: Element name → names of its required child elements.
    """

    kind: str
    root: str
    record: str
    schema: etree.XMLSchema
    rules: dict[tuple[str, str], str] = field(repr=False)
    required: dict[str, tuple[str, ...]] = field(repr=False)

    def explain(self, record: etree._Element) -> list[XsdProblem]:
        """Validate one record element and explain every violation.

        Args:
            record: The record element (``product``, ``item`` or ``shipment``).

        Returns:
            The problems found; empty when the record is valid.
        """
        if self.schema.validate(record):
            return []
        problems: list[XsdProblem] = []
        for entry in self.schema.error_log:
            node = _resolve(record, entry.path)
            problems.extend(self._describe(entry.message, node))
        return _dedupe(problems + self._missing_after_unexpected(problems))

    def _missing_after_unexpected(self, problems: list[XsdProblem]) -> list[XsdProblem]:
        """Finish the content model check libxml2 stops at an unexpected element."""
        extra: list[XsdProblem] = []
        for p in problems:
            parent = p.node.getparent() if p.node is not None else None
            if parent is None or not p.reason.startswith(("unknown", "given")):
                continue
            present = {c.tag for c in parent}
            extra += [
                XsdProblem(parent, name, "required field is missing")
                for name in self.required.get(str(parent.tag), ())
                if name not in present
            ]
        return extra

    def _describe(self, message: str, node: etree._Element | None) -> list[XsdProblem]:
        match = _MESSAGE.match(message)
        if match is None:
            return [XsdProblem(node, None, message.rstrip("."))]
        name, attr, text = match.groups()
        parent = node.getparent() if node is not None else None
        parent_tag = parent.tag if parent is not None else ""
        if attr is not None:
            if "is not allowed" in text:
                return [XsdProblem(node, attr, f"attribute not allowed on <{name}>")]
            value = node.get(attr) if node is not None else None
            rule = self.rules.get((name, "@" + attr), "a valid value")
            return [XsdProblem(node, attr, _not_valid(value, rule))]
        if text.startswith("Missing child element"):
            present = {c.tag for c in node} if node is not None else set()
            missing = [c for c in self.required.get(name, ()) if c not in present]
            return [
                XsdProblem(node, m, "required field is missing") for m in missing
            ] or [XsdProblem(node, name, "required field is missing")]
        if text.startswith("This element is not expected"):
            return [XsdProblem(node, name, self._unexpected(node, name, parent_tag))]
        if text.startswith("Character content other than whitespace"):
            return [XsdProblem(node, name, "text is not allowed here, only elements")]
        if text.startswith("Element content is not allowed"):
            return [XsdProblem(node, name, "must hold a plain value, not elements")]
        rule = self.rules.get((parent_tag, name), "a valid value")
        value = node.text if node is not None else None
        return [XsdProblem(node, name, _not_valid(value, rule))]

    def _unexpected(self, node: etree._Element | None, name: str, parent: str) -> str:
        if (parent, name) in self.rules and node is not None:
            return "given more than once"
        return "unknown field" if parent else "unexpected element"


def _not_valid(value: str | None, rule: str) -> str:
    shown = (value or "").strip()
    if len(shown) > 60:
        shown = shown[:57] + "..."
    if not shown:
        return f"empty value is not valid (must be {rule})"
    return f"{shown!r} is not a valid value (must be {rule})"


def _resolve(record: etree._Element, path: str | None) -> etree._Element | None:
    """Find the node an error-log path points at, relative to the validated record."""
    if not path:
        return None
    steps = path.strip("/").split("/")[1:]
    if not steps:
        return record
    try:
        found = record.xpath("/".join(steps))
    except etree.XPathError:
        return record
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        return found[0]
    return record


def _dedupe(problems: list[XsdProblem]) -> list[XsdProblem]:
    """libxml2 reports a facet and then the type for one value; keep the first."""
    seen: set[tuple[int, str | None]] = set()
    out: list[XsdProblem] = []
    for p in problems:
        key = (id(p.node), p.field)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


@cache
def kind_schema(kind: Kind) -> KindSchema:
    """Load, compile and introspect the schema of an inbound kind (cached).

    Args:
        kind: products | stock | shipments.

    Returns:
        The compiled schema with its rules.

    Raises:
        ConfigError: The schema is missing or not a valid XSD.
    """
    spec = kind_spec(kind)
    path = schema_path(spec.schema)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        doc = etree.parse(str(path), parser)
        schema = etree.XMLSchema(doc)
    except (etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        raise ConfigError(f"schema {path} is not usable: {exc}") from exc
    rules, required = _introspect(doc.getroot())
    return KindSchema(kind, spec.root, spec.record, schema, rules, required)


def _introspect(
    xsd: etree._Element,
) -> tuple[dict[tuple[str, str], str], dict[str, tuple[str, ...]]]:
    docs = dict(_BUILTIN_RULES)
    for st in xsd.iter(f"{_XS}simpleType"):
        text = st.findtext(f"{_XS}annotation/{_XS}documentation")
        if st.get("name") and text:
            docs[st.get("name", "")] = text.strip()
    named = {
        ct.get("name"): ct for ct in xsd.iter(f"{_XS}complexType") if ct.get("name")
    }
    for name, ct in named.items():
        base = ct.find(f"{_XS}simpleContent/{_XS}extension")
        if name and base is not None:
            docs[name] = docs.get(base.get("base", ""), "a valid value")
    rules: dict[tuple[str, str], str] = {}
    required: dict[str, tuple[str, ...]] = {}
    for el in xsd.iter(f"{_XS}element"):
        name = el.get("name")
        ct = (
            named.get(el.get("type"))
            if el.get("type")
            else el.find(f"{_XS}complexType")
        )
        if name is None or ct is None:
            continue
        children = ct.findall(f"{_XS}all/{_XS}element") + ct.findall(
            f"{_XS}sequence/{_XS}element"
        )
        for child in children:
            cname = child.get("name") or child.get("ref", "")
            rules[(name, cname)] = docs.get(child.get("type", ""), "a valid value")
        for attr in ct.iter(f"{_XS}attribute"):
            rules[(name, "@" + attr.get("name", ""))] = docs.get(
                attr.get("type", ""), ""
            )
        required[name] = tuple(
            c.get("name") or c.get("ref", "")
            for c in children
            if c.get("minOccurs") != "0"
        )
    return rules, required
