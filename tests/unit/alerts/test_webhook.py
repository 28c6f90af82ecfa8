"""The webhook channel against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from bridge.alerts import WebhookChannel, file_failed, render_message
from bridge.alerts.messages import AlertMessage
from bridge.errors import AlertDeliveryError
from tests.unit.alerts._receivers import WebhookReceiver


def _message() -> AlertMessage:
    event = file_failed(
        kind="products", name="p.csv", reason="line 2, field price: bad", file_id=7
    )
    return render_message(
        event,
        console_url="http://127.0.0.1:8081",
        host="gw1",
        occurred_at=datetime(2026, 11, 28, 10, 0, tzinfo=UTC),
    )


def test_posts_json_with_text_and_fields(webhook: WebhookReceiver) -> None:
    """One POST carries a Slack/Teams `text` plus the structured fields as JSON."""
    channel = WebhookChannel(webhook.url)
    channel.send(_message())
    channel.close()
    [payload] = webhook.payloads()
    assert payload["text"].startswith("[bridge] file failed: p.csv")
    assert "Console: http://127.0.0.1:8081/files/7" in payload["text"]
    assert payload["event"] == "file_failed"
    assert payload["link"] == "http://127.0.0.1:8081/files/7"
    assert payload["details"]["reason"] == "line 2, field price: bad"
    assert webhook.headers[0]["Content-Type"] == "application/json"


def test_server_error_raises_delivery_error(webhook: WebhookReceiver) -> None:
    """A 500 answer is a failed delivery, and the error does not name the URL."""
    webhook.mode = "fail"
    channel = WebhookChannel(webhook.url)
    with pytest.raises(AlertDeliveryError) as info:
        channel.send(_message())
    channel.close()
    assert "HTTP 500" in str(info.value)
    assert "T0K3N" not in str(info.value)


def test_unreachable_receiver_raises_delivery_error() -> None:
    """A refused connection is a failed delivery that does not leak the URL's token."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    channel = WebhookChannel(f"http://127.0.0.1:{port}/hook/S3CRET", timeout_seconds=2)
    with pytest.raises(AlertDeliveryError) as info:
        channel.send(_message())
    channel.close()
    assert info.value.channel == "webhook"
    assert "S3CRET" not in str(info.value)
