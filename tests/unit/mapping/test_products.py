"""Unit tests for bridge.mapping.products: payloads, fingerprints, url keys."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bridge.mapping.products import (
    changed_fields,
    core_fields,
    fingerprint,
    format_decimal,
    is_url_key_clash,
    slugify,
    to_magento_product_create,
    to_magento_product_update,
    url_key_for,
)
from bridge.models.erp import ErpProduct

FORBIDDEN_IN_UPDATES = {
    "status",
    "visibility",
    "extension_attributes",
    "media_gallery_entries",
    "type_id",
    "attribute_set_id",
    "product_links",
}


def _product(**kw: object) -> ErpProduct:
    base: dict[str, object] = {
        "sku": "ERP-1001",
        "name": "Widget 10 mm",
        "price": Decimal("99.00"),
        "ean": "7312345678909",
        "short_description": "Short",
        "description": "<p>Long</p>",
    }
    base.update(kw)
    return ErpProduct.model_validate(base)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("10", "10"),
        ("10.00", "10"),
        ("9.50", "9.5"),
        ("100", "100"),
        ("0.000", "0"),
        ("1E+2", "100"),
        ("0.10", "0.1"),
        ("-0.00", "0"),
    ],
)
def test_format_decimal_is_canonical(value: str, text: str) -> None:
    """Equal decimals render identically, in plain notation."""
    assert format_decimal(Decimal(value)) == text


def test_fingerprint_ignores_price_notation() -> None:
    """A price of 99 and 99.00 give the same fingerprint; a new name does not."""
    a = core_fields(_product(price=Decimal("99")), ean_attribute="ean")
    b = core_fields(_product(price=Decimal("99.000")), ean_attribute="ean")
    c = core_fields(_product(name="Widget 12 mm"), ean_attribute="ean")
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) != fingerprint(c)


def test_ean_left_out_when_not_managed() -> None:
    """With ean_attribute "" the EAN is not core data and never sent."""
    fields = core_fields(_product(), ean_attribute="")
    assert "ean" not in fields
    payload = to_magento_product_create(
        fields, attribute_set_id=4, website_ids=[1], ean_attribute="", url_key="k"
    )
    codes = {a["attribute_code"] for a in payload["custom_attributes"]}
    assert codes == {"short_description", "description", "url_key"}


def test_create_payload_is_a_disabled_simple_product() -> None:
    """A new product is disabled, simple, in the configured set and websites."""
    fields = core_fields(_product(), ean_attribute="erp_ean")
    payload = to_magento_product_create(
        fields,
        attribute_set_id=9,
        website_ids=[1, 2],
        ean_attribute="erp_ean",
        url_key="widget-10-mm-erp-1001",
    )
    assert payload["status"] == 2
    assert payload["type_id"] == "simple"
    assert payload["attribute_set_id"] == 9
    assert payload["extension_attributes"] == {"website_ids": [1, 2]}
    assert payload["price"] == 99.0
    assert payload["name"] == "Widget 10 mm"
    attrs = {a["attribute_code"]: a["value"] for a in payload["custom_attributes"]}
    assert attrs == {
        "short_description": "Short",
        "description": "<p>Long</p>",
        "erp_ean": "7312345678909",
        "url_key": "widget-10-mm-erp-1001",
    }


def test_update_carries_only_changed_core_fields() -> None:
    """Changing name and price sends just those, never status or categories."""
    old = core_fields(_product(), ean_attribute="ean")
    new = core_fields(
        _product(name="Widget v2", price=Decimal("105")), ean_attribute="ean"
    )
    payload = to_magento_product_update(
        "ERP-1001", changed_fields(old, new), ean_attribute="ean"
    )
    assert payload == {"sku": "ERP-1001", "name": "Widget v2", "price": 105.0}


def test_update_of_unknown_history_sends_every_core_field_and_nothing_else() -> None:
    """Without a remembered state every non-empty core field goes, and only those."""
    new = core_fields(_product(short_description=None), ean_attribute="ean")
    payload = to_magento_product_update(
        "ERP-1001", changed_fields(None, new), ean_attribute="ean"
    )
    assert payload is not None
    assert set(payload) == {"sku", "name", "price", "custom_attributes"}
    assert not FORBIDDEN_IN_UPDATES & set(payload)
    codes = [a["attribute_code"] for a in payload["custom_attributes"]]
    assert codes == ["description", "ean"]


def test_update_of_one_custom_attribute_sends_only_it() -> None:
    """A changed description alone is one custom attribute, without name or price."""
    old = core_fields(_product(), ean_attribute="ean")
    new = core_fields(_product(description="<p>New</p>"), ean_attribute="ean")
    payload = to_magento_product_update(
        "ERP-1001", changed_fields(old, new), ean_attribute="ean"
    )
    assert payload == {
        "sku": "ERP-1001",
        "custom_attributes": [{"attribute_code": "description", "value": "<p>New</p>"}],
    }


def test_update_with_nothing_to_send_is_none() -> None:
    """A field emptied in the ERP is not wiped in Magento, so nothing is sent."""
    old = core_fields(_product(), ean_attribute="ean")
    new = core_fields(_product(description=None), ean_attribute="ean")
    assert changed_fields(old, new) == {}
    assert to_magento_product_update("ERP-1001", {}, ean_attribute="ean") is None


@pytest.mark.parametrize(
    ("name", "sku", "key"),
    [
        ("Widget 10 mm", "ERP-1001", "widget-10-mm-erp-1001"),
        ("Kaffekopp Åsa \u2013 blå", "KOPP/7", "kaffekopp-asa-bla-kopp-7"),
        ("", "SKU_1", "sku-1"),
        ("Ünïcödé  ", "X", "unicode-x"),
    ],
)
def test_url_key_is_ascii_slug_of_name_and_sku(name: str, sku: str, key: str) -> None:
    """The url key is a lowercase ASCII slug of name and SKU."""
    assert url_key_for(name, sku) == key


def test_url_key_of_symbols_only_is_never_empty() -> None:
    """Even a name and SKU with no ASCII letters give a usable key."""
    assert url_key_for("???", "€€") != ""
    assert slugify("A  B") == "a-b"


@pytest.mark.parametrize(
    ("message", "clash"),
    [
        ("URL key for specified store already exists.", True),
        (
            "The value specified in the URL Key field would generate a URL that "
            "already exists.",
            True,
        ),
        ('The "price" attribute value is invalid.', False),
    ],
)
def test_url_key_clash_is_recognised(message: str, clash: bool) -> None:
    """Magento's two url_key refusals are recognised, other errors are not."""
    assert is_url_key_clash(message) is clash
