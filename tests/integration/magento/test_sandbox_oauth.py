"""OAuth 1.0a signing by the client, verified by a sandbox that expects OAuth."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bridge.config import MagentoSettings
from bridge.errors import MagentoAuthError
from bridge.flows.export_orders import magento_time
from bridge.magento import Filter, MagentoClient, OrdersAdapter, search_params
from tests.integration.magento.conftest import SandboxControl

KEYS = {
    "consumer_key": "ck-int-1",
    "consumer_secret": "cs-int-secret",
    "access_token": "at-int-1",
    "access_token_secret": "ats-int-secret",
}


@pytest.fixture(scope="module")
def oauth_sandbox() -> Iterator[Any]:
    """A sandbox of its own that accepts only the integration's OAuth signature."""
    from bridge.sandbox import OAuthKeys, SandboxServer

    server = SandboxServer(
        host="127.0.0.1", port=0, token=None, oauth=OAuthKeys(**KEYS)
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def oauth_client(url: str, **changes: str) -> MagentoClient:
    settings = MagentoSettings(base_url=url, max_retries=0, **{**KEYS, **changes})
    return MagentoClient(settings)


def test_signed_requests_are_accepted(oauth_sandbox: Any) -> None:
    """A search with query parameters and a comment POST both pass the check."""
    order = SandboxControl(oauth_sandbox.url).order()
    with oauth_client(oauth_sandbox.url) as client:
        orders = OrdersAdapter(client)
        params = search_params(
            [[Filter("increment_id", order["increment_id"])]], page_size=5
        )
        page = orders.search(params)
        assert [o["entity_id"] for o in page["items"]] == [order["entity_id"]]
        orders.add_comment(order["entity_id"], "Exported to ERP")
        comments = orders.get(order["entity_id"])["status_histories"]
    assert "Exported to ERP" in [c["comment"] for c in comments]


@pytest.mark.parametrize("key", ["consumer_secret", "access_token_secret"])
def test_wrong_secret_is_refused(oauth_sandbox: Any, key: str) -> None:
    """A signature made with a wrong secret is a MagentoAuthError (401)."""
    client = oauth_client(oauth_sandbox.url, **{key: "wrong"})
    with client, pytest.raises(MagentoAuthError) as caught:
        OrdersAdapter(client).search(search_params([], page_size=5))
    assert caught.value.status_code == 401


def test_order_poll_with_created_at_window_is_accepted(oauth_sandbox: Any) -> None:
    """The order poll's filters (a space in "YYYY-MM-DD HH:MM:SS") pass Magento's check."""
    order = SandboxControl(oauth_sandbox.url).order()
    now = datetime.now(UTC)
    groups = [
        [Filter("state", "new,processing", "in")],
        [Filter("created_at", magento_time(now + timedelta(minutes=5)), "lteq")],
        [Filter("created_at", magento_time(now - timedelta(hours=1)), "gteq")],
    ]
    with oauth_client(oauth_sandbox.url) as client:
        page = OrdersAdapter(client).search(
            search_params(groups, sort=[("created_at", "ASC")], page_size=50)
        )
    assert order["entity_id"] in [o["entity_id"] for o in page["items"]]
    seen = SandboxControl(oauth_sandbox.url).requests("/V1/orders")[-1]
    assert seen["status"] == 200
    assert " " in seen["query"]["searchCriteria[filter_groups][1][filters][0][value]"]
