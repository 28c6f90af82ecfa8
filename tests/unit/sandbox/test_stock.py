"""MSI source items and legacy stock items behave as Magento 2.4 answers them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

OrderFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def skus(api: httpx.Client) -> list[str]:
    """Twenty-one products in the catalogue."""
    names = [f"STK-{n:02d}" for n in range(21)]
    for sku in names:
        api.put(
            f"/rest/all/V1/products/{sku}", json={"product": {"name": sku, "price": 1}}
        )
    return names


def _items(skus: list[str], qty: int = 5) -> list[dict[str, object]]:
    return [
        {"sku": s, "source_code": "default", "quantity": qty, "status": 1} for s in skus
    ]


def test_source_items_accepts_an_array_and_answers_empty_list(
    api: httpx.Client, skus: list[str]
) -> None:
    """Many SKUs in one call answer []; the legacy stock follows the default source."""
    response = api.post(
        "/rest/V1/inventory/source-items", json={"sourceItems": _items(skus[:3])}
    )
    assert (response.status_code, response.json()) == (200, [])
    stock = api.get(f"/rest/V1/stockItems/{skus[1]}").json()
    assert (stock["qty"], stock["is_in_stock"]) == (5, True)


def test_status_is_not_derived_from_quantity(
    api: httpx.Client, skus: list[str]
) -> None:
    """Quantity 0 with status 1 stays in stock: MSI does not derive it (#2823)."""
    api.post(
        "/rest/V1/inventory/source-items", json={"sourceItems": _items(skus[:1], qty=0)}
    )
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "sku",
        "searchCriteria[filter_groups][0][filters][0][value]": skus[0],
    }
    found = api.get("/rest/V1/inventory/source-items", params=params).json()["items"]
    assert found == [
        {"sku": skus[0], "source_code": "default", "quantity": 0, "status": 1}
    ]


def test_input_limit_refuses_21_items_until_switched_off(
    api: httpx.Client, skus: list[str]
) -> None:
    """21 items are refused with the input-limit message until limits are off."""
    response = api.post(
        "/rest/V1/inventory/source-items", json={"sourceItems": _items(skus)}
    )
    assert response.status_code == 400
    assert response.json() == {
        "message": 'Maximum items of type "%type" is %max',
        "parameters": {
            "type": "\\Magento\\InventoryApi\\Api\\Data\\SourceItemInterface",
            "max": 20,
        },
    }
    assert api.get(f"/rest/V1/stockItems/{skus[0]}").json()["qty"] == 0
    api.post("/sandbox/config", json={"input_limit": False})
    again = api.post(
        "/rest/V1/inventory/source-items", json={"sourceItems": _items(skus)}
    )
    assert (again.status_code, again.json()) == (200, [])


def test_twenty_items_pass_the_limit(api: httpx.Client, skus: list[str]) -> None:
    """Exactly 20 items are within the limit."""
    response = api.post(
        "/rest/V1/inventory/source-items", json={"sourceItems": _items(skus[:20])}
    )
    assert response.status_code == 200


def test_unknown_sku_fails_the_whole_call(api: httpx.Client, skus: list[str]) -> None:
    """An unknown SKU answers 400 "Could not save Source Item" and nothing is saved."""
    items = [
        *_items(skus[:2]),
        {"sku": "GHOST", "source_code": "default", "quantity": 1, "status": 1},
    ]
    response = api.post("/rest/V1/inventory/source-items", json={"sourceItems": items})
    assert (response.status_code, response.json()) == (
        400,
        {"message": "Could not save Source Item"},
    )
    assert api.get(f"/rest/V1/stockItems/{skus[0]}").json()["qty"] == 0


def test_missing_status_is_a_validation_failure(
    api: httpx.Client, skus: list[str]
) -> None:
    """A source item without status is refused with a Validation Failed body."""
    item = {"sku": skus[0], "source_code": "default", "quantity": 1}
    response = api.post("/rest/V1/inventory/source-items", json={"sourceItems": [item]})
    assert response.status_code == 400
    assert response.json()["message"] == "Validation Failed"
    assert response.json()["errors"][0]["parameters"] == {"field": "status"}


def test_legacy_stock_item_get_and_put(api: httpx.Client, skus: list[str]) -> None:
    """PUT stockItems answers the item id, ignores the URL's; qty 0 is out of stock."""
    item_id = api.get(f"/rest/V1/stockItems/{skus[0]}").json()["item_id"]
    url = f"/rest/V1/products/{skus[0]}/stockItems/999"
    response = api.put(url, json={"stockItem": {"qty": 12, "is_in_stock": True}})
    assert (response.status_code, response.json()) == (200, item_id)
    assert api.get(f"/rest/V1/stockItems/{skus[0]}").json()["qty"] == 12
    api.put(url, json={"stockItem": {"qty": 0, "is_in_stock": True}})
    assert api.get(f"/rest/V1/stockItems/{skus[0]}").json()["is_in_stock"] is False


