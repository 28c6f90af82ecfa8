"""OrdersAdapter: search, get, find by order number, comments."""

from __future__ import annotations

from urllib.parse import parse_qsl

import httpx
import pytest

from bridge.errors import RecordRejectedError
from bridge.magento import MagentoClient, OrdersAdapter, search_params

from .conftest import Magento


@pytest.fixture
def orders(client: MagentoClient) -> OrdersAdapter:
    """The adapter on the scripted Magento."""
    return OrdersAdapter(client)


def test_search_passes_params(orders: OrdersAdapter, magento: Magento) -> None:
    """``search`` GETs ``/rest/V1/orders`` with the given searchCriteria."""
    page = {"items": [{"entity_id": 1}], "total_count": 1, "search_criteria": {}}
    magento.queue(httpx.Response(200, json=page))
    params = search_params([], page_size=10, current_page=2)
    assert orders.search(params) == page
    assert magento.last.url.path == "/rest/V1/orders"
    assert dict(parse_qsl(magento.last.url.query.decode())) == params


def test_get_by_id(orders: OrdersAdapter, magento: Magento) -> None:
    """``get`` reads ``/rest/V1/orders/{id}``."""
    magento.queue(
        httpx.Response(200, json={"entity_id": 5, "increment_id": "000000005"})
    )
    assert orders.get(5)["increment_id"] == "000000005"
    assert magento.last.url.path == "/rest/V1/orders/5"


def test_find_by_increment_id(orders: OrdersAdapter, magento: Magento) -> None:
    """The order number is searched with ``increment_id eq``."""
    magento.queue(
        httpx.Response(200, json={"items": [{"entity_id": 9}], "total_count": 1})
    )
    assert orders.find_by_increment_id("000000009") == {"entity_id": 9}
    sent = dict(parse_qsl(magento.last.url.query.decode()))
    assert sent["searchCriteria[filter_groups][0][filters][0][field]"] == "increment_id"
    assert sent["searchCriteria[filter_groups][0][filters][0][value]"] == "000000009"
    assert sent["searchCriteria[filter_groups][0][filters][0][condition_type]"] == "eq"


def test_find_by_increment_id_unknown(orders: OrdersAdapter, magento: Magento) -> None:
    """No match is None."""
    magento.queue(httpx.Response(200, json={"items": [], "total_count": 0}))
    assert orders.find_by_increment_id("404") is None


def test_find_by_increment_id_ambiguous(
    orders: OrdersAdapter, magento: Magento
) -> None:
    """Two orders with the same number are a rejection, never a guess."""
    items = [{"entity_id": 1}, {"entity_id": 2}]
    magento.queue(httpx.Response(200, json={"items": items, "total_count": 2}))
    with pytest.raises(RecordRejectedError) as caught:
        orders.find_by_increment_id("100")
    assert caught.value.record_key == "100"


@pytest.mark.parametrize("status", [None, "erp_exported"])
def test_add_comment(
    orders: OrdersAdapter, magento: Magento, status: str | None
) -> None:
    """A hidden status-history comment, with the status only when one is given."""
    magento.queue(httpx.Response(200, json=True))
    orders.add_comment(7, "Exported to ERP", status=status)
    assert magento.last.url.path == "/rest/V1/orders/7/comments"
    expected = {
        "comment": "Exported to ERP",
        "is_customer_notified": 0,
        "is_visible_on_front": 0,
        "parent_id": 7,
    }
    if status:
        expected["status"] = status
    assert magento.body() == {"statusHistory": expected}
