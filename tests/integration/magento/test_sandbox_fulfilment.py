"""Ship and invoice by the client against the sandbox: e-mails and transient 400s."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from bridge.errors import MagentoUnavailableError
from bridge.magento import FulfilmentAdapter, MagentoClient
from bridge.mapping.shipments import shipment_comment
from tests.conftest import SANDBOX_TOKEN
from tests.integration.magento.conftest import SandboxControl

MARKER = shipment_comment("DN-1001", "erp-1001.xml")
TRACK = {"track_number": "JJ1", "title": "PostNord", "carrier_code": "custom"}


def _emails(url: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{url}/sandbox/emails")
    response.raise_for_status()
    emails: list[dict[str, Any]] = response.json()
    return emails


def _items(order: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"order_item_id": order["items"][0]["item_id"], "qty": 2}]


def test_marker_is_kept_in_history_but_never_mailed(
    client: MagentoClient, control: SandboxControl, sandbox: Any
) -> None:
    """The customer gets both e-mails without the internal marker; Magento keeps it."""
    order = control.order()
    fulfilment = FulfilmentAdapter(client)
    oid = order["entity_id"]
    fulfilment.ship(oid, _items(order), tracks=[TRACK], notify=True, comment=MARKER)
    fulfilment.invoice(oid, _items(order), capture=True, notify=True, comment=MARKER)
    emails = _emails(sandbox.url)
    assert [(e["kind"], e["to"]) for e in emails] == [
        ("shipment", "jane@example.com"),
        ("invoice", "jane@example.com"),
    ]
    assert all(MARKER not in e["comment"] and "ERP" not in e["comment"] for e in emails)
    for document in (
        fulfilment.shipments_for_order(oid)[0],
        fulfilment.invoices_for_order(oid)[0],
    ):
        (comment,) = document["comments"]
        assert comment["comment"] == MARKER
        assert (comment["is_customer_notified"], comment["is_visible_on_front"]) == (
            0,
            0,
        )


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/ship$", "Could not save a shipment, see error log for details"),
        ("/invoice$", "Could not save an invoice, see error log for details"),
    ],
)
def test_transient_400_after_write_is_ambiguous(
    client: MagentoClient,
    control: SandboxControl,
    sleeps: list[float],
    path: str,
    message: str,
) -> None:
    """Magento's "Could not save" 400 is transient, sent once, and the probe finds it."""
    order = control.order()
    fulfilment = FulfilmentAdapter(client)
    oid = order["entity_id"]
    if path == "/invoice$":
        fulfilment.ship(oid, _items(order), tracks=[], notify=False, comment=MARKER)
    control.faults(message=message, after_write=True, paths=path)

    def post() -> int:
        if path == "/ship$":
            return fulfilment.ship(
                oid, _items(order), tracks=[], notify=False, comment=""
            )
        return fulfilment.invoice(
            oid, _items(order), capture=True, notify=False, comment=""
        )

    with pytest.raises(MagentoUnavailableError) as caught:
        post()
    assert (caught.value.status_code, caught.value.magento_message) == (400, message)
    assert len(control.requests(path.rstrip("$"))) == 1
    assert sleeps == []
    found = (
        fulfilment.shipments_for_order(oid)
        if path == "/ship$"
        else fulfilment.invoices_for_order(oid)
    )
    assert len(found) == 1


def test_ship_request_cut_mid_body_ships_nothing(
    control: SandboxControl, sandbox: Any, client: MagentoClient
) -> None:
    """A ship request whose client dies mid-body is never handed to Magento: no shipment."""
    order = control.order()
    oid = order["entity_id"]
    host, port = sandbox.url.removeprefix("http://").split(":")
    body = b'{"items": [{"order_item_id": 1, "qty": 2}]}'
    head = (
        f"POST /rest/V1/order/{oid}/ship HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {SANDBOX_TOKEN}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body) + 50}\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(head)  # killed after the headers: no byte of the body came
        sock.shutdown(socket.SHUT_WR)  # the client is gone before the body ends
        sock.recv(1024)
    shipments = FulfilmentAdapter(client).shipments_for_order(oid)
    assert shipments == []