def test_legacy_stock_unknown_sku_is_404(api: httpx.Client) -> None:
    """An unknown SKU on the legacy endpoint is Magento's product 404."""
    assert api.get("/rest/V1/stockItems/NOPE").status_code == 404
    put = api.put("/rest/V1/products/NOPE/stockItems/1", json={"stockItem": {"qty": 1}})
    assert put.status_code == 404


def _source_qty(api: httpx.Client, sku: str, source: str = "default") -> object:
    found = api.get(
        "/rest/V1/inventory/source-items",
        params={
            "searchCriteria[filter_groups][0][filters][0][field]": "sku",
            "searchCriteria[filter_groups][0][filters][0][value]": sku,
        },
    ).json()["items"]
    return next(i["quantity"] for i in found if i["source_code"] == source)


def _ship_all(api: httpx.Client, order_id: int, source: str = "default") -> Any:
    body = {"arguments": {"extension_attributes": {"source_code": source}}}
    return api.post(f"/rest/V1/order/{order_id}/ship", json=body)


def test_shipment_deducts_its_source(
    api: httpx.Client, skus: list[str], place_order: OrderFactory
) -> None:
    """Saving a shipment takes the shipped quantity off the shipment's source."""
    api.post("/sandbox/config", json={"sources": ["lager"]})
    items = [*_items(skus[:1], 5), {**_items(skus[:1], 4)[0], "source_code": "lager"}]
    api.post("/rest/V1/inventory/source-items", json={"sourceItems": items})
    order = place_order(items=[{"sku": skus[0], "qty": 3, "price": 1}])
    assert _ship_all(api, order["entity_id"], "lager").status_code == 200
    assert (_source_qty(api, skus[0]), _source_qty(api, skus[0], "lager")) == (5, 1)


def test_short_source_refuses_the_shipment_as_magento(
    api: httpx.Client, skus: list[str], place_order: OrderFactory
) -> None:
    """A source short of the quantity fails the whole shipment with Magento's 400."""
    api.post("/rest/V1/inventory/source-items", json={"sourceItems": _items(skus[:1])})
    order = place_order(items=[{"sku": skus[0], "qty": 2, "price": 1}])
    api.post(
        "/rest/V1/inventory/source-items", json={"sourceItems": _items(skus[:1], 1)}
    )
    response = _ship_all(api, order["entity_id"])
    assert (response.status_code, response.json()) == (
        400,
        {"message": "Could not save a shipment, see error log for details"},
    )
    assert _source_qty(api, skus[0]) == 1
    assert api.get(f"/rest/V1/orders/{order['entity_id']}").json()["state"] == "new"
    unknown_source = place_order(items=[{"sku": "FLY-1", "qty": 1, "price": 1}])
    assert _ship_all(api, unknown_source["entity_id"], "nowhere").status_code == 400


def test_orders_take_salable_quantity(
    api: httpx.Client, skus: list[str], place_order: OrderFactory
) -> None:
    """Orders reserve stock: beyond the salable quantity the checkout refuses."""
    api.post("/rest/V1/inventory/source-items", json={"sourceItems": _items(skus[:1])})
    place_order(items=[{"sku": skus[0], "qty": 4, "price": 1}])
    response = api.post(
        "/sandbox/orders", json={"items": [{"sku": skus[0], "qty": 2, "price": 1}]}
    )
    assert (response.status_code, response.json()["message"]) == (
        400,
        "The requested qty is not available",
    )
    assert _source_qty(api, skus[0]) == 5  # an order reserves, it never deducts


def test_sku_without_stock_gets_what_its_orders_need(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """An ordered SKU without source items is given exactly what is on order."""
    first = place_order(items=[{"sku": "FLY-2", "qty": 2, "price": 1}])
    place_order(items=[{"sku": "FLY-2", "qty": 3, "price": 1}])
    assert _source_qty(api, "FLY-2") == 5
    assert _ship_all(api, first["entity_id"]).status_code == 200
    assert _source_qty(api, "FLY-2") == 3


def test_unknown_source_code_is_refused_until_configured(
    api: httpx.Client, skus: list[str]
) -> None:
    """A source code that does not exist fails the call; once configured it saves."""
    item = {**_items(skus[:1])[0], "source_code": "lager-malmo"}
    response = api.post("/rest/V1/inventory/source-items", json={"sourceItems": [item]})
    assert (response.status_code, response.json()["message"]) == (
        400,
        "Could not save Source Item",
    )
    config = api.post("/sandbox/config", json={"sources": ["lager-malmo"]}).json()
    assert config["sources"] == ["default", "lager-malmo"]
    response = api.post("/rest/V1/inventory/source-items", json={"sourceItems": [item]})
    assert response.status_code == 200
    assert _source_qty(api, skus[0], "lager-malmo") == 5
