"""The codec registry: detection, registration, listing, kind guessing, pluggable fast path."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bridge.config import CsvOptions
from bridge.errors import ConfigError
from bridge.formats import (
    REGISTRY,
    CanonicalCsvCodec,
    CanonicalXmlCodec,
    CodecRegistry,
    RecordReader,
    detect_format,
)
from bridge.formats._fastpath import Vouch
from bridge.kinds import KINDS, Kind
from tests.unit.formats.conftest import FIXTURES, SAMPLES

STOCK_XML = (
    b'<?xml version="1.0"?>\n<stock><item><sku>A</sku><qty>1</qty></item></stock>\n'
)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.xml", b"sku;qty\n"),
        ("a.csv", STOCK_XML),
        ("a.TSV", b"sku\tqty\n"),
        ("a.txt", b"sku,qty\n"),
        ("noext", STOCK_XML),
        ("noext", b"\xef\xbb\xbf  \n<stock/>"),
        ("noext", "<stock/>".encode("utf-16")),
        ("noext", b"sku;qty\nA;1\n"),
        ("noext", b""),
    ],
)
def test_detect_picks_the_canonical_codec_of_the_detected_format(
    tmp_path: Path, name: str, content: bytes
) -> None:
    """Without other layouts, detection is the extension-else-content rule of old."""
    path = tmp_path / name
    path.write_bytes(content)
    codec = REGISTRY.detect("stock", path)
    assert (codec.layout, codec.fmt) == ("canonical", detect_format(path))


def test_an_unreadable_file_is_detected_by_its_name(tmp_path: Path) -> None:
    """A missing file still gets a codec (which then reports it cannot be read)."""
    assert REGISTRY.detect("stock", tmp_path / "gone.xml").fmt == "xml"
    missing = tmp_path / "gone"
    reader = RecordReader(missing, "stock", csv=CsvOptions())
    assert (reader.fmt, list(reader)) == ("csv", [])
    assert [i.reason.split(":")[0] for i in reader.issues] == ["cannot be read"]


def test_a_layout_has_one_codec_per_format() -> None:
    """Registering a second codec of one format for a layout is refused."""
    registry = CodecRegistry()
    registry.register(CanonicalXmlCodec("stock"))
    registry.register(CanonicalCsvCodec("stock"))
    with pytest.raises(ValueError, match="already has a xml codec"):
        registry.register(CanonicalXmlCodec("stock"))
    assert len(registry.get("stock")) == 2
    registry.unregister("stock", "canonical")
    assert registry.get("stock") == ()


def test_a_kind_without_codecs_recognises_nothing(tmp_path: Path) -> None:
    """Detection in a registry that has no codec for the kind is a config error."""
    path = tmp_path / "a.xml"
    path.write_bytes(STOCK_XML)
    with pytest.raises(ConfigError, match="no layout of stock"):
        CodecRegistry().detect("stock", path)


def test_layouts_lists_the_canonical_codecs_of_every_kind() -> None:
    """Canonical XML and CSV for each kind, in kind order, each kind's other layouts first."""
    rows = [(i.kind, i.layout, i.fmt) for i in REGISTRY.layouts()]
    canonical = [r for r in rows if r[1] == "canonical"]
    assert canonical == [(k, "canonical", f) for k in KINDS for f in ("xml", "csv")]
    assert [r[0] for r in rows] == sorted((r[0] for r in rows), key=KINDS.index)
    for kind in KINDS:
        layouts = [r[1] for r in rows if r[0] == kind]
        assert layouts[-2:] == ["canonical", "canonical"]
    assert all(i.matches for i in REGISTRY.layouts())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("ext", ["xml", "csv"])
def test_guess_kind_reads_samples_by_root_or_header(
    tmp_path: Path, kind: Kind, ext: str
) -> None:
    """Out of its folder, a sample's kind is told by its XML root or its CSV header."""
    path = tmp_path / f"sample.{ext}"
    path.write_bytes((SAMPLES / f"{kind}.{ext}").read_bytes())
    assert REGISTRY.guess_kind(path) == kind


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"sku;qty\n", "stock"),
        (b"SKU,Name,Price\n", "products"),
        (b"sku\tqty\tname\n", "products"),
        (b"shipment_id;sku;qty\n", "shipments"),
        (b"<?xml version='1.0'?><!-- a --><shipments/>", "shipments"),
        (b"<stockitems/>", None),
        (b'<stock xmlns="urn:x"/>', None),
        (b"artikel;saldo\n", None),
    ],
)
def test_guess_kind_by_content(
    tmp_path: Path, content: bytes, kind: str | None
) -> None:
    """A header's best-fitting kind, or the exact canonical root, or nothing."""
    path = tmp_path / "drop"
    path.write_bytes(content)
    assert REGISTRY.guess_kind(path) == kind


def _vouch_all(kind: Kind) -> Vouch:
    """A fast path that vouches for every row (so the XSD never sees one)."""
    return lambda values: True


def test_the_csv_fast_path_is_a_field_of_the_codec(tmp_path: Path) -> None:
    """A CSV codec built with another fast path uses it instead of the XSD-derived one."""
    path = tmp_path / "s.csv"
    path.write_text("sku;qty\nA;-5\n", encoding="utf-8")
    registry = CodecRegistry()
    registry.register(CanonicalCsvCodec("stock", fast_path=_vouch_all))
    lax = RecordReader(path, "stock", csv=CsvOptions(), registry=registry)
    assert [r.model.qty for r in lax] == [Decimal(-5)]  # type: ignore[union-attr]
    strict = RecordReader(path, "stock", csv=CsvOptions())
    assert list(strict) == []
    assert [i.field for i in strict.issues] == ["qty"]


def test_tab_fixture_keeps_its_delimiter_through_the_front() -> None:
    """The reader front exposes the codec's stream facts (delimiter, counts)."""
    reader = RecordReader(FIXTURES / "stock-tab.tsv", "stock", csv=CsvOptions())
    records = list(reader)
    assert reader.delimiter == "\t"
    assert reader.record_count == len(records) > 0
    assert reader.codec.layout == "canonical"
