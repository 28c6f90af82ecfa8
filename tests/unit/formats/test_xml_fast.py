"""The XML fast path changes no verdict, line, message, count, record or raw form."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.config import CsvOptions
from bridge.errors import FileIssue
from bridge.formats import _xsd, validate_file, xml_fast
from bridge.formats._batch import IssueLog, RecordChecker
from bridge.formats.xml import XmlState, read_xml
from bridge.formats.xml_grammar import grammar
from bridge.models.erp import Kind
from tests.unit.formats.conftest import SAMPLES, WriteFile
from tests.unit.formats.test_fastpath import _EDGE, VALUES

FIELDS = {
    "stock": ("sku", "qty", "source", "updated_at"),
    "products": ("sku", "ean", "name", "price", "short_description", "qty"),
}
PLAIN = {
    "sku": st.from_regex(r"[A-Z]{3}-[0-9]{1,6}", fullmatch=True),
    "qty": st.from_regex(r"[0-9]{1,5}(\.[0-9]{1,3})?", fullmatch=True),
    "price": st.from_regex(r"[0-9]{1,4}\.[0-9]{2}", fullmatch=True),
    "source": st.sampled_from(["eu", "lager-malmo"]),
    "name": st.sampled_from(["Mug", "Kaffekopp 30 cl", " Cup"]),
    "ean": st.sampled_from(["4006381333931", "40063813", "4006381333932"]),
    "short_description": st.sampled_from(["Handmade.", "A, b; c!"]),
    "updated_at": st.sampled_from(
        ["2026-11-26T05:00:00Z", "2024-02-29T00:00:00+01:00", "2026-11-26T24:00:00Z"]
    ),
}
ODD = st.sampled_from([*"-+ .,eE0:TZ&<>é\t\n\r\x00\x7f", "\u0661", "\u00a0", "\ufffe"])


def _mostly(common: list[str], rare: list[str]) -> st.SearchStrategy[str]:
    """One of ``common``, or one of ``rare`` about one time in ten."""
    return st.integers(0, 9).flatmap(
        lambda i: st.sampled_from(rare if i == 7 else common)
    )


SPACE = _mostly(["", "\n", "\r\n", "  ", "\n\n"], ["\t", "\r\n\r\n", "\r", " \r"])
PLAIN_SPACE = st.sampled_from(["", "\n", "\r\n", "  ", "\n\n", "\t", "\r\n\r\n"])
PROLOG = _mostly(
    ['<?xml version="1.0" encoding="UTF-8"?>\n', ""],
    [
        "\ufeff",
        '<?xml version="1.0"?>\r\n',
        "<?xml version='1.0'?>\n",
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n',
        "<!-- made by the ERP -->\n",
        '<!DOCTYPE stock [<!ENTITY a "b">]>\n',
    ],
)
GENERATED = _mostly(
    ["", ' generated="2026-11-26T06:00:00Z"'], [' generated="yesterday"', ' x="1"']
)
END = _mostly(["</{root}>\n", "</{root}>"], ["", "</{root}>\n<x/>", "</{root}"])
EXTRA = _mostly([""], ["<!-- c -->", "junk", "<x/>", "&", "&amp;", "<?pi x?>"])


@st.composite
def _value(draw: st.DrawFn, name: str) -> str:
    how = draw(st.integers(0, 9))
    if how not in (3, 4, 6):
        return draw(PLAIN[name])
    if how == 3:  # a plain value with one odd character put in
        value = draw(PLAIN[name])
        at = draw(st.integers(0, len(value)))
        value = value[:at] + draw(ODD) + value[at:]
    else:
        value = draw(st.sampled_from(_EDGE) if how == 4 else VALUES)
    return value if draw(st.integers(0, 9)) == 7 else escape(value)


@st.composite
def _record(draw: st.DrawFn, kind: str) -> str:
    record = "item" if kind == "stock" else "product"
    names = list(FIELDS[kind][:2] if kind == "stock" else ("sku", "name", "price"))
    names += draw(st.lists(st.sampled_from(FIELDS[kind]), max_size=2))
    if draw(st.integers(0, 9)) == 7:
        names = draw(st.permutations(names))
    else:
        names = sorted(set(names), key=FIELDS[kind].index)
    parts = [f"{draw(SPACE)}<{n}>{draw(_value(n))}</{n}>" for n in names]
    return f"<{record}>{''.join(parts)}{draw(SPACE)}</{record}>"


@st.composite
def documents(draw: st.DrawFn, kind: str) -> bytes:
    """Canonical XML files, mostly plain, with every kind of oddity now and then."""
    root = "stock" if kind == "stock" else "products"
    body = [f"{draw(PROLOG)}<{root}{draw(GENERATED)}>"]
    for record in draw(st.lists(_record(kind), max_size=12)):
        body += [draw(SPACE), record, draw(EXTRA)]
    body += [draw(SPACE), draw(END).format(root=root)]
    text = "".join(body)
    return text.encode("utf-8", "surrogatepass")


@contextmanager
def _chunk_size(size: int) -> Iterator[None]:
    saved, xml_fast.CHUNK = xml_fast.CHUNK, size
    try:
        yield
    finally:
        xml_fast.CHUNK = saved


def _read(
    path: Path, kind: Kind, *, fast: bool, validate_only: bool = False
) -> tuple[list[tuple[object, ...]], list[FileIssue], int, object]:
    log = IssueLog(path.name, 1000)
    state = XmlState()
    checker = RecordChecker(
        kind, _xsd.kind_schema(kind), log, max_chars=65536, validate_only=validate_only
    )
    g = grammar(kind) if fast else None
    records: list[tuple[object, ...]] = [
        (r.index, r.line, r.key, r.model, r.raw)
        for r in read_xml(path, checker, log, state, grammar=g)
    ]
    issues = sorted(log.issues, key=lambda i: i.line or 0)
    return records, issues, state.records, state.generated


def _differential(path: Path, kind: Kind) -> None:
    slow = _read(path, kind, fast=False)
    for size in (48, 1 << 20):
        with _chunk_size(size):
            fast = _read(path, kind, fast=True)
            checked = _read(path, kind, fast=True, validate_only=True)
        assert fast[1:] == slow[1:]
        assert checked[1:] == slow[1:]
        assert checked[0] == []
        if not slow[1]:  # a broken file may give out a different valid prefix
            assert fast[0] == slow[0]


@pytest.mark.parametrize("kind", ["stock", "products"])
@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_fast_path_gives_libxml2s_verdict(kind: Kind, data: st.DataObject) -> None:
    """Whatever the file, the fast path reports what libxml2 and the XSD report."""
    doc = data.draw(documents(kind))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{kind}.xml"
        path.write_bytes(doc)
        _differential(path, kind)


@pytest.mark.parametrize("kind", ["stock", "products"])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_plain_files_are_read_whole_by_the_fast_path(
    kind: Kind, data: st.DataObject
) -> None:
    """A plain canonical file is read without libxml2, with libxml2's results."""
    root, record = ("stock", "item") if kind == "stock" else ("products", "product")
    names = FIELDS[kind]
    rows = data.draw(st.lists(st.just(0), min_size=1, max_size=30))
    body = []
    for _ in rows:
        chosen = [n for n in names if n in ("sku", "name", "price", "qty")]
        values = {n: data.draw(PLAIN[n]) for n in chosen}
        if kind == "products":
            values["ean"] = "4006381333931"
            chosen = ["sku", "ean", "name", "price"]
        fields = "".join(f"<{n}>{values[n]}</{n}>" for n in chosen)
        body.append(f"{data.draw(PLAIN_SPACE)}<{record}>")
        body.append(f"{fields}</{record}>")
    doc = f'<?xml version="1.0"?>\n<{root}>{"".join(body)}\r\n</{root}>\n'
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{kind}.xml"
        path.write_text(doc, encoding="utf-8", newline="")
        with _chunk_size(64):
            scan = xml_fast.FastScan(
                path,
                grammar(kind),  # type: ignore[arg-type]
                RecordChecker(
                    kind, _xsd.kind_schema(kind), IssueLog("f", 9), max_chars=65536
                ),
            )
            records = list(scan)
        assert scan.complete
        assert len(records) == len(rows)
        _differential(path, kind)


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("truncated.xml", "truncated.xml:{n}:"),
        ("bare-amp.xml", "bare-amp.xml:{n}:"),
    ],
)
def test_broken_end_of_a_big_file_gets_libxml2s_line(
    name: str, line: str, write: WriteFile
) -> None:
    """A break after many vouched chunks is reported at the line libxml2 gives."""
    items = "".join(
        f"  <item><sku>A-{i}</sku><qty>{i}</qty></item>\n" for i in range(3000)
    )
    broken = "<item><sku>A&B</sku><qty>1</qty></item>\n</stock>\n"
    tail = "  <item><sku>Z</sku>" if name == "truncated.xml" else broken
    path = write(name, f'<?xml version="1.0"?>\n<stock>\n{items}{tail}')
    with _chunk_size(4096):
        result = validate_file(path, "stock", csv=CsvOptions())
    slow = _read(path, "stock", fast=False)
    assert result.issues == slow[1]
    assert result.issues
    assert str(result.issues[0]).startswith(line.format(n=3003))
    assert result.record_count == slow[2]


