"""A real HTTP/1.1 server on 127.0.0.1 whose answers are scripted, byte for byte.

The sandbox answers like Magento; this server answers like a broken network or an
odd web server in front of Magento (a keep-alive connection closed while idle, a
garbled status line, gzip, no answer at all), so the client's transport is tested on
real sockets.
"""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
from collections.abc import Callable

#: Given the connection and the raw request, answer; return False to close it.
Answer = Callable[[socket.socket, bytes], bool]


def reply(
    status: int = 200,
    body: bytes = b"{}",
    *,
    headers: dict[str, str] | None = None,
    close: bool = False,
    compress: bool = False,
) -> Answer:
    """An answer with ``status`` and ``body``; ``close`` closes the socket after it."""

    def send(conn: socket.socket, request: bytes) -> bool:
        payload = gzip.compress(body) if compress else body
        head = {"Content-Type": "application/json", "Content-Length": str(len(payload))}
        if compress:
            head["Content-Encoding"] = "gzip"
        head.update(headers or {})
        lines = "".join(f"{k}: {v}\r\n" for k, v in head.items())
        conn.sendall(f"HTTP/1.1 {status} X\r\n{lines}\r\n".encode() + payload)
        return not close

    return send


def raw(data: bytes) -> Answer:
    """Send ``data`` as it is, then close the connection."""

    def send(conn: socket.socket, request: bytes) -> bool:
        conn.sendall(data)
        return False

    return send


def silent(seconds: float) -> Answer:
    """Answer nothing for ``seconds``, then close the connection."""

    def wait(conn: socket.socket, request: bytes) -> bool:
        threading.Event().wait(seconds)
        return False

    return wait


class RawServer:
    """Serves queued answers in order (the default one when the queue is empty).

    ``closed`` is released each time the server has closed a connection.

    Args:
        tls: A server TLS context, for ``https://``.
    """

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.answers: list[Answer] = []
        self.default: Answer = reply()
        self.requests: list[bytes] = []
        self.connections = 0
        self.closed = threading.Semaphore(0)
        self._tls = tls
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        """Stop listening."""
        self._sock.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self._tls is not None:
                conn = self._tls.wrap_socket(conn, server_side=True)
            while (request := _read_request(conn)) is not None:
                with self._lock:
                    self.requests.append(request)
                    answer = self.answers.pop(0) if self.answers else self.default
                if not answer(conn, request):
                    break
        except OSError:
            pass  # the client gave up (a refused certificate, a timeout)
        finally:
            conn.close()
            self.closed.release()


def _read_request(conn: socket.socket) -> bytes | None:
    """One request's head and body, or None when the client closed the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body
