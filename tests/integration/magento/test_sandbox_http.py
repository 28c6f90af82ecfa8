"""The Magento client over real HTTP against the sandbox: faults, retries, auth."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from bridge.errors import (
    MagentoAuthError,
    MagentoUnavailableError,
    RecordRejectedError,
)
from bridge.magento import (
    Filter,
    FulfilmentAdapter,
    MagentoClient,
    OrdersAdapter,
    ProductsAdapter,
    search_params,
)
from tests.integration.magento.conftest import MakeClient, SandboxControl

ORDERS_PAGE = search_params([], page_size=5, current_page=1)


def statuses(control: SandboxControl, path_part: str) -> list[int]:
    return [e["status"] for e in control.requests(path_part)]


def test_503_retried_until_answered(
    client: MagentoClient, control: SandboxControl, sleeps: list[float]
) -> None:
    """Three injected 503s are retried with backoff and the fourth call succeeds."""
    control.faults(status=503, count=3)
    page = OrdersAdapter(client).search(ORDERS_PAGE)
    assert page["total_count"] == 0
    assert statuses(control, "/V1/orders") == [503, 503, 503, 200]
    assert len(sleeps) == 3


def test_429_retried_honouring_retry_after(
    client: MagentoClient, control: SandboxControl, sleeps: list[float]
) -> None:
    """429 answers carry Retry-After, and the client waits exactly that long."""
    control.faults(status=429, count=2)
    OrdersAdapter(client).search(ORDERS_PAGE)
    assert statuses(control, "/V1/orders") == [429, 429, 200]
    assert sleeps == [1.0, 1.0]


def test_dropped_connections_retried(
    client: MagentoClient, control: SandboxControl, sleeps: list[float]
) -> None:
    """Connections closed without an answer are retried on a fresh connection."""
    control.faults(drop=2)
    assert OrdersAdapter(client).search(ORDERS_PAGE)["items"] == []
    assert len(sleeps) == 2


def test_gives_up_after_max_retries(
    make_client: MakeClient, control: SandboxControl
) -> None:
    """A Magento that stays down yields MagentoUnavailableError after the retries."""
    control.faults(status=503, count=10)
    with pytest.raises(MagentoUnavailableError) as caught:
        OrdersAdapter(make_client(max_retries=2)).search(ORDERS_PAGE)
    assert caught.value.status_code == 503
    assert statuses(control, "/V1/orders") == [503, 503, 503]


def test_read_timeout_is_transient(
    make_client: MakeClient, control: SandboxControl
) -> None:
    """A Magento slower than ``timeout_seconds`` is reported as unavailable."""
    control.faults(latency_ms=600)
    client = make_client(timeout_seconds=0.2, max_retries=0)
    with pytest.raises(MagentoUnavailableError, match="timed out"):
        OrdersAdapter(client).search(ORDERS_PAGE)


def test_connection_refused_is_transient(make_client: MakeClient) -> None:
    """Nothing listening on the port is a transient error, after the retries."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(base_url=f"http://127.0.0.1:{port}", max_retries=1)
    with pytest.raises(MagentoUnavailableError, match="unreachable"):
        OrdersAdapter(client).search(ORDERS_PAGE)


def test_wrong_token_is_an_auth_error(make_client: MakeClient) -> None:
    """A refused Bearer token is a MagentoAuthError with Magento's filled message."""
    client = make_client(token="not-the-token")
    with pytest.raises(MagentoAuthError) as caught:
        OrdersAdapter(client).search(ORDERS_PAGE)
    assert caught.value.status_code == 401
    assert caught.value.magento_message is not None
    assert "%resources" not in caught.value.magento_message
    assert caught.value.magento_message.startswith("The consumer isn't authorized")


