"""``searchCriteria`` encoding: filter groups, conditions, sort and paging."""

from __future__ import annotations

from urllib.parse import parse_qsl

from bridge.magento import Filter, MagentoClient, search_params
from tests.unit.magento.conftest import Magento


def test_orders_poll_search_matches_magento_spelling() -> None:
    """The export poll's search flattens to Magento's bracketed parameter names."""
    params = search_params(
        [
            [Filter("created_at", "2024-05-01 00:00:00", "gteq")],
            [Filter("state", "new,processing", "in")],
        ],
        sort=[("entity_id", "ASC")],
        page_size=50,
        current_page=1,
    )
    assert params == {
        "searchCriteria[filter_groups][0][filters][0][field]": "created_at",
        "searchCriteria[filter_groups][0][filters][0][value]": "2024-05-01 00:00:00",
        "searchCriteria[filter_groups][0][filters][0][condition_type]": "gteq",
        "searchCriteria[filter_groups][1][filters][0][field]": "state",
        "searchCriteria[filter_groups][1][filters][0][value]": "new,processing",
        "searchCriteria[filter_groups][1][filters][0][condition_type]": "in",
        "searchCriteria[sortOrders][0][field]": "entity_id",
        "searchCriteria[sortOrders][0][direction]": "ASC",
        "searchCriteria[pageSize]": "50",
        "searchCriteria[currentPage]": "1",
    }


def test_or_filters_share_a_group_and_sorts_keep_order() -> None:
    """Filters of one group get indexes j; several sort orders keep their order k."""
    params = search_params(
        [[Filter("status", "pending"), Filter("status", "processing", "neq")]],
        sort=[("created_at", "DESC"), ("entity_id", "ASC")],
    )
    assert (
        params["searchCriteria[filter_groups][0][filters][0][condition_type]"] == "eq"
    )
    assert params["searchCriteria[filter_groups][0][filters][1][value]"] == "processing"
    assert (
        params["searchCriteria[filter_groups][0][filters][1][condition_type]"] == "neq"
    )
    assert params["searchCriteria[sortOrders][0][field]"] == "created_at"
    assert params["searchCriteria[sortOrders][1][direction]"] == "ASC"
    assert "searchCriteria[pageSize]" not in params


def test_empty_search_still_sends_search_criteria() -> None:
    """A search without filters still names ``searchCriteria`` (Magento needs it)."""
    assert search_params([]) == {"searchCriteria": ""}


def test_values_are_percent_encoded_on_the_wire(
    client: MagentoClient, magento: Magento
) -> None:
    """Brackets, spaces, commas and non-ASCII survive the round trip to the server."""
    params = search_params([[Filter("sku", "A 1,Å/2", "in")]], page_size=2)
    client.request("GET", "/V1/products", params=params, store="all")
    url = magento.last.url
    assert url.path == "/rest/all/V1/products"
    assert b"[" not in url.query
    assert dict(parse_qsl(url.query.decode())) == params


def test_space_is_sent_as_percent_20_never_plus(
    client: MagentoClient, magento: Magento
) -> None:
    """A created_at filter's space goes out as %20: Magento's verifier keeps a +."""
    params = search_params([[Filter("created_at", "2026-11-28 05:00:00", "lteq")]])
    client.request("GET", "/V1/orders", params=params)
    query = magento.last.url.query.decode()
    assert "+" not in query
    assert "2026-11-28%2005%3A00%3A00" in query
