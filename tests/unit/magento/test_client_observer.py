"""MagentoClient's ``on_request`` hook: every attempt reported with its error and time."""

from __future__ import annotations

import httpx
import pytest

from bridge.errors import MagentoUnavailableError, RecordRejectedError

from .conftest import Magento, MakeClient


def test_every_attempt_is_reported_with_its_error_and_duration(
    make_client: MakeClient, magento: Magento
) -> None:
    """Two 503s and a success are three reports: two errors, then None."""
    seen: list[tuple[type[BaseException] | None, float]] = []
    client = make_client()
    client.on_request = lambda error, seconds: seen.append(
        (type(error) if error else None, seconds)
    )
    magento.queue(
        httpx.Response(503, json={"message": "down"}),
        httpx.Response(503, json={"message": "down"}),
        httpx.Response(200, json={"id": 1}),
    )
    assert client.request("GET", "/V1/products/A") == {"id": 1}
    assert [kind for kind, _ in seen] == [
        MagentoUnavailableError,
        MagentoUnavailableError,
        None,
    ]
    assert all(seconds >= 0 for _, seconds in seen)


def test_a_rejected_record_is_reported_before_it_is_raised(
    make_client: MakeClient, magento: Magento
) -> None:
    """A 400 is reported as a RecordRejectedError, and still raised to the caller."""
    seen: list[BaseException | None] = []
    client = make_client()
    client.on_request = lambda error, _seconds: seen.append(error)
    magento.queue(httpx.Response(400, json={"message": "bad %1", "parameters": ["x"]}))
    with pytest.raises(RecordRejectedError):
        client.request("POST", "/V1/products", json={})
    assert len(seen) == 1
    assert isinstance(seen[0], RecordRejectedError)
