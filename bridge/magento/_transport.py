"""How the client's requests reach Magento: a pool of ``http.client`` connections.

httpx, httpcore and h11 cost about three times the CPU of the exchange itself on
every request (docs/performance.md, "Product writes"), so the client sends through
the standard library's ``http.client`` with a small pool of kept-alive connections
per origin. What httpx gave the client stays: one timeout for connect and each read
or write, certificate checks with httpx's trust store (``httpx.create_ssl_context``),
``gzip``/``deflate`` answers, no redirects followed, and a connection the server
closed while idle is never reused (checked with a zero-timeout poll before each
reuse, as httpcore does).

Failures are raised as httpx's exception classes (``ConnectError``, ``ReadTimeout``,
``RemoteProtocolError`` ...), the vocabulary of the transport seam: the unit tests'
``httpx.MockTransport`` (behind ``HttpxTransport``) raises the same ones, and the
client translates them into bridge errors in one place (S4.2). ``HttpxTransport``
also carries a process whose environment names a proxy for Magento (``HTTPS_PROXY``
...), which httpx honours and this pool does not speak.
"""

from __future__ import annotations

import http.client
import select
import ssl
import threading
import urllib.request
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import httpx

__all__ = ["Answer", "HttpxTransport", "PooledTransport", "Transport", "open_transport"]

_Key = tuple[str, str]
#: What a network failure raises in ``http.client`` (a bad URL or a misuse of the
#: connection is a bug and propagates as it is).
_FAILURES = (
    OSError,
    http.client.BadStatusLine,
    http.client.IncompleteRead,
    http.client.LineTooLong,
)


@dataclass(frozen=True, slots=True)
class Answer:
    """Magento's answer to one request, read whole.

    Attributes:
        method: The request's method.
        url: The request's URL as sent.
        status: The HTTP status.
        content: The body, decompressed.
        retry_after: The ``Retry-After`` header, if any.
        location: The ``Location`` header, if any.
    """

    method: str
    url: str
    status: int
    content: bytes
    retry_after: str | None = None
    location: str | None = None

    @classmethod
    def of(cls, response: httpx.Response) -> Answer:
        """The answer an ``httpx.Response`` (read, with its request) holds."""
        request = response.request
        return cls(
            method=request.method,
            url=str(request.url),
            status=response.status_code,
            content=response.content,
            retry_after=response.headers.get("Retry-After"),
            location=response.headers.get("Location"),
        )


class Transport(Protocol):
    """Sends one request and reads the whole answer."""

    def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> Answer:
        """Send ``method url`` and return the answer.

        Raises:
            httpx.TransportError: No answer came (``httpx.TimeoutException`` for a
                timeout).
        """
        ...

    def close(self) -> None:
        """Close every connection."""
        ...


