"""Products, stock and parsed records: light, frozen, and read back as they were."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import msgspec
import pytest

from bridge.models.erp import ErpProduct, ErpStockLevel, ParsedRecord

_STAMP = datetime(2026, 11, 26, 5, 0, 0, 120, tzinfo=UTC)


def test_records_are_frozen() -> None:
    """A product, a stock level and a parsed record refuse any change."""
    level = ErpStockLevel(sku="A", qty=Decimal(1))
    record = ParsedRecord(0, 2, "A", level, b"<item/>")
    with pytest.raises(AttributeError):
        level.qty = Decimal(2)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        record.line = 3  # type: ignore[misc]
    assert hash(level) == hash(ErpStockLevel(sku="A", qty=Decimal(1)))


def test_unknown_fields_are_refused() -> None:
    """A field the record has not got is refused, built or validated."""
    with pytest.raises(TypeError):
        ErpStockLevel(sku="A", qty=Decimal(1), colour="red")  # type: ignore[call-arg]
    with pytest.raises(msgspec.ValidationError):
        ErpProduct.model_validate({"sku": "A", "name": "N", "price": "1", "x": 1})


def test_json_is_the_staged_form_and_reads_back() -> None:
    """Decimals as strings and UTC stamps with Z, and the same record read back."""
    level = ErpStockLevel(sku="A", qty=Decimal("1.50"), updated_at=_STAMP)
    text = level.model_dump_json()
    assert json.loads(text) == {
        "sku": "A",
        "qty": "1.50",
        "source": None,
        "updated_at": "2026-11-26T05:00:00.000120Z",
    }
    back = ErpStockLevel.model_validate_json(text)
    assert back == level
    assert str(back.qty) == "1.50"
    product = ErpProduct(sku="ÅÄ-1", name="Kopp <30 cl>", price=Decimal("129.00"))
    assert ErpProduct.model_validate_json(product.model_dump_json()) == product
    assert '"name":"Kopp <30 cl>"' in product.model_dump_json()


def test_copy_and_dump_keep_the_other_fields() -> None:
    """model_copy replaces the fields given; model_dump gives every field's value."""
    level = ErpStockLevel(sku="gtin:1", qty=Decimal(3), source="eu")
    copy = level.model_copy(update={"sku": "A"})
    assert copy == ErpStockLevel(sku="A", qty=Decimal(3), source="eu")
    assert level.model_copy() is level
    assert copy.model_dump() == {
        "sku": "A",
        "qty": Decimal(3),
        "source": "eu",
        "updated_at": None,
    }


def test_validate_converts_text() -> None:
    """model_validate builds from a dict, converting text to decimals."""
    product = ErpProduct.model_validate({"sku": "A", "name": "N", "price": "9.90"})
    assert product.price == Decimal("9.90")
    assert product.qty is None


def test_raw_form_is_made_once_when_asked() -> None:
    """A parsed record makes its raw form on first use only, and keeps it."""
    calls: list[int] = []

    def make() -> bytes:
        calls.append(1)
        return b"<item><sku>A</sku></item>"

    level = ErpStockLevel(sku="A", qty=Decimal(1))
    record = ParsedRecord(0, 2, "A", level, make)
    assert calls == []
    assert record.raw == b"<item><sku>A</sku></item>"
    assert record.raw is record.raw
    assert calls == [1]
    assert record == ParsedRecord(0, 2, "A", level, b"<item><sku>A</sku></item>")
    other = record.with_model("B", level.model_copy(update={"sku": "B"}))
    assert (other.index, other.line, other.key, other.raw) == (0, 2, "B", record.raw)
    assert "raw" not in repr(record)
