"""MagentoClient: URLs, auth headers, retries with backoff, translation of failures."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest
from oauthlib.common import Request as OAuthRequest  # type: ignore[import-untyped]
from oauthlib.oauth1.rfc5849 import signature  # type: ignore[import-untyped]
from structlog.testing import capture_logs

from bridge.errors import (
    MagentoAuthError,
    MagentoUnavailableError,
    RecordRejectedError,
)
from bridge.magento import MagentoClient

from .conftest import TOKEN, Magento, MakeClient

OAUTH_KEYS = {
    "consumer_key": "ck-3b9e",
    "consumer_secret": "cs-secret-77a1",
    "access_token": "at-51d0",
    "access_token_secret": "ats-secret-9c2e",
}


def unavailable(status: int = 503, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, json={"message": "Service Unavailable"}, headers=headers
    )


def test_url_without_and_with_store_code(
    client: MagentoClient, magento: Magento
) -> None:
    """Paths go under ``/rest``, with the store code between when one is given."""
    client.request("GET", "/V1/orders/1")
    client.request("GET", "/V1/products/A", store="all")
    assert [str(r.url) for r in magento.requests] == [
        "http://magento.test/rest/V1/orders/1",
        "http://magento.test/rest/all/V1/products/A",
    ]


def test_base_url_trailing_slash_is_ignored(
    make_client: MakeClient, magento: Magento
) -> None:
    """A ``base_url`` ending in ``/`` gives no double slash."""
    make_client(base_url="http://magento.test/shop/").request("GET", "/V1/orders/1")
    assert str(magento.last.url) == "http://magento.test/shop/rest/V1/orders/1"


def test_bearer_header_and_json_body(client: MagentoClient, magento: Magento) -> None:
    """The token goes as Bearer; bodies are JSON with Decimals as numbers."""
    magento.queue(httpx.Response(200, json={"ok": True}))
    result = client.request(
        "POST", "/V1/x", json={"price": Decimal("105.50"), "qty": Decimal("3")}
    )
    assert result == {"ok": True}
    request = magento.last
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert request.content == b'{"price": 105.5, "qty": 3}'


def test_no_token_sends_no_authorization(
    make_client: MakeClient, magento: Magento
) -> None:
    """Without credentials no Authorization header is invented."""
    make_client(token="").request("GET", "/V1/orders/1")
    assert "Authorization" not in magento.last.headers


def test_unencodable_body_is_a_type_error(client: MagentoClient) -> None:
    """A body value JSON cannot hold is a programming error, not a Magento error."""
    with pytest.raises(TypeError, match="set"):
        client.request("POST", "/V1/x", json={"bad": {1, 2}})


def test_oauth_signature_verifies_with_query_parameters(
    make_client: MakeClient, magento: Magento
) -> None:
    """With the four OAuth keys every request carries a valid HMAC-SHA256 signature."""
    client = make_client(token="", **OAUTH_KEYS)
    client.request(
        "GET", "/V1/orders", params={"searchCriteria[pageSize]": "5", "q": "a b,c"}
    )
    request = magento.last
    header = request.headers["Authorization"]
    assert header.startswith("OAuth ")
    assert 'oauth_signature_method="HMAC-SHA256"' in header
    assert 'oauth_consumer_key="ck-3b9e"' in header
    assert 'oauth_token="at-51d0"' in header
    assert signed_by(request, "cs-secret-77a1", "ats-secret-9c2e")
    assert not signed_by(request, "wrong", "ats-secret-9c2e")
    assert not signed_by(request, "cs-secret-77a1", "wrong")


def signed_by(request: httpx.Request, consumer_secret: str, token_secret: str) -> bool:
    """Verify a request's OAuth signature the way a server does (oauthlib)."""
    header = request.headers["Authorization"]
    params = signature.collect_parameters(
        uri_query=request.url.query.decode(),
        headers={"Authorization": header},
        exclude_oauth_signature=False,
    )
    server_view = OAuthRequest(
        str(request.url), request.method, headers={"Authorization": header}
    )
    server_view.params = [(k, v) for k, v in params if k != "oauth_signature"]
    server_view.signature = dict(params)["oauth_signature"]
    return bool(
        signature.verify_hmac_sha256(server_view, consumer_secret, token_secret)
    )


