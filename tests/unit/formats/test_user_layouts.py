"""User layouts (SPEC §7 ``[[layouts]]``): ERP CSV headers and XML through hardened XSLT."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bridge.config import CsvOptions, LayoutSettings, load_config
from bridge.errors import ConfigError
from bridge.formats import (
    REGISTRY,
    RecordReader,
    install_user_layouts,
    validate_file,
    write_rejects,
)
from bridge.models.erp import (
    ErpProduct,
    ErpShipment,
    ErpShipmentLine,
    ErpStockLevel,
    ErpTrack,
)
from tests.unit.formats.conftest import read_all


@pytest.fixture
def install() -> Iterator[Any]:
    """Install user layouts for one test; the registry is left as it was."""

    def _install(*layouts: dict[str, Any]) -> None:
        install_user_layouts([LayoutSettings(**layout) for layout in layouts])

    yield _install
    install_user_layouts([])


STOCK = {
    "name": "lager-saldo",
    "kind": "stock",
    "match": "saldo_*.csv",
    "columns": {"sku": "Artikelnr", "qty": "Saldo", "updated_at": "Ändrad"},
    "constants": {"source": "lager-malmo"},
    "date_format": "%Y-%m-%d %H:%M",
}


def test_stock_csv_by_the_erps_headers(install: Any, tmp_path: Path) -> None:
    """Columns map by header, constants fill in, dates follow date_format, extras are ignored."""
    install(STOCK)
    path = tmp_path / "saldo_1.csv"
    path.write_text(
        "Artikelnr;Benämning;Saldo;Ändrad\nERP-1;Kopp;12,5;2026-11-26 06:00\n"
        "ERP-2;Kanna;3;2026-11-26 07:30\n",
        "cp1252",
    )
    options = CsvOptions(encoding="cp1252", decimal_separator=",")
    records, issues, reader = read_all(path, "stock", options)
    assert (issues, reader.codec.layout) == ([], "lager-saldo")
    assert [(r.line, r.model) for r in records] == [
        (
            2,
            ErpStockLevel(
                sku="ERP-1",
                qty=Decimal("12.5"),
                source="lager-malmo",
                updated_at=datetime(2026, 11, 26, 6, tzinfo=UTC),
            ),
        ),
        (
            3,
            ErpStockLevel(
                sku="ERP-2",
                qty=Decimal(3),
                source="lager-malmo",
                updated_at=datetime(2026, 11, 26, 7, 30, tzinfo=UTC),
            ),
        ),
    ]


def test_stock_csv_issues_name_line_and_field(install: Any, tmp_path: Path) -> None:
    """A date off the format names the ERP column; a bad quantity the canonical field."""
    install(STOCK)
    path = tmp_path / "saldo_2.csv"
    path.write_text(
        "Artikelnr;Saldo;Ändrad\nERP-1;-4;2026-11-26 06:00\nERP-2;3;26/11/2026\n",
        "utf-8",
    )
    result = validate_file(path, "stock", csv=CsvOptions())
    assert [str(i) for i in result.issues] == [
        "saldo_2.csv:2: qty: '-4' is not a valid value "
        "(must be a decimal >= 0, at most 6 decimals)",
        "saldo_2.csv:3: Ändrad: '26/11/2026' does not match date_format '%Y-%m-%d %H:%M'",
    ]


def test_rejects_are_the_erps_own_rows(install: Any, tmp_path: Path) -> None:
    """Refused records are written back as the source's rows under its header."""
    install(STOCK)
    path = tmp_path / "saldo_3.csv"
    path.write_text(
        "Artikelnr;Saldo;Ändrad\nERP-1;1;2026-11-26 06:00\nERP-2;2;2026-11-26 06:00\n",
        "utf-8",
    )
    records = list(RecordReader(path, "stock", csv=CsvOptions()))
    dest = tmp_path / "saldo_3.csv.rejects.csv"
    write_rejects(dest, path, "stock", csv=CsvOptions(), records=records[1:])
    assert (
        dest.read_text("utf-8") == "Artikelnr;Saldo;Ändrad\nERP-2;2;2026-11-26 06:00\n"
    )


def test_products_csv_and_a_file_the_glob_misses(install: Any, tmp_path: Path) -> None:
    """A products layout reads its files; a canonical file of another name stays canonical."""
    install(
        {
            "name": "artiklar",
            "kind": "products",
            "match": "art*.csv",
            "columns": {"sku": "Nr", "name": "Namn", "price": "Pris", "ean": "EAN"},
        }
    )
    path = tmp_path / "art.csv"
    path.write_text("Nr,Namn,Pris,EAN\nERP-9,Tekanna,249.00,7350000000016\n", "utf-8")
    records, issues, _ = read_all(path, "products")
    assert issues == []
    assert [r.model for r in records] == [
        ErpProduct(
            sku="ERP-9", name="Tekanna", price=Decimal("249.00"), ean="7350000000016"
        )
    ]
    other = tmp_path / "products.csv"
    other.write_text("sku,name,price\nA,B,1\n", "utf-8")
    assert RecordReader(other, "products", csv=CsvOptions()).codec.layout == "canonical"


