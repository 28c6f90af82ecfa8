"""The schemas: found, compiled, explained, and matching the Python side's tables."""

from __future__ import annotations

import pytest
from lxml import etree

from bridge.errors import ConfigError
from bridge.formats import schema_path
from bridge.formats._csvrows import COLUMNS, REQUIRED
from bridge.formats._records import ean_check_digit
from bridge.formats._xsd import kind_schema


def test_schema_path_finds_each_inbound_schema() -> None:
    """schema_path returns an existing file for each inbound kind."""
    for kind in ("products", "stock", "shipments"):
        assert schema_path(f"{kind}.xsd").is_file()


def test_missing_schema_is_a_config_error() -> None:
    """An unknown schema name raises ConfigError."""
    with pytest.raises(ConfigError, match=r"nope\.xsd"):
        schema_path("nope.xsd")


@pytest.mark.parametrize(
    ("body", "digit"), [("400638133393", 1), ("5901234", 4), ("735000123400", 7)]
)
def test_ean_check_digit(body: str, digit: int) -> None:
    """The GS1 check digit is computed for GTIN-8 and GTIN-13 bodies."""
    assert ean_check_digit(body) == digit


@pytest.mark.parametrize("kind", ["products", "stock"])
def test_csv_required_columns_match_the_xsd(kind: str) -> None:
    """The CSV's required columns are exactly the XSD record's required children."""
    ks = kind_schema(kind)
    assert set(ks.required[ks.record]) == set(REQUIRED[kind])
    assert {child for parent, child in ks.rules if parent == ks.record} == set(
        COLUMNS[kind]
    )


@pytest.mark.parametrize("kind", ["products", "stock", "shipments"])
def test_every_required_child_is_really_required(kind: str) -> None:
    """Dropping any child called required makes a sample record invalid."""
    ks = kind_schema(kind)
    from tests.unit.formats.conftest import SAMPLES

    record = etree.parse(str(SAMPLES / f"{kind}.xml")).getroot()[0]
    assert ks.schema.validate(record)
    for name in ks.required[ks.record]:
        copy = etree.fromstring(etree.tostring(record))
        copy.remove(copy.find(name))
        assert not ks.schema.validate(copy), name
