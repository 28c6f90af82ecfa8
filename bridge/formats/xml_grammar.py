"""A grammar of plainly valid canonical XML files, compiled from the kind's XSD.

libxml2 builds a tree node per element and the XSD check walks it again; for the
canonical record files that ERPs write (one flat record element after another, plain
ASCII values) a regular expression over the bytes says as much, much faster. This
module reads the record element's declaration in ``schemas/<kind>.xsd`` (its
``xs:all`` children and their simple types' facets, as ``_fastpath`` does for CSV
rows) and compiles it to byte patterns that can only *match* files the XSD accepts:

- the prolog: an optional UTF-8 BOM and XML declaration, then the root element with
  at most its ``xs:dateTime`` attribute ``generated`` (a plain one);
- a record: the record element without attributes, its fields in the order the XSD
  declares them, each a plain value of its type (ASCII, no character or entity
  reference, never empty), with spaces, tabs and newlines between fields;
- a chunk: records separated by whitespace (LF or CRLF);
- the tail: whitespace, the root's end tag, whitespace, end of file.

Anything else (another field order, a comment, an entity, non-ASCII text, a sign in a
decimal, Feb 29…) does not match, and the reader hands that part of the file to
libxml2 and the XSD as before (see ``xml_fast``). A field type this module does not
understand is left out of the grammar (a record holding it never matches); a record
type it does not understand has no grammar at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from lxml import etree

from bridge.formats._fastpath import _children, _record_fields
from bridge.formats._xsd import kind_schema, schema_path
from bridge.kinds import Kind, kind_spec

__all__ = ["DATETIME", "SAFE", "XmlGrammar", "grammar"]

_XS = "{http://www.w3.org/2001/XMLSchema}"
# printable ASCII that may stand in XML text as it is: no '<', '&' or '>'
_SAFE = "!-%'-;=?-~"
SAFE = _SAFE
"""The characters a value may hold in the grammar, as a regex class body."""
_TEXT = f"[ {_SAFE}]"
_WORD = f"[{_SAFE}]"
# spaces, tabs and line ends (a lone CR, which libxml2 counts lines by unlike ours,
# is refused by the reader before the grammar is tried)
_WS = r"[ \t\r\n]*"
_DATETIME = (
    r"(?!0000)[0-9]{4}-"
    r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"
    r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
)
# XSD patterns understood here -> a pattern over safe ASCII whose matches it accepts
_PATTERNS: dict[str, str] = {
    r"[^\s]+": f"{_WORD}+",
    r".*[^\s].*": f"{_TEXT}*{_WORD}{_TEXT}*",
    r"[0-9]{8}|[0-9]{12,14}": r"[0-9]{8}|[0-9]{12,14}",
    r"[A-Z]{3}": r"[A-Z]{3}",
}
_DEFAULT_DIGITS = 18


@dataclass(frozen=True)
class XmlGrammar:
    """The byte patterns of a kind's plainly valid canonical XML.

    Attributes:
        prolog: Matches the start of a file up to the root's start tag; its group
            ``generated`` is the root's attribute (or None).
        record: Matches one record element; group ``i + 1`` is field ``fields[i]``.
        chunk: Fully matches whitespace-separated records.
        tail: Fully matches what may follow the last record.
        fields: The record's fields, in the order of the groups.
        end_tag: The record's end tag (where a chunk may be cut).
        values: Each field's value pattern and whether it is required, in order
            (the CSV fast path builds its rows from them).
        step: Matches the whitespace before a record and the record: group 1 is the
            record, group ``i + 2`` field ``fields[i]`` (matched from where the last
            one ended, a chunk is read in one pass: as ``chunk`` vouches for it).
    """

    prolog: re.Pattern[bytes]
    record: re.Pattern[str]
    chunk: re.Pattern[str]
    tail: re.Pattern[str]
    fields: tuple[str, ...]
    end_tag: bytes
    values: tuple[tuple[str, str, bool], ...] = ()
    step: re.Pattern[str] | None = None

    @property
    def record_end(self) -> str:
        """The record's end tag as text."""
        return self.end_tag.decode()

    def field_values(self, name: str) -> re.Pattern[str]:
        """A pattern whose group 1 is each value of field ``name`` in a chunk."""
        return _field_values(self, name)


@cache
def _field_values(g: XmlGrammar, name: str) -> re.Pattern[str]:
    tag = re.escape(name)
    return re.compile(f"<{tag}>([^<]*)</{tag}>")


DATETIME = _DATETIME
"""The plain ``xs:dateTime`` values the grammar takes (all parse in Python)."""


def _decimal(facets: dict[str, str]) -> str | None:
    total = min(int(facets.pop("totalDigits", _DEFAULT_DIGITS)), _DEFAULT_DIGITS + 6)
    fraction = min(int(facets.pop("fractionDigits", total)), total - 1, 6)
    if facets.pop("minInclusive", "0") not in ("0", "0.0") or facets or fraction < 1:
        return None
    # no sign, no exponent, no dot at either end; whole and fraction digits within
    # the facets (a value with more whole digits is left to the XSD)
    return f"[0-9]{{1,{total - fraction}}}(?:\\.[0-9]{{1,{fraction}}})?"