class PooledTransport:
    """Kept-alive ``http.client`` connections, at most ``max_idle`` idle per origin.

    Thread-safe: a connection is used by one thread at a time; the client's own
    semaphore bounds how many are in use.

    Args:
        timeout: Seconds for connecting and for each read or write.
        max_idle: Idle connections kept per origin (``magento.concurrency``).
    """

    def __init__(self, timeout: float, max_idle: int) -> None:
        self._timeout = timeout
        self._max_idle = max_idle
        self._idle: dict[_Key, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None

    def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> Answer:
        """Send one request on an idle or new connection and read the answer."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        target = f"{parts.path}?{parts.query}" if parts.query else parts.path
        conn = self._checkout(key) or self._connect(parts.scheme, parts.netloc)
        try:
            conn.request(method, target or "/", body=body, headers=headers)
        except _FAILURES as exc:
            conn.close()
            raise _translated(exc, httpx.WriteTimeout, httpx.WriteError) from exc
        except BaseException:
            conn.close()
            raise
        try:
            response = conn.getresponse()
            content = response.read()
        except _FAILURES as exc:
            conn.close()
            raise _translated(exc, httpx.ReadTimeout, httpx.ReadError) from exc
        except BaseException:
            conn.close()
            raise
        if response.will_close:
            conn.close()
        else:
            self._checkin(key, conn)
        return Answer(
            method=method,
            url=url,
            status=response.status,
            content=_decoded(content, response.getheader("Content-Encoding")),
            retry_after=response.getheader("Retry-After"),
            location=response.getheader("Location"),
        )

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    def _checkout(self, key: _Key) -> http.client.HTTPConnection | None:
        """An idle connection to ``key`` that the server has not closed, if any."""
        while True:
            with self._lock:
                conns = self._idle.get(key)
                if not conns:
                    return None
                conn = conns.pop()
            if not _dropped(conn):
                return conn
            conn.close()

    def _checkin(self, key: _Key, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            conns = self._idle.setdefault(key, [])
            if len(conns) < self._max_idle:
                conns.append(conn)
                return
        conn.close()

    def _connect(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        """A new connection, connected (so a refusal is told from a read error)."""
        conn: http.client.HTTPConnection
        if scheme == "https":
            conn = http.client.HTTPSConnection(
                netloc, timeout=self._timeout, context=self._tls_context()
            )
        elif scheme == "http":
            conn = http.client.HTTPConnection(netloc, timeout=self._timeout)
        else:
            raise httpx.UnsupportedProtocol(f"no HTTP transport for {scheme!r} URLs")
        try:
            conn.connect()
        except _FAILURES as exc:
            conn.close()
            raise _translated(exc, httpx.ConnectTimeout, httpx.ConnectError) from exc
        return conn

    def _tls_context(self) -> ssl.SSLContext:
        """The TLS context with httpx's certificate checks (certifi), made once."""
        with self._lock:
            if self._tls is None:
                self._tls = httpx.create_ssl_context()
            return self._tls


class HttpxTransport:
    """An ``httpx.Client`` behind the ``Transport`` interface.

    Used for an ``httpx`` transport handed to the client (``httpx.MockTransport`` in
    unit tests, counting transports in benchmarks) and for a proxy named by the
    environment.

    Args:
        transport: The httpx transport, or None for httpx's own (with proxies).
        timeout: Seconds for connecting and for each read or write.
        max_connections: The size of httpx's pool.
    """

    def __init__(
        self,
        transport: httpx.BaseTransport | None,
        timeout: float,
        max_connections: int,
    ) -> None:
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_connections,
            ),
            follow_redirects=False,
        )

    def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> Answer:
        """Send through httpx and return the answer."""
        return Answer.of(
            self._http.request(method, url, content=body, headers=dict(headers))
        )

    def close(self) -> None:
        """Close httpx's pool."""
        self._http.close()


def open_transport(
    base_url: str,
    timeout: float,
    concurrency: int,
    given: httpx.BaseTransport | None = None,
) -> Transport:
    """The transport for a client of ``base_url``.

    Args:
        base_url: ``magento.base_url`` (decides whether a proxy applies).
        timeout: Seconds for connecting and for each read or write.
        concurrency: How many requests may be in flight (the pool's size).
        given: An httpx transport to send through instead (tests, benchmarks).

    Returns:
        ``HttpxTransport`` for ``given`` or an environment proxy, else the pool.
    """
    if given is not None or _proxied(base_url):
        return HttpxTransport(given, timeout, concurrency)
    return PooledTransport(timeout, concurrency)


def _proxied(url: str) -> bool:
    """Whether the environment names a proxy that httpx would use for ``url``."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    if not (proxies.get(parts.scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(parts.hostname or "")


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """Whether an idle connection was closed by the server (or sent stray bytes)."""
    sock = conn.sock
    if sock is None:
        return True
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


def _translated(
    exc: BaseException,
    timeout: type[httpx.TimeoutException],
    failure: type[httpx.TransportError],
) -> httpx.TransportError:
    """The httpx exception that means what a ``_FAILURES`` exception means."""
    if isinstance(exc, TimeoutError):
        return timeout(str(exc) or "timed out")
    # RemoteDisconnected is a ConnectionResetError *and* a BadStatusLine.
    if isinstance(exc, http.client.RemoteDisconnected):
        return httpx.RemoteProtocolError(
            "Server disconnected without sending a response."
        )
    if isinstance(exc, http.client.HTTPException):
        return httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}")
    return failure(str(exc) or type(exc).__name__)


def _decoded(content: bytes, encoding: str | None) -> bytes:
    """``content`` decompressed per ``Content-Encoding``; as it came if unreadable.

    A body that claims ``gzip`` but is not becomes an answer that cannot be read,
    which the client handles like any other (a 2xx that is not JSON).
    """
    if not encoding or not content:
        return content
    kind = encoding.strip().lower()
    try:
        if kind in ("gzip", "x-gzip"):
            return zlib.decompress(content, 16 + zlib.MAX_WBITS)
        if kind == "deflate":
            try:
                return zlib.decompress(content)
            except zlib.error:
                return zlib.decompress(content, -zlib.MAX_WBITS)  # raw deflate
    except zlib.error:
        return content
    return content