def test_oauth_nonce_differs_per_request(
    make_client: MakeClient, magento: Magento
) -> None:
    """Two signed requests never reuse a nonce."""
    client = make_client(token="", **OAUTH_KEYS)
    client.request("GET", "/V1/orders/1")
    client.request("GET", "/V1/orders/1")
    nonces = [
        part
        for r in magento.requests
        for part in r.headers["Authorization"].split(", ")
        if "oauth_nonce" in part
    ]
    assert len(set(nonces)) == 2


def test_503_is_retried_then_succeeds(
    client: MagentoClient, magento: Magento, sleeps: list[float]
) -> None:
    """Two 503s then a 200: three requests, two capped-exponential jittered sleeps."""
    magento.queue(unavailable(), unavailable(), httpx.Response(200, json=[1]))
    assert client.request("GET", "/V1/orders/1") == [1]
    assert len(magento.requests) == 3
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.5
    assert 0 <= sleeps[1] <= 1.0


def test_backoff_is_capped(
    make_client: MakeClient, magento: Magento, sleeps: list[float]
) -> None:
    """The exponential bound stops at ``backoff_max_seconds``."""
    client = make_client(
        max_retries=8, backoff_initial_seconds=1, backoff_max_seconds=2
    )
    magento.default = unavailable()
    with pytest.raises(MagentoUnavailableError):
        client.request("GET", "/V1/orders/1")
    assert len(sleeps) == 8
    assert max(sleeps) <= 2
    assert len(set(sleeps)) > 1  # jittered, not a fixed ladder


def test_gives_up_after_max_retries(
    client: MagentoClient, magento: Magento, sleeps: list[float]
) -> None:
    """After ``max_retries`` retries the transient error reaches the caller."""
    magento.default = unavailable(502)
    with pytest.raises(MagentoUnavailableError) as caught:
        client.request("GET", "/V1/orders/1")
    assert caught.value.status_code == 502
    assert len(magento.requests) == 4
    assert len(sleeps) == 3


def test_retry_after_is_honoured_and_capped(
    client: MagentoClient, magento: Magento, sleeps: list[float]
) -> None:
    """``Retry-After`` sets the wait; a huge one is capped at the backoff maximum."""
    magento.queue(
        unavailable(429, **{"Retry-After": "4"}),
        unavailable(429, **{"Retry-After": "3600"}),
    )
    client.request("GET", "/V1/orders/1")
    assert sleeps == [4.0, 10.0]


@pytest.mark.parametrize(
    "failure",
    [
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ReadTimeout("timed out"),
        httpx.ConnectTimeout("timed out"),
    ],
)
def test_transport_failures_are_retried(
    client: MagentoClient, magento: Magento, sleeps: list[float], failure: Exception
) -> None:
    """A dropped connection, refusal or timeout is transient and retried."""
    magento.queue(failure, httpx.Response(200, json={"entity_id": 1}))
    assert client.request("GET", "/V1/orders/1") == {"entity_id": 1}
    assert len(magento.requests) == 2
    assert len(sleeps) == 1


def test_transport_failure_is_translated_and_chained(
    make_client: MakeClient, magento: Magento
) -> None:
    """The httpx exception becomes MagentoUnavailableError, chained as its cause."""
    dropped = httpx.RemoteProtocolError(
        "Server disconnected without sending a response."
    )
    magento.queue(dropped)
    with pytest.raises(
        MagentoUnavailableError, match="unreachable: GET /rest/V1/orders/1"
    ) as caught:
        make_client(max_retries=0).request("GET", "/V1/orders/1")
    assert caught.value.__cause__ is dropped


def test_timeout_is_translated(make_client: MakeClient, magento: Magento) -> None:
    """A read timeout says so in the error."""
    magento.queue(httpx.ReadTimeout("timed out"))
    with pytest.raises(MagentoUnavailableError, match="timed out"):
        make_client(max_retries=0).request("GET", "/V1/orders/1")