def test_products_round_trip(client: MagentoClient, control: SandboxControl) -> None:
    """Create under /rest/all, find it, update it, and get None for an unknown SKU."""
    products = ProductsAdapter(client)
    assert products.get("ERP-1") is None
    assert products.existing_skus(["ERP-1", "ERP-2"]) == set()
    products.create(new_product("ERP-1"))
    assert products.existing_skus(["ERP-1", "ERP-2"]) == {"ERP-1"}
    products.update("ERP-1", {"sku": "ERP-1", "name": "Widget v2", "price": 12.5})
    saved = products.get("ERP-1")
    assert saved is not None
    assert saved["name"] == "Widget v2"
    assert saved["status"] == 2
    writes = [e for e in control.requests("/V1/products") if e["method"] != "GET"]
    assert [(e["method"], e["path"]) for e in writes] == [
        ("POST", "/rest/all/V1/products"),
        ("PUT", "/rest/all/V1/products/ERP-1"),
    ]


def test_unknown_order_is_a_rejection(client: MagentoClient) -> None:
    """A 404 for an order id is that record's rejection, with Magento's message."""
    with pytest.raises(RecordRejectedError) as caught:
        OrdersAdapter(client).get(999999)
    assert caught.value.status_code == 404
    assert caught.value.magento_message


def test_ship_is_sent_once_and_checked_after_ambiguity(
    client: MagentoClient, control: SandboxControl, sleeps: list[float]
) -> None:
    """A ship whose answer is lost is not re-sent; Magento is asked what happened."""
    ProductsAdapter(client).create(new_product("ERP-1"))
    order = control.order()
    orders, fulfilment = OrdersAdapter(client), FulfilmentAdapter(client)
    found = orders.find_by_increment_id(order["increment_id"])
    assert found is not None
    assert found["entity_id"] == order["entity_id"]
    line = next(i for i in found["items"] if i["sku"] == "ERP-1")
    items = [{"order_item_id": line["item_id"], "qty": 1}]
    track = {"track_number": "JJ1", "title": "PostNord", "carrier_code": "custom"}
    control.faults(drop=1, after_write=True, paths="/ship$")
    with pytest.raises(MagentoUnavailableError):
        fulfilment.ship(
            order["entity_id"], items, tracks=[track], notify=False, comment="LS-1"
        )
    assert len(control.requests("/ship")) == 1
    assert sleeps == []
    shipments = fulfilment.shipments_for_order(order["entity_id"])
    assert len(shipments) == 1
    assert [t["track_number"] for t in shipments[0]["tracks"]] == ["JJ1"]
    invoice_id = fulfilment.invoice(
        order["entity_id"], items, capture=True, notify=False, comment="LS-1"
    )
    assert [
        i["entity_id"] for i in fulfilment.invoices_for_order(order["entity_id"])
    ] == [invoice_id]
    assert fulfilment.get_invoice(invoice_id)["order_id"] == order["entity_id"]
    orders.add_comment(order["entity_id"], "Exported to ERP")


def test_search_filters_reach_the_sandbox(
    client: MagentoClient, control: SandboxControl
) -> None:
    """An OR group and paging select the right orders, counted by total_count."""
    first, second, _third = (control.order() for _ in range(3))
    params = search_params(
        [
            [
                Filter("increment_id", first["increment_id"]),
                Filter("increment_id", second["increment_id"]),
            ]
        ],
        sort=[("entity_id", "DESC")],
        page_size=1,
        current_page=1,
    )
    page = OrdersAdapter(client).search(params)
    assert page["total_count"] == 2
    assert [o["entity_id"] for o in page["items"]] == [second["entity_id"]]


def new_product(sku: str) -> dict[str, Any]:
    return {
        "sku": sku,
        "name": f"Widget {sku}",
        "attribute_set_id": 4,
        "type_id": "simple",
        "price": 10.0,
        "status": 2,
        "visibility": 4,
        "extension_attributes": {"website_ids": [1]},
        "custom_attributes": [{"attribute_code": "url_key", "value": sku.lower()}],
    }
