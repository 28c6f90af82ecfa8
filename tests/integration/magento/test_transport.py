"""The client's own connection pool on real sockets: keep-alive, failures, TLS, gzip."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.config import MagentoSettings
from bridge.errors import MagentoUnavailableError
from bridge.magento import MagentoClient
from bridge.magento._transport import HttpxTransport, PooledTransport, open_transport
from bridge.support.calls import CallLog, recording
from tests.integration.magento._raw_server import RawServer, raw, reply, silent
from tests.unit.alerts._receivers import self_signed_tls

TOKEN = "transport-token-7d2a"

MakeClient = Callable[..., MagentoClient]


@pytest.fixture
def server() -> Iterator[RawServer]:
    """A scripted HTTP server on a real local port."""
    srv = RawServer()
    yield srv
    srv.close()


@pytest.fixture
def make_client() -> Iterator[MakeClient]:
    """Clients with the default transport (the pool), no retries, closed afterwards."""
    made: list[MagentoClient] = []

    def make(url: str, **overrides: Any) -> MagentoClient:
        values: dict[str, Any] = {"base_url": url, "token": TOKEN, "max_retries": 0}
        values.update(overrides)
        client = MagentoClient(MagentoSettings(**values))
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def test_requests_reuse_one_kept_alive_connection(
    server: RawServer, make_client: MakeClient
) -> None:
    """Calls in a row go over one connection, each carrying the exact request."""
    client = make_client(server.url)
    for n in range(5):
        assert client.request("PUT", f"/V1/products/S{n}", json={"n": n}) == {}
    assert server.connections == 1
    head, _, body = server.requests[-1].partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"PUT /rest/V1/products/S4 HTTP/1.1"
    assert f"Authorization: Bearer {TOKEN}".encode() in head
    assert b"Content-Type: application/json" in head
    assert body == b'{"n": 4}'


def test_query_is_sent_exactly_as_encoded(
    server: RawServer, make_client: MakeClient
) -> None:
    """A space in a query value stays ``%20`` on the wire (Magento's rawurldecode)."""
    make_client(server.url).request(
        "GET", "/V1/orders", params={"searchCriteria[x]": "2026-01-01 10:00:00"}
    )
    line = server.requests[-1].split(b"\r\n")[0]
    assert line == (
        b"GET /rest/V1/orders?searchCriteria%5Bx%5D=2026-01-01%2010%3A00%3A00 HTTP/1.1"
    )


def test_connection_closed_by_the_server_while_idle_is_not_reused(
    server: RawServer, make_client: MakeClient
) -> None:
    """A kept-alive connection the server dropped is replaced before the next call."""
    server.answers.append(reply(close=True))  # keep-alive promised, then closed
    client = make_client(server.url)
    client.request("GET", "/V1/orders/1")
    assert server.closed.acquire(timeout=10)
    assert client.request("GET", "/V1/orders/2") == {}
    assert server.connections == 2


def test_connection_close_answer_opens_a_new_connection(
    server: RawServer, make_client: MakeClient
) -> None:
    """After ``Connection: close`` the next call uses a new connection."""
    server.answers.append(reply(headers={"Connection": "close"}))
    client = make_client(server.url)
    client.request("GET", "/V1/orders/1")
    client.request("GET", "/V1/orders/2")
    assert server.connections == 2


def test_gzip_answer_is_decoded(server: RawServer, make_client: MakeClient) -> None:
    """A gzip-compressed answer is read as the JSON it holds."""
    server.answers.append(reply(body=b'{"entity_id": 7}', compress=True))
    answer = make_client(server.url).request("GET", "/V1/orders/7")
    assert answer == {"entity_id": 7}
    assert b"Accept-Encoding: gzip, deflate" in server.requests[-1]


def test_no_answer_is_a_read_timeout(
    server: RawServer, make_client: MakeClient
) -> None:
    """A server that never answers makes a transient "timed out" error."""
    server.answers.append(silent(3))
    client = make_client(server.url, timeout_seconds=0.3)
    with pytest.raises(MagentoUnavailableError, match="timed out") as caught:
        client.request("GET", "/V1/orders/1")
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)


def test_garbled_status_line_is_a_protocol_error(
    server: RawServer, make_client: MakeClient
) -> None:
    """An answer that is not HTTP is transient, named as a protocol error."""
    server.answers.append(raw(b"SSH-2.0-OpenSSH\r\n\r\n"))
    with pytest.raises(MagentoUnavailableError, match="unreachable") as caught:
        make_client(server.url).request("GET", "/V1/orders/1")
    assert isinstance(caught.value.__cause__, httpx.RemoteProtocolError)


def test_refused_connection_is_logged_as_connect_error(
    make_client: MakeClient,
) -> None:
    """Nothing listening: transient, and the call log names ``ConnectError``."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = CallLog()
    with recording(log), pytest.raises(MagentoUnavailableError, match="refused"):
        make_client(f"http://127.0.0.1:{port}").request("GET", "/V1/orders/1")
    calls, _ = log.take()
    assert [(c.error, c.status) for c in calls] == [("ConnectError", None)]


def test_untrusted_certificate_is_refused(
    tmp_path: Path, make_client: MakeClient
) -> None:
    """A self-signed certificate is not accepted: TLS is always verified."""
    tls, _ = self_signed_tls(tmp_path)
    srv = RawServer(tls=tls)
    try:
        with pytest.raises(MagentoUnavailableError, match="CERTIFICATE_VERIFY_FAILED"):
            make_client(srv.url).request("GET", "/V1/orders/1")
        assert srv.requests == []
    finally:
        srv.close()


def test_certificate_trusted_through_ssl_cert_file(
    tmp_path: Path, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``SSL_CERT_FILE`` names the trust store, as it did with httpx."""
    tls, _ = self_signed_tls(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "smtp-cert.pem"))
    srv = RawServer(tls=tls)
    try:
        assert make_client(srv.url).request("GET", "/V1/orders/1") == {}
        assert srv.connections == 1
    finally:
        srv.close()


def test_environment_proxy_sends_through_httpx(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A proxy named by the environment is honoured (httpx), unless NO_PROXY says no."""
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    proxied = open_transport("https://shop.example", 5, 2)
    direct = open_transport("http://shop.example", 5, 2)
    monkeypatch.setenv("NO_PROXY", "shop.example")
    bypassed = open_transport("https://shop.example", 5, 2)
    for transport in (proxied, direct, bypassed):
        transport.close()
    assert isinstance(proxied, HttpxTransport)
    assert isinstance(direct, PooledTransport)
    assert isinstance(bypassed, PooledTransport)
