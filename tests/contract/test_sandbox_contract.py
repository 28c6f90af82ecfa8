"""Every Magento answer the sandbox gives is valid under the official schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.contract.swagger import schema_available, validate_exchange

pytestmark = pytest.mark.skipif(
    not schema_available(), reason="Magento's swagger schema is not in shared/reference"
)
ORDER = {
    "customer": {"email": "c@example.com", "firstname": "C", "lastname": "D", "id": 4},
    "items": [
        {"sku": "C-1", "qty": 2, "price": "10", "tax_percent": 25},
        {
            "sku": "TEE-M",
            "parent_sku": "TEE",
            "qty": 1,
            "price": "99",
            "tax_percent": 25,
        },
    ],
    "shipping_amount": "49",
    "payment_method": "klarna_kp",
    "invoice_fee": "29",
    "discount_amount": "5",
}


@pytest.fixture
def api(sandbox: Any) -> Iterator[httpx.Client]:
    """An authorised client on the session sandbox."""
    with httpx.Client(
        base_url=sandbox.url, headers={"Authorization": f"Bearer {sandbox.token}"}
    ) as client:
        yield client


def _products_and_stock(api: httpx.Client) -> None:
    product = {
        "sku": "C-1",
        "name": "Contract widget",
        "price": 10,
        "status": 2,
        "attribute_set_id": 4,
        "type_id": "simple",
        "visibility": 4,
        "extension_attributes": {
            "website_ids": [1],
            "stock_item": {"qty": 0, "is_in_stock": False},
        },
        "custom_attributes": [{"attribute_code": "url_key", "value": "c-1"}],
    }
    api.post("/rest/all/V1/products", json={"product": product, "saveOptions": True})
    api.put(
        "/rest/all/V1/products/C-2", json={"product": {"name": "Second", "price": 1}}
    )
    api.put("/rest/V1/products/C-2", json={"product": {"name": "Store view name"}})
    api.get("/rest/all/V1/products/C-1")
    api.get("/rest/all/V1/products/NOPE")
    api.get(
        "/rest/all/V1/products",
        params={
            "searchCriteria[filter_groups][0][filters][0][field]": "sku",
            "searchCriteria[filter_groups][0][filters][0][value]": "C-%",
            "searchCriteria[filter_groups][0][filters][0][condition_type]": "like",
        },
    )
    items = [{"sku": "C-1", "source_code": "default", "quantity": 3, "status": 1}]
    api.post("/rest/V1/inventory/source-items", json={"sourceItems": items})
    api.post("/rest/V1/inventory/source-items", json={"sourceItems": items * 21})
    api.get("/rest/V1/inventory/source-items")
    item_id = api.get("/rest/V1/stockItems/C-1").json()["item_id"]
    api.put(
        f"/rest/V1/products/C-1/stockItems/{item_id}",
        json={"stockItem": {"qty": 4, "is_in_stock": True}},
    )


def _orders_and_documents(api: httpx.Client) -> None:
    order = api.post("/sandbox/orders", json=ORDER).json()
    oid = order["entity_id"]
    parent = next(ln for ln in order["items"] if ln["product_type"] == "configurable")
    api.get(f"/rest/V1/orders/{oid}")
    api.get(
        "/rest/V1/orders",
        params={
            "searchCriteria[pageSize]": "10",
            "searchCriteria[sortOrders][0][field]": "entity_id",
        },
    )
    history = {
        "comment": "Exported",
        "is_customer_notified": 0,
        "is_visible_on_front": 0,
        "parent_id": oid,
    }
    api.post(f"/rest/V1/orders/{oid}/comments", json={"statusHistory": history})
    api.post(
        f"/rest/V1/orders/{oid}/comments",
        json={"statusHistory": {**history, "status": "erp_exported"}},
    )
    api.get(f"/rest/V1/orders/{oid}/comments")
    part = [{"order_item_id": parent["item_id"], "qty": 1}]
    tracks = [{"track_number": "T1", "title": "PostNord", "carrier_code": "custom"}]
    comment = {"comment": "Part 1", "is_visible_on_front": 0}
    ship_id = api.post(
        f"/rest/V1/order/{oid}/ship",
        json={
            "items": part,
            "notify": True,
            "appendComment": True,
            "comment": comment,
            "tracks": tracks,
            "arguments": {"extension_attributes": {"source_code": "default"}},
        },
    )
    invoice_id = api.post(
        f"/rest/V1/order/{oid}/invoice",
        json={"capture": True, "notify": False, "items": part, "comment": comment},
    )
    api.post(
        f"/rest/V1/order/{oid}/ship", json={"items": [{"order_item_id": -1, "qty": 1}]}
    )
    api.post(
        f"/rest/V1/order/{oid}/invoice",
        json={"items": [{"order_item_id": parent["item_id"], "qty": 9}]},
    )
    api.post(f"/rest/V1/order/{oid}/ship", json={"tracks": tracks})
    api.post(f"/rest/V1/order/{oid}/invoice", json={"capture": True})
    api.get(f"/rest/V1/shipment/{ship_id.json()}")
    api.get(f"/rest/V1/invoices/{invoice_id.json()}")
    by_order = {
        "searchCriteria[filter_groups][0][filters][0][field]": "order_id",
        "searchCriteria[filter_groups][0][filters][0][value]": str(oid),
    }
    api.get("/rest/V1/shipments", params=by_order)
    api.get("/rest/V1/invoices", params=by_order)
    api.get("/rest/V1/transactions")
    api.get(f"/rest/V1/orders/{oid}")
    other = api.post("/sandbox/orders", json=ORDER).json()["entity_id"]
    for action in ("hold", "hold", "unhold", "cancel", "cancel"):
        api.post(f"/rest/V1/orders/{other}/{action}")
    api.get(f"/rest/V1/orders/{other}/statuses")


def test_every_sandbox_answer_matches_the_schema(
    sandbox: Any, api: httpx.Client
) -> None:
    """Answers for products, stock, orders, ship, invoice and errors validate."""
    _products_and_stock(api)
    _orders_and_documents(api)
    api.get("/rest/V1/orders", headers={"Authorization": "Bearer wrong"})
    api.get("/rest/V1/no-such-route")
    entries = api.get("/sandbox/requests").json()
    magento = [e for e in entries if not e["path"].startswith("/sandbox/")]
    assert len(magento) >= 35
    assert {e["status"] for e in magento} >= {200, 400, 401, 404}
    problems = [p for entry in entries for p in validate_exchange(entry)]
    assert problems == []
