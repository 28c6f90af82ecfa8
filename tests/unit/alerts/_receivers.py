"""Real receivers for alert tests: an HTTP webhook endpoint and an SMTP server.

The webhook receiver is ``http.server`` on 127.0.0.1 with an ephemeral port; it can
answer 200, answer 500, or hang until released. The SMTP server is aiosmtpd's
``Controller`` (a real SMTP implementation, optionally with STARTTLS and AUTH).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd import smtp as aiosmtp
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class WebhookReceiver:
    """An HTTP server recording every POST; ``mode`` is ``ok``, ``fail`` or ``hang``."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.failures = 0  # answer 500 to this many requests first, then follow mode
        self.bodies: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        self.release = threading.Event()
        self.received = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.bodies.append(body)
                receiver.headers.append(dict(self.headers.items()))
                receiver.received.set()
                if receiver.mode == "hang":
                    receiver.release.wait(30)
                status = 500 if receiver.mode == "fail" else 200
                if receiver.failures > 0:
                    receiver.failures -= 1
                    status = 500
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = (
            f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T0K3N-in-path"
        )
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )

    def start(self) -> None:
        """Serve in a daemon thread."""
        self.thread.start()

    def stop(self) -> None:
        """Release hanging requests and stop serving."""
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def payloads(self) -> list[dict[str, Any]]:
        """Every JSON body received so far."""
        return [json.loads(b) for b in self.bodies]


class _Inbox:
    """aiosmtpd handler keeping every message."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.received = threading.Event()

    async def handle_DATA(  # noqa: N802 - the name aiosmtpd calls
        self, server: aiosmtp.SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        self.raw.append(content)
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        self.received.set()
        return "250 Message accepted for delivery"


class SmtpReceiver:
    """aiosmtpd on 127.0.0.1 (ephemeral port), with optional STARTTLS and AUTH."""

    def __init__(
        self,
        *,
        tls: ssl.SSLContext | None = None,
        login: tuple[str, str] | None = None,
    ) -> None:
        self.inbox = _Inbox()
        self.login = login
        kwargs: dict[str, Any] = {}
        if tls is not None:
            kwargs.update(tls_context=tls, require_starttls=True)
        if login is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True)
            kwargs["auth_require_tls"] = tls is not None
        # aiosmtpd's Controller connects to its own port to check that it started, so
        # port 0 cannot be used: take a free ephemeral port from the kernel instead.
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=_free_port(), **kwargs
        )

    def _authenticate(
        self,
        server: aiosmtp.SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and self.login == (
            auth_data.login.decode(),
            auth_data.password.decode(),
        )
        return AuthResult(success=ok, handled=False)

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self.controller.port)

    def start(self) -> None:
        """Start the server thread."""
        self.controller.start()

    def stop(self) -> None:
        """Stop the server thread."""
        self.controller.stop()

    def messages(self) -> list[Message]:
        """Every e-mail received, parsed."""
        return [message_from_bytes(raw) for raw in self.inbox.raw]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed_tls(tmp: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a fresh self-signed cert for 127.0.0.1 and a client trusting it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path = tmp / "smtp-cert.pem"
    key_path = tmp / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client
