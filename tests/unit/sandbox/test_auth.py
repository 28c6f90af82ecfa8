"""OAuth 1.0a HMAC-SHA256 signatures are checked by hand, as Magento checks them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Iterator
from urllib.parse import quote, urlencode

import httpx
import pytest

from bridge.sandbox import OAuthKeys, SandboxServer

KEYS = OAuthKeys("ck-123", "cs-secret", "at-456", "ats-secret")


@pytest.fixture(scope="module")
def oauth_server() -> Iterator[SandboxServer]:
    """A sandbox that accepts only OAuth-signed requests."""
    server = SandboxServer(port=0, token=None, oauth=KEYS)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _enc(value: str) -> str:
    return quote(value, safe="-._~")


def _header(
    method: str,
    url: str,
    query: dict[str, str],
    consumer_secret: str,
    token_secret: str,
    order: Callable[[list[tuple[str, str]]], list[tuple[str, str]]] = sorted,
) -> str:
    """Sign a request by hand, following RFC 5849 step by step."""
    oauth = {
        "oauth_consumer_key": KEYS.consumer_key,
        "oauth_token": KEYS.access_token,
        "oauth_nonce": secrets.token_hex(8),
        "oauth_timestamp": str(int(time.time())),
        "oauth_signature_method": "HMAC-SHA256",
        "oauth_version": "1.0",
    }
    pairs = order([(_enc(k), _enc(v)) for k, v in [*oauth.items(), *query.items()]])
    params = "&".join(f"{k}={v}" for k, v in pairs)
    base = f"{method}&{_enc(url)}&{_enc(params)}"
    key = f"{_enc(consumer_secret)}&{_enc(token_secret)}".encode()
    oauth["oauth_signature"] = base64.b64encode(
        hmac.new(key, base.encode(), hashlib.sha256).digest()
    ).decode()
    return "OAuth " + ", ".join(f'{k}="{_enc(v)}"' for k, v in oauth.items())


def test_hand_signed_request_passes(oauth_server: SandboxServer) -> None:
    """A correctly signed GET with searchCriteria brackets in the query is accepted."""
    url = f"{oauth_server.url}/rest/V1/orders"
    query = {
        "searchCriteria[filter_groups][0][filters][0][field]": "state",
        "searchCriteria[filter_groups][0][filters][0][value]": "new processing",
    }
    header = _header("GET", url, query, KEYS.consumer_secret, KEYS.access_token_secret)
    encoded = urlencode(query, quote_via=quote, safe="")
    response = httpx.get(f"{url}?{encoded}", headers={"Authorization": header})
    assert response.status_code == 200, response.text


def test_plus_in_query_stays_a_plus(oauth_server: SandboxServer) -> None:
    """A space sent as ``+`` but signed as a space is refused (rawurldecode, PR 34896)."""
    url = f"{oauth_server.url}/rest/V1/orders"
    query = {"searchCriteria[filter_groups][0][filters][0][value]": "a b"}
    header = _header("GET", url, query, KEYS.consumer_secret, KEYS.access_token_secret)
    encoded = urlencode(query)  # form encoding: the space becomes "+"
    assert "+" in encoded
    response = httpx.get(f"{url}?{encoded}", headers={"Authorization": header})
    assert response.status_code == 401
    plus = {"searchCriteria[filter_groups][0][filters][0][value]": "a+b"}
    header = _header("GET", url, plus, KEYS.consumer_secret, KEYS.access_token_secret)
    response = httpx.get(f"{url}?{encoded}", headers={"Authorization": header})
    assert response.status_code == 200, response.text


def _natural(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Order pairs as PHP's strnatcmp does for these keys: [2] before [10]."""

    def key(pair: tuple[str, str]) -> list[object]:
        parts = re.split(r"(\d+)", pair[0])
        return [(0, int(p)) if p.isdigit() else (1, p) for p in parts]

    return sorted(pairs, key=key)


def test_parameters_sort_in_natural_order(oauth_server: SandboxServer) -> None:
    """Keys are ordered with strnatcmp as laminas-oauth does, not byte by byte."""
    url = f"{oauth_server.url}/rest/V1/orders"
    query = {
        f"searchCriteria[filter_groups][{i}][filters][0][field]": "state"
        for i in (2, 10)
    }
    query |= {
        f"searchCriteria[filter_groups][{i}][filters][0][value]": "new" for i in (2, 10)
    }
    encoded = urlencode(query, quote_via=quote, safe="")
    for order, expected in ((_natural, 200), (sorted, 401)):
        header = _header(
            "GET", url, query, KEYS.consumer_secret, KEYS.access_token_secret, order
        )
        response = httpx.get(f"{url}?{encoded}", headers={"Authorization": header})
        assert response.status_code == expected, response.text


def test_signed_post_with_json_body_passes(oauth_server: SandboxServer) -> None:
    """A JSON body is not part of the signature; a signed POST is accepted."""
    url = f"{oauth_server.url}/rest/all/V1/products/OA-1"
    header = _header("PUT", url, {}, KEYS.consumer_secret, KEYS.access_token_secret)
    response = httpx.put(
        url,
        json={"product": {"name": "Signed", "price": 1}},
        headers={"Authorization": header},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("consumer_secret", "token_secret"),
    [("wrong", KEYS.access_token_secret), (KEYS.consumer_secret, "wrong")],
)
def test_wrong_secret_is_401(
    oauth_server: SandboxServer, consumer_secret: str, token_secret: str
) -> None:
    """A signature made with a wrong consumer or token secret is refused with 401."""
    url = f"{oauth_server.url}/rest/V1/orders"
    header = _header("GET", url, {}, consumer_secret, token_secret)
    response = httpx.get(url, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["parameters"] == {"resources": "Magento_Sales::sales"}


def test_replayed_nonce_is_401(oauth_server: SandboxServer) -> None:
    """The same signed request sent twice is refused the second time."""
    url = f"{oauth_server.url}/rest/V1/orders"
    header = _header("GET", url, {}, KEYS.consumer_secret, KEYS.access_token_secret)
    assert httpx.get(url, headers={"Authorization": header}).status_code == 200
    assert httpx.get(url, headers={"Authorization": header}).status_code == 401


def test_tampered_query_is_401(oauth_server: SandboxServer) -> None:
    """Changing a signed query parameter breaks the signature."""
    url = f"{oauth_server.url}/rest/V1/orders"
    header = _header(
        "GET",
        url,
        {"searchCriteria[pageSize]": "5"},
        KEYS.consumer_secret,
        KEYS.access_token_secret,
    )
    response = httpx.get(
        url, params={"searchCriteria[pageSize]": "6"}, headers={"Authorization": header}
    )
    assert response.status_code == 401


def test_bearer_is_not_accepted_without_a_token(oauth_server: SandboxServer) -> None:
    """With OAuth keys only, a Bearer header is refused."""
    response = httpx.get(
        f"{oauth_server.url}/rest/V1/orders", headers={"Authorization": "Bearer at-456"}
    )
    assert response.status_code == 401
