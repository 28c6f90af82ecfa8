"""The sandbox's answers carry every field the bridge reads, not only valid ones.

The schema check (``test_sandbox_contract``) accepts an answer that leaves a field
out. The bridge, though, reads certain fields and would quietly take a default for
a missing one. The order fields come from the bridge's own models (their wire
names), the document fields from what the shipments mapping reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from bridge.models.magento import MagentoAddress, MagentoOrder, MagentoOrderItem

# Read by the bridge but absent from a real Magento answer in these cases.
OPTIONAL_ORDER = {
    "customer_id",  # guests have none
    "shipping_method",  # not in the REST order; the method is in the assignment
    "extension",  # the models' name for extension_attributes
    "extension_raw",
}
OPTIONAL_ADDRESS = {"company", "region", "email"}
INVOICE_FIELDS = {
    "entity_id",
    "order_id",
    "state",
    "grand_total",
    "subtotal",
    "shipping_amount",
    "tax_amount",
    "discount_amount",
    "discount_tax_compensation_amount",
    "items",
    "comments",
}
SHIPMENT_FIELDS = {"entity_id", "order_id", "items", "tracks", "comments"}
DOCUMENT_ITEM_FIELDS = {"order_item_id", "sku", "qty"}
PRODUCT_FIELDS = {"id", "sku", "name", "price", "status", "custom_attributes"}
STOCK_ITEM_FIELDS = {"item_id", "qty", "is_in_stock"}
SOURCE_ITEM_FIELDS = {"sku", "source_code", "quantity", "status"}


def wire_names(model: type[BaseModel]) -> set[str]:
    """The JSON names of a model's fields (its aliases where it has them)."""
    return {f.alias or name for name, f in model.model_fields.items()}


def missing(found: dict[str, Any], wanted: set[str]) -> set[str]:
    """The wanted keys that ``found`` does not carry."""
    return {key for key in wanted if key not in found}


@pytest.fixture
def api(sandbox: Any) -> Iterator[httpx.Client]:
    """An authorised client on the session sandbox."""
    with httpx.Client(
        base_url=sandbox.url, headers={"Authorization": f"Bearer {sandbox.token}"}
    ) as client:
        yield client


def _placed(api: httpx.Client) -> dict[str, Any]:
    spec = {
        "customer": {"email": "r@example.com", "firstname": "R", "lastname": "S"},
        "items": [
            {"sku": "R-1", "qty": 2, "price": "10", "tax_percent": 25},
            {"sku": "R-2-M", "parent_sku": "R-2", "qty": 1, "price": "5"},
        ],
        "shipping_amount": "10",
        "payment_method": "checkmo",
        "invoice_fee": "0",
    }
    order: dict[str, Any] = api.post("/sandbox/orders", json=spec).json()
    return order


def test_orders_carry_what_the_bridge_reads(api: httpx.Client) -> None:
    """GET and search answers have every order, line and address field it reads."""
    oid = _placed(api)["entity_id"]
    by_id = api.get(f"/rest/V1/orders/{oid}").json()
    found = api.get("/rest/V1/orders", params={"searchCriteria": ""}).json()
    assert "total_count" in found
    for order in (by_id, found["items"][0]):
        assert missing(order, wire_names(MagentoOrder) - OPTIONAL_ORDER) == set()
        assert "shipping_assignments" in order["extension_attributes"]
        for line in order["items"]:
            assert missing(line, wire_names(MagentoOrderItem) - {"parent_item_id"}) == (
                set()
            )
        assignment = order["extension_attributes"]["shipping_assignments"][0]
        for address in (order["billing_address"], assignment["shipping"]["address"]):
            assert missing(address, wire_names(MagentoAddress) - OPTIONAL_ADDRESS) == (
                set()
            )
        assert {"method"} <= set(order["payment"])
        assert {"method", "address"} <= set(assignment["shipping"])


def test_documents_carry_what_the_bridge_reads(api: httpx.Client) -> None:
    """Shipments and invoices (one and searched) have the fields the flow reads."""
    order = _placed(api)
    oid = order["entity_id"]
    body = {
        "tracks": [{"track_number": "R1", "title": "PN", "carrier_code": "custom"}],
        "comment": {"comment": "ERP shipment R", "is_visible_on_front": 0},
    }
    ship_id = api.post(f"/rest/V1/order/{oid}/ship", json=body).json()
    invoice_body = {"capture": True, "comment": body["comment"]}
    invoice_id = api.post(f"/rest/V1/order/{oid}/invoice", json=invoice_body).json()
    query = {
        "searchCriteria[filter_groups][0][filters][0][field]": "order_id",
        "searchCriteria[filter_groups][0][filters][0][value]": str(oid),
    }
    shipments = [
        api.get(f"/rest/V1/shipment/{ship_id}").json(),
        *api.get("/rest/V1/shipments", params=query).json()["items"],
    ]
    invoices = [
        api.get(f"/rest/V1/invoices/{invoice_id}").json(),
        *api.get("/rest/V1/invoices", params=query).json()["items"],
    ]
    for shipment in shipments:
        assert missing(shipment, SHIPMENT_FIELDS) == set()
        assert shipment["tracks"][0]["track_number"] == "R1"
        assert shipment["comments"][0]["comment"] == "ERP shipment R"
    for invoice in invoices:
        assert missing(invoice, INVOICE_FIELDS) == set()
        assert invoice["comments"][0]["comment"] == "ERP shipment R"
    for document in (*shipments, *invoices):
        for item in document["items"]:
            assert missing(item, DOCUMENT_ITEM_FIELDS) == set()


def test_catalogue_and_stock_carry_what_the_bridge_reads(api: httpx.Client) -> None:
    """Product, stock item and source item answers have the fields it reads."""
    product = api.put(
        "/rest/all/V1/products/R-9", json={"product": {"name": "R nine", "price": 3}}
    ).json()
    assert missing(product, PRODUCT_FIELDS) == set()
    searched = api.get(
        "/rest/all/V1/products", params={"searchCriteria[pageSize]": "5"}
    ).json()
    assert missing(searched["items"][0], PRODUCT_FIELDS) == set()
    assert missing(api.get("/rest/V1/stockItems/R-9").json(), STOCK_ITEM_FIELDS) == (
        set()
    )
    item = {"sku": "R-9", "source_code": "default", "quantity": 2, "status": 1}
    api.post("/rest/V1/inventory/source-items", json={"sourceItems": [item]})
    sources = api.get(
        "/rest/V1/inventory/source-items", params={"searchCriteria": ""}
    ).json()
    assert missing(sources["items"][0], SOURCE_ITEM_FIELDS) == set()
