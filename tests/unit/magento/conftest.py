"""Fixtures for the Magento client tests: a scripted ``httpx.MockTransport``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from bridge.config import MagentoSettings
from bridge.magento import MagentoClient

TOKEN = "unit-secret-token-4f1c"

MakeClient = Callable[..., MagentoClient]
Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class Magento:
    """A scripted Magento: answers queued per call, every request recorded."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.answers: list[Answer] = []
        self.default: Answer = httpx.Response(200, json={})

    def queue(self, *answers: Answer) -> None:
        self.answers.extend(answers)

    def handler(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else self.default
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


@pytest.fixture
def magento() -> Magento:
    """An empty scripted Magento."""
    return Magento()


@pytest.fixture
def sleeps() -> list[float]:
    """The delays the client slept between retries."""
    return []


@pytest.fixture
def make_client(
    magento: Magento, sleeps: list[float]
) -> Iterator[Callable[..., MagentoClient]]:
    """Build clients on the scripted Magento; settings overridable per test."""
    made: list[MagentoClient] = []

    def make(**overrides: Any) -> MagentoClient:
        values: dict[str, Any] = {
            "base_url": "http://magento.test",
            "token": TOKEN,
            "max_retries": 3,
            "backoff_initial_seconds": 0.5,
            "backoff_max_seconds": 10,
        }
        values.update(overrides)
        client = MagentoClient(
            MagentoSettings(**values),
            transport=httpx.MockTransport(magento.handler),
            sleep=sleeps.append,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., MagentoClient]) -> MagentoClient:
    """A Bearer-token client on the scripted Magento, 3 retries."""
    return make_client()
