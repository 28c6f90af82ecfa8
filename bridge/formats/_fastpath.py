"""A conservative pre-check of flat CSV records, derived from the kind's XSD.

Building an lxml element per CSV row and validating it costs more than the rest of the
row's reading. This module reads the record element's declaration in
``schemas/<kind>.xsd`` at load time (its ``xs:all`` children and their simple types'
facets) and compiles it to plain Python checks that can only *accept* values the XSD
accepts: a value they cannot vouch for (a sign, an exponent-free but odd decimal, a
control character, a pattern this module does not know…) makes the record go through
the XSD as before. So the fast path changes no verdict and no message; it only skips
the element and the schema for records that are plainly valid.

Anything in the schema this module does not understand makes the affected field (or
the whole record type) never vouched for, never wrongly accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import cache

from lxml import etree

from bridge.formats._xsd import kind_schema, schema_path
from bridge.kinds import Kind, kind_spec

__all__ = ["Vouch", "vouch"]

_XS = "{http://www.w3.org/2001/XMLSchema}"
Check = Callable[[str], object]  # truthy: the XSD accepts the value
# field values of one record (stripped, non-empty cells) -> True if the XSD accepts them
Vouch = Callable[[dict[str, str]], bool]

_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.[0-9]{1,6})?(?:Z|[+-]([0-9]{2}):([0-9]{2}))?"
)
# xs:decimal without totalDigits: stay well inside what libxml2 represents exactly
_DEFAULT_DIGITS = 18


# XSD patterns understood here -> an ASCII Python pattern whose matches it accepts. In
# XSD regular expressions ``\s`` is space, tab, CR and LF only, ``.`` is any character
# but CR and LF, and a pattern is anchored at both ends (``fullmatch``).
_PATTERNS: dict[str, str] = {
    r"[^\s]+": r"[!-~]+",
    r".*[^\s].*": r"[ -~]*[!-~][ -~]*",
    r"[0-9]{8}|[0-9]{12,14}": r"[0-9]{8}|[0-9]{12,14}",
    r"[A-Z]{3}": r"[A-Z]{3}",
}
# The same for text beyond ASCII, given that every character is printable (so there is
# no tab, CR or LF in it); patterns not listed accept nothing beyond their ASCII form.
_PRINTABLE_PATTERNS: dict[str, Check] = {
    r"[^\s]+": lambda v: bool(v) and " " not in v,
    r".*[^\s].*": lambda v: bool(v.strip(" ")),
}


def _datetime(value: str) -> bool:
    """A plain ``xs:dateTime``: 4-digit year from 0001, real date, tz within ±14:00."""
    m = _DATETIME.fullmatch(value)
    if m is None:
        return False
    year, month, day, hour, minute, second, tz_h, tz_m = m.groups()
    if hour > "23" or minute > "59" or second > "59" or year == "0000":
        return False
    if tz_h is not None and not (
        (tz_h < "14" and tz_m < "60") or tz_h + tz_m == "1400"
    ):
        return False
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _decimal_check(facets: dict[str, str]) -> Check | None:
    """An unsigned plain decimal within the facets, or None for unknown facets."""
    total = min(int(facets.pop("totalDigits", _DEFAULT_DIGITS)), _DEFAULT_DIGITS + 6)
    fraction = min(int(facets.pop("fractionDigits", total)), total - 1)
    if facets.pop("minInclusive", "0") not in ("0", "0.0") or facets or fraction < 1:
        return None  # a positive minimum or another bound: left to the XSD
    # no sign, no exponent, no dot at either end: at most ``total`` digits in all
    whole = f"[0-9]{{1,{total}}}"
    part = f"(?=[0-9.]{{3,{total + 1}}}\\Z)[0-9]+\\.[0-9]{{1,{fraction}}}"
    return re.compile(f"{whole}|{part}").fullmatch


def _string_check(facets: dict[str, str], patterns: list[str]) -> Check | None:
    """Text within the length facets and known patterns, or None."""
    low = int(facets.pop("minLength", facets.get("length", "0")))
    high = int(facets.pop("maxLength", facets.pop("length", str(1 << 30))))
    if facets or any(p not in _PATTERNS for p in patterns):
        return None
    if not patterns:
        return lambda v: low <= len(v) <= high and v.isprintable()
    # several patterns of one type are alternatives in XSD; requiring all is stricter
    ahead = "".join(f"(?=(?:{_PATTERNS[p]})\\Z)" for p in patterns)
    ascii_ok = re.compile(f"(?=[ -~]{{{low},{high}}}\\Z){ahead}.*").fullmatch
    rules = [_PRINTABLE_PATTERNS.get(p, _never) for p in patterns]

    def check(value: str) -> object:
        return ascii_ok(value) or (
            low <= len(value) <= high
            and value.isprintable()
            and all(rule(value) for rule in rules)
        )

    return check


def _never(value: str) -> bool:
    return False


def _simple_type(st: etree._Element) -> Check | None:
    """Compile a named ``xs:simpleType`` restriction of xs:string or xs:decimal."""
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
        return _string_check(facets, patterns)
    if base == "xs:decimal" and not patterns:
        return _decimal_check(facets)
    return None


def _builtin(name: str) -> Check | None:
    return {"xs:string": str.isprintable, "xs:dateTime": _datetime}.get(name)


def _record_fields(xsd: etree._Element, record: str) -> list[etree._Element] | None:
    """The ``xs:all`` children of the record element, if that is all it holds."""
    decl = xsd.find(f"{_XS}element[@name='{record}']")
    if decl is None or len(decl):
        return None
    ct = xsd.find(f"{_XS}complexType[@name='{decl.get('type')}']")
    if ct is None or ct.get("mixed") not in (None, "false"):
        return None
    parts = _children(ct)
    if len(parts) != 1 or parts[0].tag != f"{_XS}all":
        return None
    return _children(parts[0])


def _children(el: etree._Element) -> list[etree._Element]:
    """An XSD element's children that matter: no comments, no annotations."""
    return [c for c in el if isinstance(c.tag, str) and c.tag != f"{_XS}annotation"]


@cache
def vouch(kind: Kind) -> Vouch | None:
    """The kind's fast check of a record's field values, derived from its XSD.

    The check returns True only for values the XSD accepts as the kind's record (each
    value the text of the child of that name, no other content); False means "not
    known", and the record must be checked by the XSD.

    Args:
        kind: products | stock | shipments.

    Returns:
        The check, or None when the record type is beyond what can be compiled.
    """
    ks = kind_schema(kind)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    xsd = etree.parse(str(schema_path(kind_spec(kind).schema)), parser).getroot()
    fields = _record_fields(xsd, ks.record)
    if fields is None:
        return None
    named = {st.get("name"): st for st in xsd.iter(f"{_XS}simpleType")}
    checks: dict[str, Check | None] = {}
    required: set[str] = set()
    for el in fields:
        name, type_ = el.get("name"), el.get("type", "")
        extra = set(el.attrib) - {"name", "type", "minOccurs"}
        if el.tag != f"{_XS}element" or name is None or extra or len(el):
            return None
        st = named.get(type_)
        checks[name] = _simple_type(st) if st is not None else _builtin(type_)
        if el.get("minOccurs", "1") != "0":
            required.add(name)
    return _compile(checks, frozenset(required))


def _compile(checks: dict[str, Check | None], required: frozenset[str]) -> Vouch:
    def check(values: dict[str, str]) -> bool:
        for name, value in values.items():
            rule = checks.get(name)
            if rule is None or not rule(value):
                return False
        return required.issubset(values)

    return check
