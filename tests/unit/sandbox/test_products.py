"""Products in the sandbox behave as Magento 2.4's ProductRepository does."""

from __future__ import annotations

from typing import Any

import httpx

NEW = {
    "sku": "ERP-1",
    "name": "Widget 10 mm",
    "price": 99.0,
    "attribute_set_id": 4,
    "type_id": "simple",
    "status": 2,
    "visibility": 4,
    "custom_attributes": [
        {"attribute_code": "description", "value": "<p>Long</p>"},
        {"attribute_code": "url_key", "value": "widget-10-mm-erp-1"},
    ],
}


def _attr(product: dict[str, Any], code: str) -> Any:
    return {c["attribute_code"]: c["value"] for c in product["custom_attributes"]}.get(
        code
    )


def test_put_creates_missing_sku_with_magento_defaults(api: httpx.Client) -> None:
    """PUT on an unknown SKU creates it: enabled, visible everywhere, all websites."""
    response = api.put(
        "/rest/all/V1/products/NEW-1", json={"product": {"name": "Fresh", "price": 5}}
    )
    assert response.status_code == 200
    product = api.get("/rest/all/V1/products/NEW-1").json()
    assert (product["sku"], product["status"], product["visibility"]) == ("NEW-1", 1, 4)
    assert product["extension_attributes"]["website_ids"] == [1]
    assert product["attribute_set_id"] == 4
    assert _attr(product, "url_key") == "fresh"


def test_post_creates_disabled_product_as_sent(api: httpx.Client) -> None:
    """POST keeps the status 2 (disabled) the client sends."""
    created = api.post(
        "/rest/all/V1/products", json={"product": NEW, "saveOptions": True}
    )
    assert created.status_code == 200
    assert created.json()["status"] == 2
    assert isinstance(created.json()["id"], int)


def test_core_update_keeps_status_categories_and_websites(api: httpx.Client) -> None:
    """An update with core fields only leaves staff's status and categories alone."""
    api.post("/rest/all/V1/products", json={"product": NEW})
    staff = {
        "sku": "ERP-1",
        "status": 1,
        "extension_attributes": {
            "category_links": [{"position": 0, "category_id": "7"}]
        },
    }
    assert (
        api.put("/rest/all/V1/products/ERP-1", json={"product": staff}).status_code
        == 200
    )
    update = {
        "sku": "ERP-1",
        "name": "Widget v2",
        "price": 105.0,
        "custom_attributes": [{"attribute_code": "description", "value": "New"}],
    }
    product = api.put("/rest/all/V1/products/ERP-1", json={"product": update}).json()
    assert (product["name"], product["price"], product["status"]) == (
        "Widget v2",
        105.0,
        1,
    )
    assert product["extension_attributes"]["category_links"] == [
        {"position": 0, "category_id": "7"}
    ]
    assert product["extension_attributes"]["website_ids"] == [1]
    assert _attr(product, "description") == "New"
    assert _attr(product, "url_key") == "widget-10-mm-erp-1"


def test_default_store_update_becomes_a_store_view_override(api: httpx.Client) -> None:
    """A name written through /rest/V1 shows in the default view, not /rest/all."""
    api.post("/rest/all/V1/products", json={"product": NEW})
    api.put(
        "/rest/V1/products/ERP-1",
        json={"product": {"name": "Store name", "price": 120}},
    )
    assert api.get("/rest/default/V1/products/ERP-1").json()["name"] == "Store name"
    assert api.get("/rest/V1/products/ERP-1").json()["name"] == "Store name"
    global_view = api.get("/rest/all/V1/products/ERP-1").json()
    assert global_view["name"] == "Widget 10 mm"
    assert global_view["price"] == 120  # price is a global attribute