def test_shipments_csv_groups_rows_by_delivery(install: Any, tmp_path: Path) -> None:
    """Rows of one delivery note form one shipment with its lines and tracks."""
    install(
        {
            "name": "leverans",
            "kind": "shipments",
            "match": "lev_*.csv",
            "columns": {
                "shipment_id": "Följesedel",
                "order_number": "Order",
                "sku": "Art",
                "qty": "Antal",
                "tracking_number": "Kolli",
            },
            "constants": {"carrier_code": "postnord"},
        }
    )
    path = tmp_path / "lev_1.csv"
    path.write_text(
        "Följesedel,Order,Art,Antal,Kolli\nFS-1,000000001,ERP-1,2,TRK-1\nFS-1,000000001,ERP-2,1,TRK-1\n",
        "utf-8",
    )
    records, issues, _ = read_all(path, "shipments")
    assert issues == []
    assert [r.model for r in records] == [
        ErpShipment(
            shipment_id="FS-1",
            order_number="000000001",
            lines=(
                ErpShipmentLine(sku="ERP-1", qty=Decimal(2)),
                ErpShipmentLine(sku="ERP-2", qty=Decimal(1)),
            ),
            tracks=(ErpTrack(number="TRK-1", carrier_code="postnord"),),
        )
    ]


def test_unknown_field_is_a_config_error() -> None:
    """A layout mapping a field its kind lacks is refused when it is installed."""
    bad = LayoutSettings(
        name="x", kind="stock", match="*.csv", columns={"sku": "A", "colour": "B"}
    )
    with pytest.raises(ConfigError, match="'colour' is not a field of stock"):
        install_user_layouts([bad])
    install_user_layouts([])


ACME_XSL = """<?xml version="1.0"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="/Leverans">
    <shipments>
      <xsl:for-each select="Sandning">
        <shipment>
          <shipment_id><xsl:value-of select="@nr"/></shipment_id>
          <order_number><xsl:value-of select="Order"/></order_number>
          <lines>
            <xsl:for-each select="Rad">
              <line><sku><xsl:value-of select="@art"/></sku>
                <qty><xsl:value-of select="@antal"/></qty></line>
            </xsl:for-each>
          </lines>
        </shipment>
      </xsl:for-each>
    </shipments>
  </xsl:template>
</xsl:stylesheet>
"""


def _xslt_layout(
    tmp_path: Path, kind: str, stylesheet: str, match: str = "acme_*.xml"
) -> dict[str, Any]:
    xsl = tmp_path / f"{kind}.xsl"
    xsl.write_text(stylesheet, "utf-8")
    return {"name": f"acme-{kind}", "kind": kind, "match": match, "xslt": xsl}


def test_shipments_xml_through_xslt(install: Any, tmp_path: Path) -> None:
    """The stylesheet's canonical shipments are read; rejects are the whole document."""
    install(_xslt_layout(tmp_path, "shipments", ACME_XSL))
    path = tmp_path / "acme_1.xml"
    path.write_text(
        '<Leverans><Sandning nr="FS-9"><Order>000000002</Order>'
        '<Rad art="ERP-1" antal="2"/></Sandning></Leverans>',
        "utf-8",
    )
    records, issues, reader = read_all(path, "shipments")
    assert (issues, reader.codec.layout) == ([], "acme-shipments")
    assert [r.model for r in records] == [
        ErpShipment(
            shipment_id="FS-9",
            order_number="000000002",
            lines=(ErpShipmentLine(sku="ERP-1", qty=Decimal(2)),),
        )
    ]
    dest = tmp_path / "rejects.xml"
    write_rejects(dest, path, "shipments", csv=CsvOptions(), records=records)
    assert dest.read_bytes() == path.read_bytes()


def test_xslt_output_is_checked_like_canonical(install: Any, tmp_path: Path) -> None:
    """A value the canonical XSD refuses is named by its field."""
    install(_xslt_layout(tmp_path, "shipments", ACME_XSL))
    path = tmp_path / "acme_2.xml"
    path.write_text(
        '<Leverans>\n<Sandning nr="FS-9"><Order>000000002</Order>'
        '<Rad art="ERP-1" antal="0"/></Sandning></Leverans>',
        "utf-8",
    )
    _, issues, _ = read_all(path, "shipments")
    assert issues == [
        "acme_2.xml:1: qty: '0' is not a valid value (must be a decimal > 0, at most 6 decimals)"
    ]


