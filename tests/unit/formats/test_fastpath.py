"""The CSV fast path only ever accepts what the XSD accepts, and changes no verdict."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from bridge.config import CsvOptions
from bridge.formats import RecordReader, _csvrows
from bridge.formats._fastpath import vouch
from bridge.formats._xsd import kind_schema

BASE = {
    "stock": {"sku": "ERP-1", "qty": "5"},
    "products": {"sku": "ERP-1", "name": "Mug", "price": "9.90"},
}
FIELDS = {
    "stock": ("sku", "qty", "source", "updated_at"),
    "products": ("sku", "ean", "name", "price", "short_description", "qty"),
}
_EDGE = [
    "",
    " ",
    "0",
    "00",
    "+1",
    "-0",
    "-1",
    "1e3",
    "1E3",
    "1.",
    ".5",
    "0.0000001",
    "1.000000",
    "1.1234567",
    "9" * 24,
    "9" * 25,
    "0" * 30 + "1",
    "1" * 18 + ".5",
    "١٢",
    "\uff11\uff12",  # fullwidth digits
    "½",
    "1 2",
    "1_0",
    "NaN",
    "inf",
    "\u00a0x",
    "a\tb",
    "a\nb",
    "a\u200bb",
    "\ufeff",
    "x" * 64,
    "x" * 65,
    "é" * 64,
    "é" * 65,
    "12345678",
    "1234567",
    "40063813",
    "2026-02-29T00:00:00Z",
    "2024-02-29T00:00:00Z",
    "2026-04-31T00:00:00",
    "2026-11-26T24:00:00Z",
    "2026-11-26T05:00:00+14:00",
    "2026-11-26T05:00:00+14:01",
    "2026-11-26T05:00:00-13:59",
    "0000-01-01T00:00:00",
    "2026-11-26T05:00:00.1234567Z",
    "2026-11-26T05:00:00.5Z",
    "2026-11-26 05:00:00",
    "ABC",
    "abc",
    "\x7f",
    "\U0001f600",
]
_ALPHABET = st.sampled_from(
    [*"0123456789.+-eE ,:TZ\t\n\r", "\u00a0", "٣", "é", "x", "\x01", "\ufffe"]
)
VALUES = st.one_of(
    st.sampled_from(_EDGE),
    st.text(_ALPHABET, max_size=30),
    st.text(max_size=80),
    st.from_regex(r"[0-9]{1,26}(\.[0-9]{0,8})?", fullmatch=True),
    st.from_regex(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?",
        fullmatch=True,
    ),
)


def _xsd_accepts(kind: str, values: dict[str, str]) -> bool:
    ks = kind_schema(kind)
    el = etree.Element(ks.record)
    try:
        for name, value in values.items():
            etree.SubElement(el, name).text = value
    except ValueError:
        return False
    return not ks.explain(el)


@pytest.mark.parametrize("kind", ["stock", "products"])
@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_path_accepts_only_what_the_xsd_accepts(
    kind: str, data: st.DataObject
) -> None:
    """Whenever the fast check vouches for a record, the XSD validates it too."""
    check = vouch(kind)
    assert check is not None
    values = dict(BASE[kind])
    for name in data.draw(st.sets(st.sampled_from(FIELDS[kind]), min_size=1)):
        values[name] = data.draw(VALUES)
    if check(values):
        assert _xsd_accepts(kind, values), values


@given(value=VALUES)
@example(value="1" * 24)
def test_each_stock_qty_the_fast_path_takes_is_valid(value: str) -> None:
    """A qty the fast check takes passes the XSD (one field at a time)."""
    values = {"sku": "S", "qty": value}
    if vouch("stock")(values):  # type: ignore[misc]
        assert _xsd_accepts("stock", values), value


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("stock", {"sku": "ERP-00000001", "qty": "12.3"}),
        (
            "stock",
            {
                "sku": "A",
                "qty": "0",
                "source": "eu",
                "updated_at": "2026-11-26T05:00:00Z",
            },
        ),
        (
            "products",
            {
                "sku": "A",
                "name": "Tasse Größe L",
                "price": "9.90",
                "ean": "4006381333931",
            },
        ),
        (
            "products",
            {"sku": "A", "name": "Mug", "price": "1", "description": "<p>Äpfel</p>"},
        ),
    ],
)
def test_fast_path_takes_ordinary_records(kind: str, values: dict[str, str]) -> None:
    """Plainly valid records are vouched for (so the fast path is really used)."""
    check = vouch(kind)
    assert check is not None
    assert check(values)
    assert _xsd_accepts(kind, values)


@pytest.mark.parametrize(
    "values",
    [
        {"sku": "A"},
        {"sku": "A", "qty": "-1"},
        {"sku": "A", "qty": "+1"},
        {"sku": "A", "qty": "1.1234567"},
        {"sku": "A B", "qty": "1"},
        {"sku": "A", "qty": "1", "colour": "red"},
        {"sku": "A", "qty": "1", "updated_at": "2026-02-30T00:00:00Z"},
    ],
)
def test_fast_path_refuses_what_it_cannot_vouch_for(values: dict[str, str]) -> None:
    """Missing, unknown, signed, over-precise and odd values go to the XSD path."""
    assert not vouch("stock")(values)  # type: ignore[misc]


_MIXED_STOCK = (
    "sku;qty;source;updated_at\n"
    "A-1;5;;\n"
    "A 2;5;;\n"
    "A-3;-1;;\n"
    "A-4;+7;eu;2026-11-26T05:00:00Z\n"
    "A-5;1.1234567;;\n"
    ";3;;\n"
    "A-7;2;;2026-02-30T00:00:00Z\n"
    "A-8;1e3;;\n"
    "A-9;0;eu;2026-11-26T05:00:00+01:00\n"
    "A-10;4;;26.11.2026\n"
)
_MIXED_PRODUCTS = (
    "sku,name,price,ean,description\n"
    "P-1,Mug,9.90,4006381333931,\n"
    "P-2,Mug,9.90,4006381333932,\n"
    "P-3,  ,1,,\n"
    'P-4,Tasse Größe L,1.5,,"<p>line\nbreak</p>"\n'
    "P-5,Mug,-2,,\n"
    "P-6,Mug,2,12345,\n"
)


@pytest.mark.parametrize(
    ("kind", "text", "max_issues"),
    [
        ("stock", _MIXED_STOCK, 1000),
        ("stock", _MIXED_STOCK, 2),
        ("products", _MIXED_PRODUCTS, 1000),
    ],
)
def test_same_records_and_issues_with_and_without_fast_path(
    kind: str,
    text: str,
    max_issues: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A file of mixed rows reads identically with the fast path and through the XSD."""
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")

    def read() -> tuple[Sequence[object], list[str], int]:
        reader = RecordReader(path, kind, csv=CsvOptions(), max_issues=max_issues)  # type: ignore[arg-type]
        records = [(r.index, r.line, r.key, r.model, r.raw) for r in reader]
        return records, [str(i) for i in reader.issues], reader.issue_count

    fast = read()
    monkeypatch.setattr(_csvrows, "vouch", lambda kind: None)
    slow = read()
    assert fast == slow
    assert fast[0]
    assert fast[1]
