"""`bridge process` with garbled and unclear ship answers: pending, never failed/."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.conftest import BridgeHome


def _order(home: BridgeHome) -> dict[str, Any]:
    spec = {
        "customer": {"email": "anna@example.com", "firstname": "Anna"},
        "items": [{"sku": "A-1", "qty": 2, "price": 100, "tax_percent": 25}],
        "shipping_amount": 49,
        "payment_method": "checkmo",
    }
    answer = httpx.post(f"{home.sandbox_url}/sandbox/orders", json=spec, timeout=30)
    answer.raise_for_status()
    order: dict[str, Any] = answer.json()
    return order


def _delivery(number: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<shipments><shipment>'
        f"<shipment_id>DN-E1</shipment_id><order_number>{number}</order_number>"
        "<lines><line><sku>A-1</sku><qty>2</qty></line></lines>"
        "<tracks><track><number>T-E1</number><carrier_code>dhl</carrier_code>"
        "<title>DHL</title></track></tracks></shipment></shipments>\n"
    )


def _ships(home: BridgeHome) -> int:
    return sum(
        1
        for r in home.requests()
        if r["method"] == "POST" and r["path"].endswith("/ship")
    )


def test_garbled_ship_answer_applies_the_file_once(home: BridgeHome) -> None:
    """A 200 with a PHP notice before the JSON on ship: file done, one shipment."""
    order = _order(home)
    drop = home.root / "ship-garbled.xml"
    drop.write_text(_delivery(order["increment_id"]), encoding="utf-8")
    home.faults({"garble": "notice", "paths": "/ship$"})
    run = home.cli("process", str(drop), "--kind", "shipments")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[0].startswith("shipments/ship-garbled.xml: done")
    assert home.files("failed") == []
    assert _ships(home) == 1


def test_unclear_ship_answer_is_uncertain_in_status(home: BridgeHome) -> None:
    """A 503 on ship: the file stays pending and `bridge status` lists the delivery."""
    order = _order(home)
    drop = home.root / "ship-unclear.xml"
    drop.write_text(_delivery(order["increment_id"]), encoding="utf-8")
    home.faults({"status": 503, "count": 1, "paths": "/ship$"})
    run = home.cli("process", str(drop), "--kind", "shipments")
    assert run.returncode != 0
    assert home.files("failed") == []
    again = home.cli("process", str(drop), "--kind", "shipments")
    assert _ships(home) == 1, again.stdout + again.stderr
    shown = home.cli("status")
    assert "deliveries uncertain" in shown.stdout, shown.stdout
    assert f"DN-E1 (order {order['increment_id']}): ship call" in shown.stdout
