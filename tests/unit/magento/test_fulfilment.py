"""FulfilmentAdapter: ship and invoice exactly once, ids as 3 or "3", lookups."""

from __future__ import annotations

from urllib.parse import parse_qsl

import httpx
import pytest

from bridge.errors import (
    MagentoRequestError,
    MagentoUnavailableError,
    RecordRejectedError,
)
from bridge.magento import FulfilmentAdapter
from tests.unit.magento.conftest import Answer, Magento, MakeClient

ITEMS = [{"order_item_id": 3, "qty": 1}]
TRACKS = [{"track_number": "0034043", "title": "PostNord", "carrier_code": "custom"}]


@pytest.fixture
def fulfilment(make_client: MakeClient) -> FulfilmentAdapter:
    """The adapter on the scripted Magento (MSI inventory)."""
    return FulfilmentAdapter(make_client())


@pytest.mark.parametrize("answer", [3, "3"])
def test_ship_body_and_id(
    fulfilment: FulfilmentAdapter, magento: Magento, answer: object
) -> None:
    """Ship POSTs items, tracks, comment and MSI source; the id may be 3 or "3"."""
    magento.queue(httpx.Response(200, json=answer))
    shipment_id = fulfilment.ship(
        7, ITEMS, tracks=TRACKS, notify=True, comment="ERP LS-1"
    )
    assert shipment_id == 3
    assert magento.last.url.path == "/rest/V1/order/7/ship"
    assert magento.body() == {
        "items": ITEMS,
        "notify": True,
        "tracks": TRACKS,
        "arguments": {"extension_attributes": {"source_code": "default"}},
        "appendComment": False,
        "comment": {"comment": "ERP LS-1", "is_visible_on_front": 0},
    }


def test_ship_legacy_inventory_sends_no_source(
    make_client: MakeClient, magento: Magento
) -> None:
    """Without MSI no source code is sent, and an empty comment is left out."""
    magento.queue(httpx.Response(200, json=4))
    adapter = FulfilmentAdapter(make_client(inventory="legacy"))
    adapter.ship(7, ITEMS, tracks=[], notify=False, comment="")
    assert magento.body() == {"items": ITEMS, "notify": False, "tracks": []}


@pytest.mark.parametrize("answer", [12, "12"])
def test_invoice_body_and_id(
    fulfilment: FulfilmentAdapter, magento: Magento, answer: object
) -> None:
    """Invoice POSTs capture, items and comment; the id may be 12 or "12"."""
    magento.queue(httpx.Response(200, json=answer))
    invoice_id = fulfilment.invoice(
        7, ITEMS, capture=True, notify=False, comment="ERP LS-1"
    )
    assert invoice_id == 12
    assert magento.last.url.path == "/rest/V1/order/7/invoice"
    assert magento.body() == {
        "capture": True,
        "items": ITEMS,
        "notify": False,
        "appendComment": False,
        "comment": {"comment": "ERP LS-1", "is_visible_on_front": 0},
    }


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(503),
        httpx.Response(429, headers={"Retry-After": "1"}),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadTimeout("timed out"),
    ],
)
def test_ship_and_invoice_are_never_retried(
    fulfilment: FulfilmentAdapter,
    magento: Magento,
    sleeps: list[float],
    failure: Answer,
) -> None:
    """An ambiguous failure is raised after one POST; nothing is sent twice."""
    magento.queue(failure, failure, httpx.Response(200, json=1))
    with pytest.raises(MagentoUnavailableError):
        fulfilment.ship(7, ITEMS, tracks=TRACKS, notify=True, comment="")
    with pytest.raises(MagentoUnavailableError):
        fulfilment.invoice(7, ITEMS, capture=True, notify=True, comment="")
    assert [r.url.path for r in magento.requests] == [
        "/rest/V1/order/7/ship",
        "/rest/V1/order/7/invoice",
    ]
    assert sleeps == []