@pytest.mark.parametrize(
    "failure",
    [
        unavailable(503),
        httpx.RemoteProtocolError("Server disconnected"),
        httpx.ReadTimeout("timed out"),
    ],
)
def test_retry_false_makes_one_attempt(
    client: MagentoClient, magento: Magento, sleeps: list[float], failure: Any
) -> None:
    """With ``retry=False`` a transient failure is raised at once, never re-sent."""
    magento.queue(failure, httpx.Response(200, json=3))
    with pytest.raises(MagentoUnavailableError):
        client.request("POST", "/V1/order/1/ship", json={"items": []}, retry=False)
    assert len(magento.requests) == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, RecordRejectedError), (401, MagentoAuthError), (404, RecordRejectedError)],
)
def test_permanent_answers_are_not_retried(
    client: MagentoClient,
    magento: Magento,
    sleeps: list[float],
    status: int,
    error: type[Exception],
) -> None:
    """Record rejections and auth failures are raised after one request."""
    magento.queue(
        httpx.Response(
            status,
            json={
                "message": "No such entity with %fieldName = %fieldValue",
                "parameters": {"fieldName": "orderId", "fieldValue": 9},
            },
        )
    )
    with pytest.raises(error):
        client.request("GET", "/V1/orders/9")
    assert len(magento.requests) == 1
    assert sleeps == []


def test_non_json_success_is_a_request_error(
    client: MagentoClient, magento: Magento
) -> None:
    """A 200 HTML page (wrong base_url) is a clear request error, not a crash."""
    magento.queue(httpx.Response(200, text="<html>login</html>"))
    with pytest.raises(Exception, match="not JSON") as caught:
        client.request("GET", "/V1/orders/1")
    assert type(caught.value).__name__ == "MagentoRequestError"


def test_secrets_never_logged(make_client: MakeClient, magento: Magento) -> None:
    """Retry events carry attempt, status, URL and reason: no token, header or key."""
    bearer = make_client()
    oauth = make_client(token="", **OAUTH_KEYS)
    magento.queue(
        unavailable(),
        unavailable(429),
        httpx.Response(200, json={}),
        httpx.RemoteProtocolError("dropped"),
    )
    with capture_logs() as logs:
        bearer.request("GET", "/V1/orders/1")
        oauth.request("GET", "/V1/orders/1")
    assert [e["event"] for e in logs] == ["magento_request_retried"] * 3
    assert [(e["attempt"], e["status"]) for e in logs] == [
        (1, 503),
        (2, 429),
        (1, None),
    ]
    text = repr(logs)
    for secret in (TOKEN, "Bearer", "OAuth", *OAUTH_KEYS.values()):
        assert secret not in text
    for event in logs:
        assert set(event) <= {
            "event",
            "log_level",
            "attempt",
            "status",
            "url",
            "reason",
            "retry_in_seconds",
        }


def test_retry_event_names_the_url_and_the_reason(
    make_client: MakeClient, magento: Magento
) -> None:
    """A retried request logs where it went (no user info, no query) and why it failed."""
    client = make_client(base_url="http://ops:pw@magento.test/shop")
    magento.queue(
        httpx.ConnectError("[Errno 111] Connection refused"),
        unavailable(503),
        httpx.Response(200, json={}),
    )
    with capture_logs() as logs:
        client.request("GET", "/V1/orders", params={"searchCriteria[pageSize]": "1"})
    assert [e["url"] for e in logs] == ["http://magento.test/shop/rest/V1/orders"] * 2
    assert logs[0]["reason"] == (
        "Magento unreachable: GET /shop/rest/V1/orders: ConnectError: "
        "[Errno 111] Connection refused"
    )
    assert "503" in logs[1]["reason"]
    assert "pw" not in repr(logs)


def test_settings_repr_hides_secrets(make_client: MakeClient) -> None:
    """The client's settings never show the secrets when printed."""
    client = make_client(token="", **OAUTH_KEYS)
    text = repr(client.settings) + str(client.settings)
    for secret in (TOKEN, *OAUTH_KEYS.values()):
        assert secret not in text


def test_concurrency_caps_in_flight_requests(
    make_client: MakeClient, magento: Magento
) -> None:
    """Eight threads on one client never have over ``concurrency`` requests out."""
    client = make_client(concurrency=2)
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def slow(request: httpx.Request) -> httpx.Response:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.02)
        with lock:
            state["now"] -= 1
        return httpx.Response(200, json={})

    magento.default = slow
    threads = [
        threading.Thread(target=client.request, args=("GET", "/V1/orders/1"))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(magento.requests) == 8
    assert state["peak"] == 2


def test_context_manager_closes(make_client: MakeClient) -> None:
    """Leaving the ``with`` block closes the connection pool."""
    with make_client() as client:
        pass
    with pytest.raises(RuntimeError):
        client.request("GET", "/V1/orders/1")