STOCK_XSL = """<?xml version="1.0"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="/Saldo">
    <stock><xsl:for-each select="A"><item><sku><xsl:value-of select="@nr"/></sku>
      <qty><xsl:value-of select="@q"/></qty></item></xsl:for-each></stock>
  </xsl:template>
</xsl:stylesheet>
"""
PRODUCTS_XSL = """<?xml version="1.0"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="/Katalog">
    <products><xsl:for-each select="Vara"><product><sku><xsl:value-of select="@nr"/></sku>
      <name><xsl:value-of select="."/></name><price><xsl:value-of select="@pris"/></price>
    </product></xsl:for-each></products>
  </xsl:template>
</xsl:stylesheet>
"""


def test_stock_and_products_xml_through_xslt(install: Any, tmp_path: Path) -> None:
    """Each kind's stylesheet output is read as that kind's canonical records."""
    install(
        _xslt_layout(tmp_path, "stock", STOCK_XSL, "saldo_*.xml"),
        _xslt_layout(tmp_path, "products", PRODUCTS_XSL, "katalog_*.xml"),
    )
    stock = tmp_path / "saldo_1.xml"
    stock.write_text('<Saldo><A nr="ERP-1" q="4"/></Saldo>', "utf-8")
    products = tmp_path / "katalog_1.xml"
    products.write_text(
        '<Katalog><Vara nr="ERP-1" pris="99">Kopp</Vara></Katalog>', "utf-8"
    )
    assert [r.model for r in read_all(stock, "stock")[0]] == [
        ErpStockLevel(sku="ERP-1", qty=Decimal(4))
    ]
    assert [r.model for r in read_all(products, "products")[0]] == [
        ErpProduct(sku="ERP-1", name="Kopp", price=Decimal(99))
    ]


def test_xslt_reading_a_local_file_is_refused(install: Any, tmp_path: Path) -> None:
    """document() on a local file is denied: the secret never reaches a record."""
    secret = tmp_path / "secret.xml"
    secret.write_text("<s>TOP-SECRET</s>", "utf-8")
    thief = ACME_XSL.replace(
        '<xsl:value-of select="@nr"/>',
        f"<xsl:value-of select=\"document('{secret}')/s\"/>",
    )
    install(_xslt_layout(tmp_path, "shipments", thief))
    path = tmp_path / "acme_3.xml"
    path.write_text(
        '<Leverans><Sandning nr="FS-9"><Order>1</Order>'
        '<Rad art="A" antal="1"/></Sandning></Leverans>',
        "utf-8",
    )
    records, issues, _ = read_all(path, "shipments")
    assert records == []
    assert len(issues) == 1
    assert issues[0].startswith("acme_3.xml:1: the stylesheet failed: ")
    assert "TOP-SECRET" not in issues[0]


def test_xslt_extension_element_is_refused_at_install(tmp_path: Path) -> None:
    """A stylesheet writing a file (exsl:document) is refused: access is denied."""
    writer = ACME_XSL.replace(
        'xmlns:xsl="http://www.w3.org/1999/XSL/Transform"',
        'xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
        'xmlns:exsl="http://exslt.org/common" extension-element-prefixes="exsl"',
    ).replace(
        "<shipments>",
        f'<exsl:document href="{tmp_path / "out.txt"}"><x/></exsl:document><shipments>',
    )
    layout = _xslt_layout(tmp_path, "shipments", writer)
    install_user_layouts([LayoutSettings(**layout)])
    try:
        path = tmp_path / "acme_4.xml"
        path.write_text("<Leverans/>", "utf-8")
        _, issues, _ = read_all(path, "shipments")
    finally:
        install_user_layouts([])
    assert not (tmp_path / "out.txt").exists()
    assert issues
    assert "the stylesheet failed" in issues[0]


def test_user_layout_wins_over_a_builtin(install: Any, tmp_path: Path) -> None:
    """A user layout whose match fits is asked before the built-in despatch advice."""
    install(_xslt_layout(tmp_path, "shipments", ACME_XSL, "*.xml"))
    kinds = [(i.kind, i.layout) for i in REGISTRY.layouts() if i.kind == "shipments"]
    assert kinds[0] == ("shipments", "acme-shipments")


def test_config_resolves_the_stylesheet_next_to_bridge_toml(tmp_path: Path) -> None:
    """``xslt`` is relative to bridge.toml; two layouts of one name are refused."""
    toml = tmp_path / "bridge.toml"
    toml.write_text(
        '[[layouts]]\nname = "a"\nkind = "stock"\nmatch = "*.xml"\nxslt = "layouts/a.xsl"\n',
        "utf-8",
    )
    [layout] = load_config(toml).layouts
    assert layout.xslt == tmp_path / "layouts" / "a.xsl"
    toml.write_text(toml.read_text("utf-8") * 2, "utf-8")
    with pytest.raises(ConfigError, match="layout name given twice: 'a'"):
        load_config(toml)
