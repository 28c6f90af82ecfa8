"""The contract helper itself: it accepts Magento's real shapes and catches drift."""

from __future__ import annotations

import pytest

from tests.contract.swagger import (
    operation,
    schema_available,
    validate_request,
    validate_response,
)

pytestmark = pytest.mark.skipif(
    not schema_available(), reason="Magento's swagger schema is not in shared/reference"
)


def test_paths_map_to_templates_with_any_store_code() -> None:
    """Paths under /rest, /rest/all or /rest/default map to the schema template."""
    assert operation("POST", "/rest/V1/order/3/ship")[0] == "/V1/order/{orderId}/ship"  # type: ignore[index]
    assert operation("PUT", "/rest/all/V1/products/A-1")[0] == "/V1/products/{sku}"  # type: ignore[index]
    assert operation("GET", "/rest/default/V1/products/attribute-sets/sets/list")[
        0
    ] == (  # type: ignore[index]
        "/V1/products/attribute-sets/sets/list"
    )
    assert operation("PATCH", "/rest/V1/orders") is None


def test_unknown_field_and_wrong_type_are_reported() -> None:
    """A field outside the definition and a wrong type are both problems."""
    body = {"entity_id": 1, "bogus": 2, "items": [{"qty_ordered": "many"}]}
    problems = validate_response("GET", "/rest/V1/orders/1", 200, body)
    assert len(problems) == 2
    assert any("'bogus' was unexpected" in p for p in problems)
    assert any("items/0/qty_ordered" in p for p in problems)


def test_nulls_missing_required_and_extension_attributes_are_allowed() -> None:
    """Null anywhere, absent required fields and unknown extension attributes pass."""
    body = {
        "entity_id": None,
        "billing_address": None,
        "extension_attributes": {"invoice_fee": 29, "anything": {"x": 1}},
    }
    assert validate_response("GET", "/rest/V1/orders/1", 200, body) == []


def test_scalar_answers() -> None:
    """Ship answers an integer id; a string is refused."""
    assert validate_response("POST", "/rest/V1/order/3/ship", 200, 5) == []
    assert validate_response("POST", "/rest/V1/order/3/ship", 200, "5") != []


def test_error_bodies_in_both_real_parameter_shapes() -> None:
    """Magento's error body carries parameters as a list or as an object."""
    listed = {"message": "%1", "parameters": ["x"]}
    named = {
        "message": "%resources",
        "parameters": {"resources": "Magento_Sales::sales"},
    }
    assert validate_response("GET", "/rest/V1/orders", 400, listed) == []
    assert validate_response("GET", "/rest/V1/orders", 401, named) == []
    assert validate_response("GET", "/rest/V1/orders", 400, {"msg": "x"}) != []


def test_request_bodies_are_checked() -> None:
    """A ship request with an unknown item field is a problem; a correct one is not."""
    good = {
        "items": [{"order_item_id": 1, "qty": 1}],
        "notify": True,
        "tracks": [{"track_number": "1", "title": "PN", "carrier_code": "custom"}],
    }
    assert validate_request("POST", "/rest/V1/order/1/ship", good) == []
    bad = {"items": [{"order_item_id": 1, "qty": 1, "sku": "A"}]}
    assert validate_request("POST", "/rest/V1/order/1/ship", bad) != []
    assert validate_request("POST", "/rest/V1/not/a/route", {}) != []