def _string(facets: dict[str, str], patterns: list[str]) -> str | None:
    low = max(int(facets.pop("minLength", facets.get("length", "0"))), 1)
    high = int(facets.pop("maxLength", facets.pop("length", "65536")))
    if facets or any(p not in _PATTERNS for p in patterns):
        return None
    # the common cases as plain classes: a regular expression engine walks them
    # many times faster than lookaheads
    if not patterns:
        return f"{_TEXT}{{{low},{high}}}"
    if patterns == [r"[^\s]+"]:
        return f"{_WORD}{{{low},{high}}}"
    if patterns == [r".*[^\s].*"]:
        return f"(?={_TEXT}{{{low},{high}}}<) *{_WORD}{_TEXT}*"
    if len(patterns) == 1 and low == 1 and high == 65536:
        return f"(?:{_PATTERNS[patterns[0]]})"
    ahead = "".join(f"(?=(?:{_PATTERNS[p]})<)" for p in patterns)
    return f"(?={_TEXT}{{{low},{high}}}<){ahead}{_TEXT}+"


def _simple(st: etree._Element) -> str | None:
    parts = _children(st)
    if len(parts) != 1 or parts[0].tag != f"{_XS}restriction":
        return None
    facets: dict[str, str] = {}
    patterns: list[str] = []
    for facet in _children(parts[0]):
        name = str(facet.tag).removeprefix(_XS)
        value = facet.get("value")
        if value is None or (name in facets and name != "pattern"):
            return None
        if name == "pattern":
            patterns.append(value)
        else:
            facets[name] = value
    base = parts[0].get("base")
    if base == "xs:string":
        return _string(facets, patterns)
    if base == "xs:decimal" and not patterns:
        return _decimal(facets)
    return None


def _builtin(name: str) -> str | None:
    if name == "xs:string":
        return _string({}, [])
    if name == "xs:dateTime":
        return _DATETIME
    if name == "xs:decimal":
        return _decimal({})
    return None


def _root_attributes(xsd: etree._Element, root: str) -> bool:
    """True when the root is a sequence of records with at most ``generated``."""
    decl = xsd.find(f"{_XS}element[@name='{root}']")
    if decl is None:
        return False
    attrs = {(a.get("name"), a.get("type")) for a in decl.iter(f"{_XS}attribute")}
    return attrs <= {("generated", "xs:dateTime")}


@cache
def grammar(kind: Kind) -> XmlGrammar | None:
    """Compile the kind's canonical XML grammar from its XSD (cached).

    Args:
        kind: products | stock | shipments.

    Returns:
        The grammar, or None when the record type is beyond what can be compiled
        (then every file goes through libxml2 and the XSD).
    """
    ks = kind_schema(kind)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    xsd = etree.parse(str(schema_path(kind_spec(kind).schema)), parser).getroot()
    declared = _record_fields(xsd, ks.record)
    if declared is None or not _root_attributes(xsd, ks.root):
        return None
    named = {st.get("name"): st for st in xsd.iter(f"{_XS}simpleType")}
    parts: list[str] = []
    fields: list[str] = []
    values: list[tuple[str, str, bool]] = []
    for el in declared:
        name, type_ = el.get("name"), el.get("type", "")
        extra = set(el.attrib) - {"name", "type", "minOccurs"}
        if el.tag != f"{_XS}element" or name is None or extra or len(el):
            return None
        st = named.get(type_)
        value = _simple(st) if st is not None else _builtin(type_)
        required = el.get("minOccurs", "1") != "0"
        if value is None:
            if required:
                return None
            continue  # a record holding this field never matches
        tag = re.escape(name)
        part = f"{_WS}<{tag}>({value})</{tag}>"
        parts.append(part if required else f"(?:{part})?")
        fields.append(name)
        values.append((name, value, required))
    record_tag, root_tag = re.escape(ks.record), re.escape(ks.root)
    record = f"<{record_tag}>{''.join(parts)}{_WS}</{record_tag}>"
    prolog = (
        r"(?:\xef\xbb\xbf)?"
        r"(?:<\?xml version=\"1\.0\"(?: encoding=\"(?:UTF|utf)-8\")?"
        r"(?: standalone=\"(?:yes|no)\")? ?\?>)?"
        f'{_WS}<{root_tag}(?: generated="(?P<generated>{_DATETIME})")?>'
    )
    return XmlGrammar(
        prolog=re.compile(prolog.encode("latin-1")),
        record=re.compile(record),
        # possessive: no backtracking state kept per record (flat memory)
        chunk=re.compile(f"(?:{_WS}{record})*+{_WS}"),
        tail=re.compile(f"{_WS}</{root_tag}>{_WS}"),
        fields=tuple(fields),
        end_tag=f"</{ks.record}>".encode(),
        values=tuple(values),
        step=re.compile(f"{_WS}({record})"),
    )
