"""Bundles in orders, ship and invoice, with the lines Magento's isDummy picks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

OrderFactory = Callable[..., dict[str, Any]]


def _bundle(*, separately: bool, price_type: str) -> dict[str, Any]:
    return {
        "sku": "KIT",
        "qty": 2,
        "price": "100.00",
        "tax_percent": 25,
        "bundle": {
            "ship_separately": separately,
            "price_type": price_type,
            "children": [
                {"sku": "KIT-A", "qty": 1, "price": "30.00"},
                {"sku": "KIT-B", "qty": 3, "price": "10.00"},
            ],
        },
    }


def _post(api: httpx.Client, path: str, body: Any) -> Any:
    response = api.post(path, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _lines(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {ln["sku"]: ln for ln in order["items"]}


@pytest.mark.parametrize("price_type", ["fixed", "dynamic"])
def test_ship_together_ships_the_bundle_line(
    api: httpx.Client, place_order: OrderFactory, price_type: str
) -> None:
    """Together: the bundle line is shipped, its selections follow and are deducted."""
    order = place_order(items=[_bundle(separately=False, price_type=price_type)])
    lines = _lines(order)
    assert (lines["KIT-A"]["qty_ordered"], lines["KIT-B"]["qty_ordered"]) == (2, 6)
    oid = order["entity_id"]
    kit = [{"order_item_id": lines["KIT"]["item_id"], "qty": 1}]
    shipment_id = _post(api, f"/rest/V1/order/{oid}/ship", {"items": kit})
    shipment = api.get(f"/rest/V1/shipment/{shipment_id}").json()
    assert sorted((i["sku"], i["qty"]) for i in shipment["items"]) == [
        ("KIT", 1),
        ("KIT-A", 1),
        ("KIT-B", 3),
    ]
    after = _lines(api.get(f"/rest/V1/orders/{oid}").json())
    assert (after["KIT-A"]["qty_shipped"], after["KIT-B"]["qty_shipped"]) == (1, 3)
    children = [{"order_item_id": lines["KIT-A"]["item_id"], "qty": 1}]
    refused = api.post(f"/rest/V1/order/{oid}/ship", json={"items": children})
    assert refused.json()["message"].endswith(
        "You can't create a shipment without products."
    )


def test_ship_separately_ships_the_selections(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """Separately: each selection is shipped on its own line, the bundle line never."""
    order = place_order(items=[_bundle(separately=True, price_type="fixed")])
    lines, oid = _lines(order), order["entity_id"]
    only_b = [{"order_item_id": lines["KIT-B"]["item_id"], "qty": 6}]
    shipment_id = _post(api, f"/rest/V1/order/{oid}/ship", {"items": only_b})
    shipment = api.get(f"/rest/V1/shipment/{shipment_id}").json()
    assert [(i["sku"], i["qty"]) for i in shipment["items"]] == [("KIT-B", 6)]
    _post(api, f"/rest/V1/order/{oid}/ship", {})
    _post(api, f"/rest/V1/order/{oid}/invoice", {})
    assert api.get(f"/rest/V1/orders/{oid}").json()["state"] == "complete"


def test_fixed_price_invoices_the_bundle_dynamic_the_selections(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """Fixed price: the bundle line carries money; dynamic: the selections do."""
    fixed = place_order(items=[_bundle(separately=False, price_type="fixed")])
    lines = _lines(fixed)
    assert (lines["KIT"]["row_total"], lines["KIT-A"]["row_total"]) == (200, 0)
    assert fixed["subtotal"] == 200
    kit = [{"order_item_id": lines["KIT"]["item_id"], "qty": 1}]
    invoice_id = _post(
        api, f"/rest/V1/order/{fixed['entity_id']}/invoice", {"items": kit}
    )
    invoice = api.get(f"/rest/V1/invoices/{invoice_id}").json()
    assert invoice["subtotal"] == 100
    assert sorted((i["sku"], i["qty"]) for i in invoice["items"]) == [
        ("KIT", 1),
        ("KIT-A", 1),
        ("KIT-B", 3),
    ]
    dynamic = place_order(items=[_bundle(separately=False, price_type="dynamic")])
    lines = _lines(dynamic)
    assert (lines["KIT"]["row_total"], lines["KIT-A"]["row_total"]) == (0, 60)
    assert dynamic["subtotal"] == 60 + 60
    oid = dynamic["entity_id"]
    bundle_line = [{"order_item_id": lines["KIT"]["item_id"], "qty": 1}]
    refused = api.post(f"/rest/V1/order/{oid}/invoice", json={"items": bundle_line})
    assert refused.status_code == 400
    a = [{"order_item_id": lines["KIT-A"]["item_id"], "qty": 2}]
    invoice = api.get(
        f"/rest/V1/invoices/{_post(api, f'/rest/V1/order/{oid}/invoice', {'items': a})}"
    ).json()
    assert (invoice["subtotal"], [i["sku"] for i in invoice["items"]]) == (
        60,
        ["KIT-A"],
    )