def test_later_all_store_write_does_not_clear_the_override(api: httpx.Client) -> None:
    """Once a store-view value exists, /rest/all writes no longer reach that view."""
    api.post("/rest/all/V1/products", json={"product": NEW})
    api.put("/rest/default/V1/products/ERP-1", json={"product": {"name": "Stuck"}})
    api.put("/rest/all/V1/products/ERP-1", json={"product": {"name": "Global v3"}})
    assert api.get("/rest/all/V1/products/ERP-1").json()["name"] == "Global v3"
    assert api.get("/rest/default/V1/products/ERP-1").json()["name"] == "Stuck"


def test_duplicate_url_key_fails_like_magento(api: httpx.Client) -> None:
    """A second product with the same name and no url_key gets Magento's 400."""
    api.put(
        "/rest/all/V1/products/A", json={"product": {"name": "Same name", "price": 1}}
    )
    response = api.put(
        "/rest/all/V1/products/B", json={"product": {"name": "Same name", "price": 1}}
    )
    assert response.status_code == 400
    assert response.json() == {"message": "URL key for specified store already exists."}
    assert api.get("/rest/all/V1/products/B").status_code == 404


def test_unknown_product_is_404_with_magento_message(api: httpx.Client) -> None:
    """GET of a missing SKU answers Magento's 404 message."""
    response = api.get("/rest/all/V1/products/NOPE")
    assert response.status_code == 404
    assert response.json()["message"] == (
        "The product that was requested doesn't exist."
        " Verify the product and try again."
    )


def test_create_without_name_names_the_attribute(api: httpx.Client) -> None:
    """A new product without a name is refused with the attribute as %1."""
    response = api.post(
        "/rest/all/V1/products", json={"product": {"sku": "X", "price": 1}}
    )
    assert response.status_code == 400
    assert response.json() == {
        "message": 'The "%1" attribute value is empty.'
        " Set the attribute and try again.",
        "parameters": ["name"],
    }


def test_product_search_by_sku_in_with_fields(api: httpx.Client) -> None:
    """GET /V1/products with an `in` filter and `fields` trims to those SKUs."""
    for sku in ("S-1", "S-2", "S-3"):
        api.put(
            f"/rest/all/V1/products/{sku}", json={"product": {"name": sku, "price": 1}}
        )
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "sku",
        "searchCriteria[filter_groups][0][filters][0][value]": "S-1,S-3,S-9",
        "searchCriteria[filter_groups][0][filters][0][condition_type]": "in",
        "fields": "items[sku],total_count",
    }
    body = api.get("/rest/all/V1/products", params=params).json()
    assert body == {"items": [{"sku": "S-1"}, {"sku": "S-3"}], "total_count": 2}


def test_delete_product(api: httpx.Client) -> None:
    """DELETE removes the product and answers true."""
    api.put("/rest/all/V1/products/D-1", json={"product": {"name": "Gone", "price": 1}})
    assert api.delete("/rest/all/V1/products/D-1").json() is True
    assert api.get("/rest/all/V1/products/D-1").status_code == 404


def test_attribute_outside_the_set_is_dropped_silently(api: httpx.Client) -> None:
    """A value for an attribute not in the set answers 200 and is not kept (#9594)."""
    body = {
        "product": {
            "name": "Lamp",
            "price": 5,
            "custom_attributes": [
                {"attribute_code": "ean", "value": "7312345678909"},
                {"attribute_code": "gtin", "value": "7312345678909"},
            ],
        }
    }
    response = api.put("/rest/all/V1/products/ATTR-1", json=body)
    assert response.status_code == 200
    codes = {c["attribute_code"] for c in response.json()["custom_attributes"]}
    assert ("ean" in codes, "gtin" in codes) == (True, False)
    api.post("/sandbox/config", json={"attributes": ["gtin"]})
    body["product"]["name"] = "Lamp 2"
    response = api.put("/rest/all/V1/products/ATTR-2", json=body)
    codes = {c["attribute_code"] for c in response.json()["custom_attributes"]}
    assert ("ean" in codes, "gtin" in codes) == (False, True)
