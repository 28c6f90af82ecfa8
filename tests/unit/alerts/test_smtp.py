"""The e-mail channel against a real SMTP server (aiosmtpd), with and without STARTTLS."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from bridge.alerts import SmtpChannel, order_export_failed, render_message
from bridge.alerts.messages import AlertMessage
from bridge.errors import AlertDeliveryError
from tests.unit.alerts._receivers import SmtpReceiver, self_signed_tls


def _message() -> AlertMessage:
    event = order_export_failed(order_number="000000042", reason="no billing address")
    return render_message(
        event,
        console_url=None,
        host="gw1",
        occurred_at=datetime(2026, 11, 28, 10, 0, tzinfo=UTC),
    )


def test_plain_smtp_delivers_subject_and_body(smtp: SmtpReceiver) -> None:
    """The alert arrives with its title as subject and its text as body, to every recipient."""
    channel = SmtpChannel(
        "127.0.0.1",
        smtp.port,
        sender="bridge@shop.example",
        recipients=["ops@shop.example", "erp@shop.example"],
    )
    channel.send(_message())
    [mail] = smtp.messages()
    assert mail["Subject"] == "[bridge] order cannot be exported: order 000000042"
    assert mail["X-Bridge-Alert-Key"] == "order_export_failed:000000042"
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert b"What to do: Look at order 000000042" in body
    assert smtp.inbox.envelopes == [
        ("bridge@shop.example", ["ops@shop.example", "erp@shop.example"])
    ]


def test_starttls_and_login(tmp_path: Path) -> None:
    """With STARTTLS and a login the server accepts the alert; the password is not in it."""
    server_tls, client_tls = self_signed_tls(tmp_path)
    receiver = SmtpReceiver(tls=server_tls, login=("bridge", "pa55-w0rd"))
    receiver.start()
    try:
        channel = SmtpChannel(
            "127.0.0.1",
            receiver.port,
            sender="bridge@shop.example",
            recipients=["ops@shop.example"],
            username="bridge",
            password=SecretStr("pa55-w0rd"),
            starttls=True,
            tls_context=client_tls,
        )
        channel.send(_message())
    finally:
        receiver.stop()
    assert len(receiver.inbox.raw) == 1
    assert b"pa55-w0rd" not in receiver.inbox.raw[0]


def test_wrong_password_raises_delivery_error(tmp_path: Path) -> None:
    """A refused login is a failed delivery naming the channel."""
    server_tls, client_tls = self_signed_tls(tmp_path)
    receiver = SmtpReceiver(tls=server_tls, login=("bridge", "right"))
    receiver.start()
    try:
        channel = SmtpChannel(
            "127.0.0.1",
            receiver.port,
            sender="bridge@shop.example",
            recipients=["ops@shop.example"],
            username="bridge",
            password=SecretStr("wrong"),
            starttls=True,
            tls_context=client_tls,
        )
        with pytest.raises(AlertDeliveryError) as info:
            channel.send(_message())
    finally:
        receiver.stop()
    assert info.value.channel == "email"
    assert "SMTPAuthenticationError" in str(info.value)
    assert receiver.inbox.raw == []


def test_server_down_raises_delivery_error() -> None:
    """No server listening is a failed delivery, not a crash."""
    receiver = SmtpReceiver()
    receiver.start()
    port = receiver.port
    receiver.stop()
    channel = SmtpChannel(
        "127.0.0.1",
        port,
        sender="b@x.example",
        recipients=["o@x.example"],
        timeout_seconds=2,
    )
    with pytest.raises(AlertDeliveryError):
        channel.send(_message())
