"""The service itself retries the invoice of a delivery shipped but not invoiced."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.config import load_config
from bridge.runtime.wiring import Components, build
from bridge.runtime.worker import Service
from tests.conftest import SANDBOX_TOKEN

REFUSAL = "The capture action is not available."


class Clock:
    """The ledger's wall clock, moved by hand."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def wired(tmp_path: Path, sandbox: Any) -> Iterator[tuple[Components, Clock]]:
    """One installation on the sandbox, with the ledger's clock in the test's hand."""
    settings = load_config(
        None,
        overrides={
            "magento": {"base_url": sandbox.url, "token": SANDBOX_TOKEN},
            "folders": {"root": str(tmp_path / "root"), "stable_seconds": 0},
        },
    )
    clock = Clock()
    comps = build(settings, now=clock)
    try:
        yield comps, clock
    finally:
        comps.close()


def _invoices(sandbox: Any, order_id: int) -> list[Any]:
    where = "searchCriteria[filter_groups][0][filters][0]"
    answer = httpx.get(
        f"{sandbox.url}/rest/V1/invoices",
        params={f"{where}[field]": "order_id", f"{where}[value]": str(order_id)},
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        timeout=30,
    )
    answer.raise_for_status()
    return list(answer.json()["items"])


def test_service_invoices_a_refused_delivery_on_a_later_tick(
    wired: tuple[Components, Clock], sandbox: Any
) -> None:
    """After a refused invoice, a tick past the backoff invoices the delivery once."""
    comps, clock = wired
    order = httpx.post(
        f"{sandbox.url}/sandbox/orders",
        json={
            "customer": {"email": "a@example.com", "firstname": "A"},
            "items": [{"sku": "RI-1", "qty": 1, "price": 10, "tax_percent": 25}],
            "shipping_amount": 5,
            "payment_method": "checkmo",
            "invoice_fee": 0,
        },
        timeout=30,
    ).json()
    plan = {"status": 400, "count": 1, "message": REFUSAL, "paths": "/invoice$"}
    httpx.post(f"{sandbox.url}/sandbox/faults", json=plan, timeout=30)
    inbox = comps.settings.root / "inbox" / "shipments"
    (inbox / "d.xml").write_text(
        "<shipments><shipment><shipment_id>RI-DN</shipment_id>"
        f"<order_number>{order['increment_id']}</order_number>"
        "<lines><line><sku>RI-1</sku><qty>1</qty></line></lines>"
        "</shipment></shipments>"
    )
    first = Service(comps).run_once(max_wait=2)
    assert [o.status for o in first.outcomes] == ["partial"]
    step = comps.ledger.shipments.get("RI-DN")
    assert step is not None
    assert step.state == "shipped"
    assert _invoices(sandbox, order["entity_id"]) == []

    clock.at += timedelta(seconds=61)
    Service(comps).tick(export=False)
    step = comps.ledger.shipments.get("RI-DN")
    assert step is not None
    assert step.state == "invoiced"
    assert len(_invoices(sandbox, order["entity_id"])) == 1
    Service(comps).tick(export=False)
    assert len(_invoices(sandbox, order["entity_id"])) == 1
