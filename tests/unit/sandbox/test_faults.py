"""Fault injection and the request log of the sandbox."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

OrderFactory = Callable[..., dict[str, Any]]


def test_status_fault_answers_the_next_n_requests(api: httpx.Client) -> None:
    """{"status": 503, "count": 2} fails two requests, then recovers."""
    api.post("/sandbox/faults", json={"status": 503, "count": 2})
    codes = [api.get("/rest/V1/orders").status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    assert "message" in api.get("/sandbox/requests").json()[1]["response"]


def test_429_carries_retry_after(api: httpx.Client) -> None:
    """A 429 fault answers with a Retry-After header."""
    api.post("/sandbox/faults", json={"status": 429, "count": 1})
    response = api.get("/rest/V1/orders")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"


def test_drop_closes_without_any_answer(sandbox: Any, api: httpx.Client) -> None:
    """{"drop": 1} closes the connection without a response; the next request works."""
    api.post("/sandbox/faults", json={"drop": 1})
    with httpx.Client(base_url=sandbox.url, headers=dict(api.headers)) as fresh:
        with pytest.raises(httpx.RemoteProtocolError):
            fresh.get("/rest/V1/orders")
        assert fresh.get("/rest/V1/orders").status_code == 200
    entries = api.get("/sandbox/requests").json()
    assert [e["status"] for e in entries if e["path"] == "/rest/V1/orders"] == [
        None,
        200,
    ]


def test_latency_delays_requests(api: httpx.Client) -> None:
    """{"latency_ms": 150} makes each matching request take at least that long."""
    api.post("/sandbox/faults", json={"latency_ms": 150})
    start = time.monotonic()
    assert api.get("/rest/V1/orders").status_code == 200
    assert time.monotonic() - start >= 0.15
    with pytest.raises(httpx.ReadTimeout):
        api.get("/rest/V1/orders", timeout=0.05)


def test_after_write_applies_then_fails(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """With after_write the shipment is created although the client sees a 503."""
    order = place_order()
    api.post("/sandbox/faults", json={"status": 503, "count": 1, "after_write": True})
    lost = api.post(f"/rest/V1/order/{order['entity_id']}/ship", json={"items": []})
    assert lost.status_code == 503
    shipments = api.get("/rest/V1/shipments").json()
    assert shipments["total_count"] == 1


def test_after_write_drop(
    sandbox: Any, api: httpx.Client, place_order: OrderFactory
) -> None:
    """A dropped answer after the write still leaves the invoice in the shop."""
    order = place_order()
    api.post("/sandbox/faults", json={"drop": 1, "after_write": True})
    fresh = httpx.Client(base_url=sandbox.url, headers=dict(api.headers))
    with fresh, pytest.raises(httpx.RemoteProtocolError):
        fresh.post(
            f"/rest/V1/order/{order['entity_id']}/invoice", json={"capture": True}
        )
    assert api.get("/rest/V1/invoices").json()["total_count"] == 1


def test_paths_limit_the_faults(api: httpx.Client, place_order: OrderFactory) -> None:
    """Only requests whose path matches `paths` are affected."""
    order = place_order()
    api.post("/sandbox/faults", json={"status": 500, "count": 5, "paths": r"/ship$"})
    assert api.get("/rest/V1/orders").status_code == 200
    failed = api.post(f"/rest/V1/order/{order['entity_id']}/ship", json={})
    assert failed.status_code == 500
    assert failed.json()["message"].startswith("Internal Error.")


def test_empty_plan_clears(api: httpx.Client) -> None:
    """{} clears an armed plan."""
    api.post("/sandbox/faults", json={"status": 503, "count": 10})
    api.post("/sandbox/faults", json={})
    assert api.get("/rest/V1/orders").status_code == 200


def test_bad_plan_is_refused(api: httpx.Client) -> None:
    """Unknown keys or a bad regex answer 400."""
    assert api.post("/sandbox/faults", json={"explode": True}).status_code == 400
    assert api.post("/sandbox/faults", json={"paths": "("}).status_code == 400


def test_requests_log_records_everything(api: httpx.Client) -> None:
    """Each request is logged with method, path, query, body, status, response."""
    api.put(
        "/rest/all/V1/products/LOG-1", json={"product": {"name": "Logged", "price": 2}}
    )
    api.get("/rest/V1/orders", params={"searchCriteria[pageSize]": "5"})
    entries = api.get("/sandbox/requests").json()
    put, get = entries[-2], entries[-1]
    assert (put["method"], put["path"], put["status"]) == (
        "PUT",
        "/rest/all/V1/products/LOG-1",
        200,
    )
    assert put["body"] == {"product": {"name": "Logged", "price": 2}}
    assert put["response"]["sku"] == "LOG-1"
    assert get["query"] == {"searchCriteria[pageSize]": "5"}
    assert api.delete("/sandbox/requests").json() is True
    assert api.get("/sandbox/requests").json() == []


def test_reset_endpoint_empties_the_shop(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """POST /sandbox/reset forgets orders, faults and the log."""
    place_order()
    api.post("/sandbox/faults", json={"status": 503, "count": 3})
    assert api.post("/sandbox/reset").json() is True
    assert api.get("/rest/V1/orders").json()["total_count"] == 0


@pytest.mark.parametrize("after_write", [False, True])
def test_message_fault_answers_magento_transient_400(
    api: httpx.Client, place_order: OrderFactory, after_write: bool
) -> None:
    """A fault with a message answers that 400; after_write the shipment exists."""
    order = place_order()
    message = "Could not save a shipment, see error log for details"
    api.post(
        "/sandbox/faults",
        json={"message": message, "paths": "/ship$", "after_write": after_write},
    )
    response = api.post(f"/rest/V1/order/{order['entity_id']}/ship", json={})
    assert (response.status_code, response.json()) == (400, {"message": message})
    total = api.get("/rest/V1/shipments", params={"searchCriteria": ""}).json()
    assert total["total_count"] == int(after_write)
