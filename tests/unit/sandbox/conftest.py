"""Fixtures for the sandbox tests: an authorised HTTP client and an order helper."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

OrderFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def api(sandbox: Any) -> Iterator[httpx.Client]:
    """An httpx client on the sandbox's base URL with the Bearer token."""
    with httpx.Client(
        base_url=sandbox.url, headers={"Authorization": f"Bearer {sandbox.token}"}
    ) as client:
        yield client


@pytest.fixture
def anonymous(sandbox: Any) -> Iterator[httpx.Client]:
    """An httpx client on the sandbox's base URL without credentials."""
    with httpx.Client(base_url=sandbox.url) as client:
        yield client


@pytest.fixture
def place_order(api: httpx.Client) -> OrderFactory:
    """A function placing an order through ``POST /sandbox/orders`` (spec overrides)."""

    def place(**spec: Any) -> dict[str, Any]:
        body = {
            "customer": {
                "email": "jane@example.com",
                "firstname": "Jane",
                "lastname": "Doe",
            },
            "items": [{"sku": "A-1", "qty": 2, "price": "100.00", "tax_percent": 25}],
            "shipping_amount": "0",
            "payment_method": "checkmo",
            "invoice_fee": "0",
        }
        body.update(spec)
        response = api.post("/sandbox/orders", json=body)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    return place
