"""The ``bmecat`` layout: BMEcat 2005 catalogues streamed into products."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from bridge.config import CsvOptions
from bridge.formats import REGISTRY, RecordReader, validate_file, write_rejects
from bridge.models.erp import ErpProduct
from tests.conftest import SHARED
from tests.unit.formats._bmecat_gen import write_catalogue
from tests.unit.formats.conftest import SAMPLES, read_all

EXAMPLE = SHARED / "reference/standards/bmecat-2005/samples/bmecat-sample.xml"
FOLDER = SAMPLES / "bmecat"
DESCRIPTION = (
    "All-weather lightweight envelopes protect your contents and save you money.\n"
    "          ALL-WEATHER. Once sealed, Post-Safe envelopes are completely waterproof. Your\n"
    "          contents won't get damaged."
)


def test_shared_sample_with_external_doctype_and_udx_is_read() -> None:
    """The sample's external DTD name is accepted unfetched; its UDX header content is allowed."""
    records, issues, reader = read_all(EXAMPLE, "products")
    assert (issues, reader.codec.layout) == ([], "bmecat")
    [record] = records
    assert (record.line, record.key) == (60, "Q20-P09")
    assert record.model == ErpProduct(
        sku="Q20-P09",
        name="Post-Safe Polythene Envelopes",
        price=Decimal("16.49"),
        ean="9783161484100",
        description=DESCRIPTION,
    )


def test_update_products_transaction_is_read(tmp_path: Path) -> None:
    """A T_UPDATE_PRODUCTS catalogue with mode="update" products is read like a new one."""
    text = EXAMPLE.read_text("utf-8-sig")
    text = text.replace("<T_NEW_CATALOG>", '<T_UPDATE_PRODUCTS prev_version="1">')
    text = text.replace("</T_NEW_CATALOG>", "</T_UPDATE_PRODUCTS>")
    text = text.replace('mode="new"', 'mode="update"')
    path = tmp_path / "update.xml"
    path.write_text(text, "utf-8")
    records, issues, _ = read_all(path, "products")
    assert issues == []
    assert [r.key for r in records] == ["Q20-P09"]


def test_internal_subset_is_refused_and_entities_never_expanded(tmp_path: Path) -> None:
    """A DOCTYPE with an internal subset (an entity reading a local file) is refused unread."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", "utf-8")
    text = EXAMPLE.read_text("utf-8-sig").replace(
        '"http://www.eclass.eu/static/eClassXML/2.0/bmecat/bmecat_2005_tnc.dtd">',
        f'"x.dtd" [<!ENTITY x SYSTEM "file://{secret}">]>',
    )
    path = tmp_path / "evil.xml"
    path.write_text(text.replace("Q20-P09", "&x;"), "utf-8")
    reader = RecordReader(path, "products", csv=CsvOptions())
    assert list(reader) == []
    assert [str(i) for i in reader.issues] == [
        "evil.xml:3: DOCTYPE with an internal subset not allowed "
        "(no entities; an external DTD is)"
    ]


def test_schema_error_names_the_product_line(tmp_path: Path) -> None:
    """A price the BMEcat XSD refuses is reported on its own line."""
    path = tmp_path / "bad.xml"
    path.write_bytes(
        EXAMPLE.read_bytes().replace(b"<PRICE_AMOUNT>11.49", b"<PRICE_AMOUNT>abc")
    )
    records, issues, _ = read_all(path, "products")
    assert records == []
    assert len(issues) == 1
    assert issues[0].startswith("bad.xml:87: ")
    assert "PRICE_AMOUNT" in issues[0]


def test_no_price_in_the_currency_is_a_located_issue(tmp_path: Path) -> None:
    """A product without a net list price in the catalogue's currency names the price."""
    path = tmp_path / "usd.xml"
    path.write_bytes(
        EXAMPLE.read_bytes().replace(
            b"<CURRENCY>EUR</CURRENCY>", b"<CURRENCY>USD</CURRENCY>"
        )
    )
    _, issues, _ = read_all(path, "products")
    assert issues == ["usd.xml:60: price: no net_list price in USD"]


def test_rejects_are_a_bmecat_file_with_the_header(tmp_path: Path) -> None:
    """Refused products are written as a BMEcat catalogue the layout reads back."""
    path = write_catalogue(tmp_path / "cat.xml", 3)
    records = list(RecordReader(path, "products", csv=CsvOptions()))
    dest = tmp_path / "cat.rejects.xml"
    write_rejects(dest, path, "products", csv=CsvOptions(), records=records[1:2])
    again, issues, reader = read_all(dest, "products")
    assert (issues, reader.codec.layout) == ([], "bmecat")
    assert [r.model for r in again] == [records[1].model]
    assert b"<CURRENCY>SEK</CURRENCY>" in dest.read_bytes()


_PROBE = """
import resource, sys
from pathlib import Path
from bridge.config import CsvOptions
from bridge.formats import RecordReader
n = sum(1 for _ in RecordReader(Path(sys.argv[1]), "products", csv=CsvOptions()))
print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_kib(path: Path) -> tuple[int, int]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    count, rss = out.stdout.split()
    return int(count), int(rss)


def test_memory_stays_flat_as_the_catalogue_grows(tmp_path: Path) -> None:
    """Ten times the products barely moves the peak memory: products are streamed."""
    small = _peak_kib(write_catalogue(tmp_path / "small.xml", 800))
    large = _peak_kib(write_catalogue(tmp_path / "large.xml", 8000))
    assert (small[0], large[0]) == (800, 8000)
    assert large[1] - small[1] < 4 * 1024, (small, large)


def test_samples_valid_and_invalid() -> None:
    """The shipped samples: the valid one reads clean, the invalid one names line and field."""
    good = validate_file(FOLDER / "catalogue.xml", "products", csv=CsvOptions())
    bad = validate_file(FOLDER / "catalogue-invalid.xml", "products", csv=CsvOptions())
    assert (good.layout, good.issues, good.record_count) == ("bmecat", [], 2)
    assert [str(i) for i in bad.issues] == [
        "catalogue-invalid.xml:27: ean: check digit wrong, expected 6"
    ]


def test_guess_kind_by_root() -> None:
    """Out of its folder, a BMEcat catalogue is recognised as products."""
    assert REGISTRY.guess_kind(EXAMPLE) == "products"