def test_sample_is_read_by_the_fast_path() -> None:
    """The shipped stock sample is plain enough for the grammar to vouch for whole."""
    g = grammar("stock")
    assert g is not None
    checker = RecordChecker(
        "stock", _xsd.kind_schema("stock"), IssueLog("s", 9), max_chars=65536
    )
    scan = xml_fast.FastScan(SAMPLES / "stock.xml", g, checker)
    assert len(list(scan)) == 4
    assert scan.complete


def test_shipments_have_no_grammar() -> None:
    """Shipments (nested lines and tracks) are beyond the grammar: libxml2 reads them."""
    assert grammar("shipments") is None


_PLAIN_ITEM = "<item><sku>A-1</sku><qty>1</qty></item>"


@pytest.mark.parametrize("field", FIELDS["stock"])
def test_each_odd_value_in_a_plain_file_gets_libxml2s_verdict(
    field: str, write: WriteFile
) -> None:
    """Every edge value, in any field of an otherwise plain file, reads as before."""
    base = {"sku": "B-2", "qty": "2"}
    for n, value in enumerate(_EDGE):
        values = {**base, field: escape(value)}
        fields = "".join(
            f"<{name}>{values[name]}</{name}>"
            for name in FIELDS["stock"]
            if name in values
        )
        doc = (
            f"<stock>\n{_PLAIN_ITEM}\n<item>{fields}</item>\n{_PLAIN_ITEM}\n</stock>\n"
        )
        path = write(f"stock-{n}.xml", doc.encode("utf-8", "surrogatepass"))
        _differential(path, "stock")