def test_empty_items_refused(fulfilment: FulfilmentAdapter, magento: Magento) -> None:
    """Empty items would ship/invoice everything in Magento: refused before sending."""
    with pytest.raises(ValueError, match="without items"):
        fulfilment.ship(7, [], tracks=[], notify=True, comment="")
    with pytest.raises(ValueError, match="without items"):
        fulfilment.invoice(7, [], capture=True, notify=True, comment="")
    assert magento.requests == []


def test_validation_error_is_a_rejection(
    fulfilment: FulfilmentAdapter, magento: Magento
) -> None:
    """Magento's document validation message reaches the rejection filled in."""
    magento.queue(
        httpx.Response(
            400,
            json={
                "message": "Invoice Document Validation Error(s):\n"
                "The quantity to invoice must not be greater than the uninvoiced "
                'quantity for product SKU "%1".',
                "parameters": ["ERP-1"],
            },
        )
    )
    with pytest.raises(RecordRejectedError) as caught:
        fulfilment.invoice(7, ITEMS, capture=True, notify=True, comment="")
    assert caught.value.magento_message is not None
    assert caught.value.magento_message.endswith('product SKU "ERP-1".')


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("shipments_for_order", "/rest/V1/shipments"),
        ("invoices_for_order", "/rest/V1/invoices"),
    ],
)
def test_documents_for_order(
    fulfilment: FulfilmentAdapter, magento: Magento, method: str, path: str
) -> None:
    """Existing shipments/invoices are searched by ``order_id eq``, oldest first."""
    magento.queue(
        httpx.Response(200, json={"items": [{"entity_id": 1}], "total_count": 1})
    )
    assert getattr(fulfilment, method)(7) == [{"entity_id": 1}]
    assert magento.last.url.path == path
    assert dict(parse_qsl(magento.last.url.query.decode())) == {
        "searchCriteria[filter_groups][0][filters][0][field]": "order_id",
        "searchCriteria[filter_groups][0][filters][0][value]": "7",
        "searchCriteria[filter_groups][0][filters][0][condition_type]": "eq",
        "searchCriteria[sortOrders][0][field]": "entity_id",
        "searchCriteria[sortOrders][0][direction]": "ASC",
        "searchCriteria[pageSize]": "100",
        "searchCriteria[currentPage]": "1",
    }


def test_documents_for_order_reads_every_page(
    fulfilment: FulfilmentAdapter, magento: Magento
) -> None:
    """150 shipments come in two pages; none is missed (it would be shipped again)."""
    docs = [{"entity_id": i} for i in range(150)]
    magento.queue(
        httpx.Response(200, json={"items": docs[:100], "total_count": 150}),
        httpx.Response(200, json={"items": docs[100:], "total_count": 150}),
    )
    assert fulfilment.shipments_for_order(7) == docs
    pages = [dict(parse_qsl(r.url.query.decode())) for r in magento.requests]
    assert [p["searchCriteria[currentPage]"] for p in pages] == ["1", "2"]


def test_documents_for_order_stops_on_runaway_paging(
    fulfilment: FulfilmentAdapter, magento: Magento
) -> None:
    """A Magento that keeps answering full pages cannot loop the bridge forever."""
    magento.default = httpx.Response(
        200, json={"items": [{"entity_id": 1}] * 100, "total_count": 10**9}
    )
    with pytest.raises(MagentoRequestError, match="more than 100 pages"):
        fulfilment.invoices_for_order(7)
    assert len(magento.requests) == 100


def test_get_invoice(fulfilment: FulfilmentAdapter, magento: Magento) -> None:
    """One invoice is read from ``/rest/V1/invoices/{id}``."""
    magento.queue(httpx.Response(200, json={"entity_id": 12, "grand_total": 10}))
    assert fulfilment.get_invoice(12)["grand_total"] == 10
    assert magento.last.url.path == "/rest/V1/invoices/12"
