"""Files dropped on the SFTP server go through the whole bridge and come back archived.

The local side is the real runtime (``bridge.runtime``: pipeline, flows, order export)
against the sandbox Magento on a real port; the remote side is the real sshd.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.config import load_config
from bridge.flows.deliver_order_files import SftpOutboxPusher
from bridge.flows.fetch_remote_files import SftpInbox
from bridge.folders.sftp import SftpEndpoint
from bridge.runtime.wiring import Components, build
from bridge.runtime.worker import Service
from tests.conftest import SANDBOX_TOKEN
from tests.sftp.conftest import SshServer, names

PRODUCTS = b"""<?xml version="1.0" encoding="UTF-8"?>
<products>
  <product><sku>SFTP-1</sku><name>Remote mug</name><price>129.00</price></product>
  <product><sku>SFTP-2</sku><name>Remote cloth</name><price>549.50</price></product>
</products>
"""
STOCK = b"sku;qty\nSFTP-1;24\nSFTP-2;3\n"


@pytest.fixture
def bridge(tmp_path: Path, sandbox: Any) -> Iterator[Components]:
    """The real runtime wired to the sandbox, with local folders under tmp_path."""
    settings = load_config(
        None,
        overrides={
            "magento": {
                "base_url": sandbox.url,
                "token": SANDBOX_TOKEN,
                "max_retries": 1,
            },
            "folders": {"root": str(tmp_path / "root"), "stable_seconds": 0},
        },
    )
    comps = build(settings)
    try:
        yield comps
    finally:
        comps.close()


def _shipments(order_number: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<shipments>
  <shipment>
    <shipment_id>SFTP-DN-1</shipment_id>
    <order_number>{order_number}</order_number>
    <lines><line><sku>SFTP-1</sku><qty>2</qty></line></lines>
    <tracks><track><number>TRACK-1</number></track></tracks>
  </shipment>
</shipments>
""".encode()


def _drop_and_apply(inbox: SftpInbox, service: Service, count: int) -> None:
    """Two listings take the remote files, one pass applies them, a poll archives."""
    inbox.poll()
    assert len(inbox.poll().downloaded) == count
    summary = service.run_once(max_wait=2)
    assert [o.status for o in summary.outcomes] == ["done"] * count, summary.outcomes
    assert len(inbox.poll().archived) == count


def test_remote_files_are_applied_archived_and_orders_delivered(
    bridge: Components, sshd: SshServer, remote: Path, sandbox: Any
) -> None:
    """Remote products, stock and shipments are applied; order files go back."""
    order = httpx.post(
        sandbox.url + "/sandbox/orders",
        timeout=30,
        json={
            "customer": {
                "email": "eva@example.com",
                "firstname": "Eva",
                "lastname": "Lind",
            },
            "items": [{"sku": "SFTP-1", "qty": 2, "price": 129, "tax_percent": 25}],
            "shipping_amount": 49,
            "payment_method": "checkmo",
            "invoice_fee": 0,
        },
    )
    order.raise_for_status()
    increment_id = order.json()["increment_id"]
    endpoint = SftpEndpoint(sshd.settings(remote))
    try:
        inbox = SftpInbox(endpoint, bridge.ledger, bridge.settings.root)
        pusher = SftpOutboxPusher(endpoint, bridge.ledger, bridge.outbox.directory)
        service = Service(bridge)
        (remote / "inbox/products/products.xml").write_bytes(PRODUCTS)
        _drop_and_apply(inbox, service, 1)
        (remote / "inbox/stock/stock.csv").write_bytes(STOCK)
        (remote / "inbox/shipments/ship.xml").write_bytes(_shipments(increment_id))
        _drop_and_apply(inbox, service, 2)
        delivered = pusher.push()
    finally:
        endpoint.close()

    headers = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}
    product = httpx.get(f"{sandbox.url}/rest/all/V1/products/SFTP-2", headers=headers)
    assert (product.json()["name"], product.json()["status"]) == ("Remote cloth", 2)
    seen = httpx.get(sandbox.url + "/sandbox/requests").json()
    stock_bodies = [
        r["body"] for r in seen if r["path"].endswith("/inventory/source-items")
    ]
    applied = {
        (item["sku"], float(item["quantity"]))
        for body in stock_bodies
        for item in body["sourceItems"]
    }
    assert {("SFTP-1", 24.0), ("SFTP-2", 3.0)} <= applied
    assert any(r["path"].endswith("/ship") and r["status"] == 200 for r in seen)
    assert any(r["path"].endswith("/invoice") and r["status"] == 200 for r in seen)
    for kind, name in (
        ("products", "products.xml"),
        ("stock", "stock.csv"),
        ("shipments", "ship.xml"),
    ):
        assert names(remote / "inbox" / kind) == []
        (archived,) = names(remote / "archive" / kind)
        assert archived.endswith("_" + name)
    local_orders = names(bridge.outbox.directory)
    assert local_orders == [f"order-{increment_id}.xml"]
    assert delivered == [str(remote / "outbox/orders" / local_orders[0])]
    assert (remote / "outbox/orders" / local_orders[0]).read_bytes() == (
        bridge.outbox.directory / local_orders[0]
    ).read_bytes()
