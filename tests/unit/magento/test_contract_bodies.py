"""Every request body the adapters build conforms to Magento's official schema."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bridge.magento import (
    FulfilmentAdapter,
    MagentoClient,
    OrdersAdapter,
    ProductsAdapter,
    StockAdapter,
)
from tests.contract.swagger import schema_available, validate_request

from .conftest import Magento

pytestmark = pytest.mark.skipif(
    not schema_available(), reason="Magento's official REST schema file is not present"
)

PRODUCT: dict[str, Any] = {
    "sku": "ERP-1001",
    "name": "Widget 10 mm",
    "attribute_set_id": 4,
    "type_id": "simple",
    "price": Decimal("99.00"),
    "status": 2,
    "visibility": 4,
    "weight": 0.5,
    "extension_attributes": {
        "website_ids": [1],
        "stock_item": {"qty": 0, "is_in_stock": False},
    },
    "custom_attributes": [
        {"attribute_code": "description", "value": "<p>Long</p>"},
        {"attribute_code": "short_description", "value": "Short"},
        {"attribute_code": "url_key", "value": "widget-10-mm-erp-1001"},
        {"attribute_code": "ean", "value": "7312345678901"},
    ],
}
UPDATE: dict[str, Any] = {
    "sku": "ERP-1001",
    "name": "Widget v2",
    "price": Decimal("105.00"),
    "custom_attributes": [{"attribute_code": "ean", "value": "7312345678901"}],
}
ITEMS = [{"order_item_id": 3, "qty": 1}]
TRACKS = [
    {
        "track_number": "00340434161094242512",
        "title": "PostNord",
        "carrier_code": "custom",
    }
]


def send_every_write(client: MagentoClient, magento: Magento) -> None:
    """Make each adapter send each body it can build."""
    magento.default = httpx.Response(200, json={})
    ProductsAdapter(client).create(PRODUCT)
    ProductsAdapter(client).update("ERP-1001", UPDATE)
    magento.default = httpx.Response(200, json=[])
    StockAdapter(client).save_source_items(
        [
            {
                "sku": "ERP-1001",
                "source_code": "default",
                "quantity": Decimal("12"),
                "status": 1,
            }
        ]
    )
    magento.default = httpx.Response(200, json="5")
    StockAdapter(client).update_stock_item("ERP-1001", 5, Decimal("12"), True)
    FulfilmentAdapter(client).ship(7, ITEMS, tracks=TRACKS, notify=True, comment="LS-1")
    FulfilmentAdapter(client).invoice(
        7, ITEMS, capture=True, notify=True, comment="LS-1"
    )
    magento.default = httpx.Response(200, json=True)
    OrdersAdapter(client).add_comment(7, "Exported to ERP", status="erp_exported")


def test_request_bodies_match_the_schema(
    client: MagentoClient, magento: Magento
) -> None:
    """Product, stock, ship, invoice and comment bodies have no schema problem."""
    send_every_write(client, magento)
    assert len(magento.requests) == 7
    for request in magento.requests:
        body = json.loads(request.content)
        assert validate_request(request.method, request.url.path, body) == []


def test_schema_check_would_catch_a_misspelt_field() -> None:
    """The check is not vacuous: a misspelt track field is reported."""
    body = {
        "items": ITEMS,
        "tracks": [{"track_numbr": "1", "title": "t", "carrier_code": "c"}],
    }
    assert validate_request("POST", "/rest/V1/order/7/ship", body) != []
