"""ProductsAdapter: writes under ``/rest/all/V1``, SKU lookups in chunks."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from bridge.errors import MagentoUnavailableError, RecordRejectedError
from bridge.magento import MagentoClient, ProductsAdapter

from .conftest import Magento

NEW_PRODUCT: dict[str, Any] = {
    "sku": "ERP-1001",
    "name": "Widget 10 mm",
    "attribute_set_id": 4,
    "type_id": "simple",
    "price": 99.0,
    "status": 2,
    "visibility": 4,
    "extension_attributes": {"website_ids": [1]},
    "custom_attributes": [{"attribute_code": "url_key", "value": "widget-erp-1001"}],
}


@pytest.fixture
def products(client: MagentoClient) -> ProductsAdapter:
    """The adapter on the scripted Magento."""
    return ProductsAdapter(client)


def query(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))


def test_create_posts_to_all_store(products: ProductsAdapter, magento: Magento) -> None:
    """Create is ``POST /rest/all/V1/products`` with the product and saveOptions."""
    magento.queue(httpx.Response(200, json={**NEW_PRODUCT, "id": 11}))
    saved = products.create(NEW_PRODUCT)
    assert saved["id"] == 11
    assert magento.last.method == "POST"
    assert magento.last.url.path == "/rest/all/V1/products"
    assert magento.body() == {"product": NEW_PRODUCT, "saveOptions": True}


def test_update_puts_core_fields_to_all_store(
    products: ProductsAdapter, magento: Magento
) -> None:
    """Update is ``PUT /rest/all/V1/products/{sku}`` with only the fields given."""
    fields = {"sku": "ERP/1001", "name": "Widget v2", "price": 105.0}
    magento.queue(httpx.Response(200, json=fields))
    products.update("ERP/1001", fields)
    assert magento.last.method == "PUT"
    assert magento.last.url.raw_path == b"/rest/all/V1/products/ERP%2F1001"
    assert magento.body() == {"product": fields}


def test_rejected_write_names_the_sku(
    products: ProductsAdapter, magento: Magento
) -> None:
    """Magento's 400 becomes a rejection keyed by the SKU, message filled in."""
    magento.queue(
        httpx.Response(
            400,
            json={
                "message": "URL key for specified store already exists.",
                "parameters": [],
            },
        )
    )
    with pytest.raises(RecordRejectedError) as caught:
        products.create(NEW_PRODUCT)
    assert caught.value.record_key == "ERP-1001"
    assert caught.value.magento_message == "URL key for specified store already exists."


def test_get_returns_none_for_unknown_sku(
    products: ProductsAdapter, magento: Magento
) -> None:
    """A 404 on ``GET /rest/all/V1/products/{sku}`` means "no such product"."""
    magento.queue(
        httpx.Response(
            404,
            json={
                "message": "The product that was requested doesn't exist. "
                "Verify the product and try again."
            },
        )
    )
    assert products.get("NOPE") is None
    assert magento.last.url.path == "/rest/all/V1/products/NOPE"


def test_get_does_not_hide_outages(products: ProductsAdapter, magento: Magento) -> None:
    """A 503 while reading is transient, never "product missing"."""
    magento.default = httpx.Response(503)
    with pytest.raises(MagentoUnavailableError):
        products.get("ERP-1")


def test_existing_skus_uses_in_lookup_with_fields(
    products: ProductsAdapter, magento: Magento
) -> None:
    """One ``sku in (...)`` search returns the known SKUs; pageSize covers the chunk."""
    magento.queue(httpx.Response(200, json={"items": [{"sku": "a-1"}, {"sku": "C-3"}]}))
    assert products.existing_skus(["A-1", "B-2", "C-3"]) == {"A-1", "C-3"}
    request = magento.last
    assert request.url.path == "/rest/all/V1/products"
    assert query(request) == {
        "searchCriteria[filter_groups][0][filters][0][field]": "sku",
        "searchCriteria[filter_groups][0][filters][0][value]": "A-1,B-2,C-3",
        "searchCriteria[filter_groups][0][filters][0][condition_type]": "in",
        "searchCriteria[pageSize]": "3",
        "fields": "items[sku]",
    }


def test_existing_skus_chunks_long_lists(
    products: ProductsAdapter, magento: Magento
) -> None:
    """120 SKUs go in three lookups of at most 50, duplicates asked once."""
    skus = [f"S{i}" for i in range(120)]
    magento.default = httpx.Response(200, json={"items": []})
    assert products.existing_skus(skus + skus[:5]) == set()
    sizes = [
        len(query(r)["searchCriteria[filter_groups][0][filters][0][value]"].split(","))
        for r in magento.requests
    ]
    assert sizes == [50, 50, 20]


def test_existing_skus_with_comma_falls_back_to_single_get(
    products: ProductsAdapter, magento: Magento
) -> None:
    """A SKU with a comma cannot go in an ``in`` list: it is fetched on its own."""
    magento.queue(
        httpx.Response(200, json={}),  # fields filter: Magento omits empty items
        httpx.Response(200, json={"sku": "X,1"}),
    )
    assert products.existing_skus(["A-1", "X,1"]) == {"X,1"}
    assert magento.requests[1].url.raw_path == b"/rest/all/V1/products/X%2C1"


def test_skus_by_gtin_searches_every_stored_form_and_compares_gtin14(
    products: ProductsAdapter, magento: Magento
) -> None:
    """One ``ean in (...)`` search over every stored form; answers compared as GTIN-14."""
    magento.queue(
        httpx.Response(
            200,
            json={
                "items": [
                    {
                        "sku": "KOPP-1",
                        "custom_attributes": [
                            {"attribute_code": "ean", "value": "7311100000047"}
                        ],
                    },
                    {"sku": "NO-EAN", "custom_attributes": []},
                ]
            },
        )
    )
    found = products.skus_by_gtin(["07311100000047", "07311100000030"], "ean")
    assert found == {"07311100000047": ["KOPP-1"]}
    request = magento.last
    assert request.url.path == "/rest/all/V1/products"
    assert query(request) == {
        "searchCriteria[filter_groups][0][filters][0][field]": "ean",
        "searchCriteria[filter_groups][0][filters][0][value]": (
            "07311100000030,07311100000047,7311100000030,7311100000047"
        ),
        "searchCriteria[filter_groups][0][filters][0][condition_type]": "in",
        "searchCriteria[pageSize]": "200",
    }
