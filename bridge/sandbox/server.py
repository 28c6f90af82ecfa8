"""The sandbox HTTP server: a local Magento 2.4 REST stand-in on a real port.

Built on the standard library's :class:`http.server.ThreadingHTTPServer` with the
small router in :mod:`bridge.sandbox._router` rather than a web framework, because
fault injection works at the socket level: dropping a connection without any
answer, or answering only after the work is done, needs direct control of the
connection, which frameworks (and their ASGI servers) hide. The server speaks
HTTP/1.1 with keep-alive so clients exercise connection pooling as with a real shop.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import structlog

from bridge.sandbox._app import Reply, SandboxApp
from bridge.sandbox._auth import Authenticator, OAuthKeys
from bridge.sandbox._faults import RequestLog
from bridge.sandbox._helpers import router as helper_router
from bridge.sandbox._seed import seed_orders
from bridge.sandbox._state import Shop, magento_time, utc_now

log = structlog.get_logger(__name__)
DEFAULT_TOKEN = "sandbox-token"  # noqa: S105 - a well-known demo token, not a secret
MAX_BODY_BYTES = 50 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, asks the app, writes (or withholds) the answer."""

    protocol_version = "HTTP/1.1"
    server: _HttpServer
    timeout = 60

    def setup(self) -> None:
        """Disable Nagle: headers and body are separate writes (no 40 ms ACK stalls)."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        """Serve GET."""
        self._serve()

    def do_POST(self) -> None:
        """Serve POST."""
        self._serve()

    def do_PUT(self) -> None:
        """Serve PUT."""
        self._serve()

    def do_DELETE(self) -> None:
        """Serve DELETE."""
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: requests are in ``GET /sandbox/requests``."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.send_error(413)
            return
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:
            # The client went away mid-body (killed, connection cut). A web server in
            # front of Magento never hands PHP a truncated request: nothing is done.
            self.close_connection = True
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        host = (
            headers.get("host")
            or f"{self.server.server_name}:{self.server.server_port}"
        )
        reply = self.server.app.handle(
            self.command, self.path, headers, raw, f"http://{host}"
        )
        if reply.drop:
            self._drop()
        else:
            self._send(reply)

    def _drop(self) -> None:
        """Close the connection without a single byte of answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, reply: Reply) -> None:
        payload = (
            reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
        )
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: SandboxApp) -> None:
        self.app = app
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (timeout, drop) is normal; anything else is logged."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        log.error("sandbox_request_failed", client=str(client_address), exc_info=error)


class SandboxServer:
    """The local Magento stand-in (SPEC §6).

    Example:
        >>> server = SandboxServer(port=0, token="t")
        >>> server.start(); server.url  # doctest: +SKIP
        'http://127.0.0.1:54321'

    Args:
        host: Interface to bind.
        port: TCP port; 0 picks a free one (read ``url`` after binding).
        token: Bearer token accepted; None together with ``oauth=None`` disables auth.
        oauth: Integration keys accepted as OAuth 1.0a HMAC-SHA256 signatures.
        input_limit: Magento's web API input limits (20 array items, page sizes).
        state_file: JSON file the shop is loaded from and saved to after each write.
        seed_orders: Realistic orders to place at start (on an empty shop).
        record_file: JSONL file every request/response is appended to, for contract
            checks across test sessions.
        now: Clock returning an aware UTC datetime (default: the system clock);
            every ``created_at``/``updated_at`` comes from it.
        rollback: Snapshot the shop before each write so a write that fails midway
            leaves no trace, as Magento's database transaction does. Benchmarks of
            big shops switch it off: the snapshot costs time in proportion to the shop.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = DEFAULT_TOKEN,
        oauth: OAuthKeys | None = None,
        input_limit: bool = True,
        state_file: Path | None = None,
        seed_orders: int = 0,
        record_file: Path | None = None,
        now: Callable[[], datetime] | None = None,
        rollback: bool = True,
    ) -> None:
        self.token = token
        self.shop = Shop(
            input_limit=input_limit,
            state_file=Path(state_file) if state_file else None,
            clock=utc_now if now is None else lambda: magento_time(now()),
        )
        self.app = SandboxApp(
            self.shop,
            Authenticator(token, oauth),
            RequestLog(Path(record_file) if record_file else None),
            helper_router,
            rollback=rollback,
        )
        self._httpd = _HttpServer((host, port), self.app)
        bound_host, bound_port = self._httpd.server_address[:2]
        self.host, self.port = str(bound_host), int(bound_port)
        self.url = f"http://{self.host}:{self.port}"
        self._thread: threading.Thread | None = None
        if seed_orders and not self.shop.data["orders"]:
            with self.shop.lock:
                seed_orders_into(self.shop, seed_orders)

    def start(self) -> None:
        """Serve in a daemon thread; returns at once."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="bridge-sandbox", daemon=True
        )
        self._thread.start()

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted; closes the socket on exit."""
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def reset(self) -> None:
        """Empty the shop, clear faults and the request log, restore default config."""
        with self.shop.lock:
            self.shop.reset()
        self.app.faults.configure({})
        self.app.requests.clear()
        self.app.auth.revoked = False

    @property
    def input_limit(self) -> bool:
        """Whether Magento's input limits are on."""
        return self.shop.input_limit

    @input_limit.setter
    def input_limit(self, value: bool) -> None:
        self.shop.input_limit = value

    def requests(self) -> list[dict[str, Any]]:
        """Return every request seen since the last reset (as /sandbox/requests)."""
        return self.app.requests.entries()


def seed_orders_into(shop: Shop, count: int) -> None:
    """Place ``count`` seed orders and save the state."""
    seed_orders(shop, count)
    shop.save()
