"""Fixtures for the Magento client against the sandbox on a real local port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from bridge.config import MagentoSettings
from bridge.magento import MagentoClient
from tests.conftest import SANDBOX_TOKEN

MakeClient = Callable[..., MagentoClient]


class SandboxControl:
    """The sandbox's ``/sandbox/`` helpers, spoken over plain HTTP."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.url}/sandbox/{path}", json=body)
        response.raise_for_status()
        return response.json()

    def faults(self, **plan: Any) -> None:
        """Arm a fault plan (no arguments clears it)."""
        self._call("POST", "faults", plan)

    def requests(self, path_part: str = "/V1/") -> list[dict[str, Any]]:
        """The Magento requests the sandbox saw whose path contains ``path_part``."""
        return [e for e in self._call("GET", "requests") if path_part in e["path"]]

    def order(self, **fields: Any) -> dict[str, Any]:
        """Create an order through ``POST /sandbox/orders``."""
        body: dict[str, Any] = {
            "customer": {
                "email": "jane@example.com",
                "firstname": "Jane",
                "lastname": "Doe",
            },
            "items": [{"sku": "ERP-1", "qty": 2, "price": 10.0, "tax_percent": 25}],
            "shipping_amount": 5.0,
            "payment_method": "checkmo",
            "invoice_fee": 0,
        }
        body.update(fields)
        order: dict[str, Any] = self._call("POST", "orders", body)
        return order


@pytest.fixture
def control(sandbox: Any) -> Iterator[SandboxControl]:
    """Helpers for the reset session sandbox; faults are cleared afterwards."""
    ctl = SandboxControl(sandbox.url)
    yield ctl
    ctl.faults()


@pytest.fixture
def sleeps() -> list[float]:
    """The delays the client chose between retries (not actually slept)."""
    return []


@pytest.fixture
def make_client(sandbox: Any, sleeps: list[float]) -> Iterator[MakeClient]:
    """Build real clients on the sandbox's port; settings overridable per test."""
    made: list[MagentoClient] = []

    def make(**overrides: Any) -> MagentoClient:
        values: dict[str, Any] = {
            "base_url": sandbox.url,
            "token": SANDBOX_TOKEN,
            "timeout_seconds": 5,
            "max_retries": 3,
        }
        values.update(overrides)
        client = MagentoClient(MagentoSettings(**values), sleep=sleeps.append)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> MagentoClient:
    """A Bearer-token client on the sandbox with three retries."""
    return make_client()
