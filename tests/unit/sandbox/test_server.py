"""Sandbox lifecycle: state file, seed orders, record file, serve_forever."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from bridge.sandbox import SandboxServer

AUTH = {"Authorization": "Bearer t"}


def test_state_file_survives_a_restart(tmp_path: Path) -> None:
    """A product written before a restart is still there after it."""
    state = tmp_path / "shop.json"
    first = SandboxServer(port=0, token="t", state_file=state)
    first.start()
    try:
        put = httpx.put(
            f"{first.url}/rest/all/V1/products/KEEP",
            json={"product": {"name": "Kept", "price": 3}},
            headers=AUTH,
        )
        assert put.status_code == 200
    finally:
        first.stop()
    assert "KEEP" in json.loads(state.read_text())["products"]
    second = SandboxServer(port=0, token="t", state_file=state)
    second.start()
    try:
        got = httpx.get(f"{second.url}/rest/all/V1/products/KEEP", headers=AUTH)
        assert got.json()["name"] == "Kept"
    finally:
        second.stop()


def test_thousands_of_seeded_orders_do_not_run_the_catalogue_dry() -> None:
    """`seed_orders` (and `/sandbox/seed`) places 3,000 orders: the seed stock follows them."""
    server = SandboxServer(port=0, token="t", seed_orders=3000)
    server.start()
    try:
        params = {"searchCriteria[pageSize]": "1"}
        orders = httpx.get(
            f"{server.url}/rest/V1/orders", params=params, headers=AUTH
        ).json()
        assert orders["total_count"] == 3000
        # A stock call still sets the figure, and from then on orders are checked.
        item = {
            "sku": "SEED-1001",
            "source_code": "default",
            "quantity": 0,
            "status": 0,
        }
        httpx.post(
            f"{server.url}/rest/V1/inventory/source-items",
            json={"sourceItems": [item]},
            headers=AUTH,
        ).raise_for_status()
        refused = httpx.post(
            f"{server.url}/sandbox/orders",
            json={"items": [{"sku": "SEED-1001", "qty": 1, "price": 10}]},
        )
        assert refused.status_code == 400
        assert "requested qty is not available" in refused.text
    finally:
        server.stop()


def test_seed_orders_are_varied_and_use_catalogue_products() -> None:
    """Seeded orders mix guests, customers, configurables, fees, real products."""
    server = SandboxServer(port=0, token="t", seed_orders=12)
    server.start()
    try:
        params = {"searchCriteria[pageSize]": "50"}
        orders = httpx.get(
            f"{server.url}/rest/V1/orders", params=params, headers=AUTH
        ).json()
        assert orders["total_count"] == 12
        items = orders["items"]
        assert {o["customer_is_guest"] for o in items} == {0, 1}
        assert any(
            ln["product_type"] == "configurable" for o in items for ln in o["items"]
        )
        core = ("subtotal", "shipping_amount", "tax_amount", "discount_amount")
        fees = [round(o["grand_total"] - sum(o[k] for k in core), 2) for o in items]
        assert any(fee > 0 for fee in fees)
        assert any(o["discount_amount"] < 0 for o in items)
        for order in items:
            for line in order["items"]:
                sku = line["sku"]
                got = httpx.get(
                    f"{server.url}/rest/all/V1/products/{sku}", headers=AUTH
                )
                assert got.status_code == 200, sku
    finally:
        server.stop()


def test_record_file_gets_every_exchange(tmp_path: Path) -> None:
    """With record_file each request/response is appended as one JSON line."""
    record = tmp_path / "traffic.jsonl"
    server = SandboxServer(port=0, token="t", record_file=record)
    server.start()
    try:
        httpx.get(f"{server.url}/rest/V1/orders", headers=AUTH)
        httpx.get(f"{server.url}/rest/V1/orders/1", headers=AUTH)
    finally:
        server.stop()
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert [(r["path"], r["status"]) for r in lines] == [
        ("/rest/V1/orders", 200),
        ("/rest/V1/orders/1", 404),
    ]


def test_serve_forever_blocks_until_stopped() -> None:
    """serve_forever serves in the calling thread until stop() is called."""
    server = SandboxServer(port=0, token=None)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        assert httpx.get(f"{server.url}/rest/V1/orders").status_code == 200
    finally:
        server.stop()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_seed_helper_adds_orders(sandbox: SandboxServer) -> None:
    """POST /sandbox/seed {"orders": 3} answers three increment ids."""
    response = httpx.post(f"{sandbox.url}/sandbox/seed", json={"orders": 3})
    assert len(response.json()) == 3


def test_seed_helper_adds_a_catalogue_in_one_call(sandbox: SandboxServer) -> None:
    """POST /sandbox/seed {"products": N} adds N enabled simples with empty stock."""
    body = {"products": 1500, "sku_prefix": "PF-"}
    answer = httpx.post(f"{sandbox.url}/sandbox/seed", json=body).json()
    assert answer == {"created": 1500, "first": "PF-0000000", "last": "PF-0001499"}
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    product = httpx.get(
        f"{sandbox.url}/rest/all/V1/products/PF-0001499", headers=headers
    ).json()
    assert (product["status"], product["type_id"]) == (1, "simple")
    items = httpx.get(
        f"{sandbox.url}/rest/V1/inventory/source-items",
        params={
            "searchCriteria[filterGroups][0][filters][0][field]": "sku",
            "searchCriteria[filterGroups][0][filters][0][value]": "PF-0000007",
        },
        headers=headers,
    ).json()["items"]
    assert [(i["source_code"], i["quantity"]) for i in items] == [("default", 0)]
    again = httpx.post(f"{sandbox.url}/sandbox/seed", json=body).json()
    assert again["created"] == 0


def test_injected_clock_dates_orders_and_documents() -> None:
    """With now= every created_at/updated_at comes from the injected clock, in UTC."""
    moment = datetime(2024, 5, 1, 14, 30, 5, tzinfo=timezone(timedelta(hours=2)))
    server = SandboxServer(port=0, token=None, now=lambda: moment)
    server.start()
    try:
        spec = {"items": [{"sku": "A", "qty": 1, "price": "5", "tax_percent": 0}]}
        order = httpx.post(f"{server.url}/sandbox/orders", json=spec).json()
        assert (order["created_at"], order["updated_at"]) == (
            "2024-05-01 12:30:05",
            "2024-05-01 12:30:05",
        )
        ship = httpx.post(
            f"{server.url}/rest/V1/order/{order['entity_id']}/ship", json={}
        )
        shipment = httpx.get(f"{server.url}/rest/V1/shipment/{ship.json()}").json()
        assert shipment["created_at"] == "2024-05-01 12:30:05"
    finally:
        server.stop()
