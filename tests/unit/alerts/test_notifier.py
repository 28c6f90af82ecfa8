"""Alerts.notify: throttled per key, never blocking, retried in the background, nothing secret."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from structlog.testing import capture_logs

from bridge.alerts import (
    AlertEvent,
    Alerts,
    DeliveryObserver,
    RetryPolicy,
    WebhookChannel,
    build_alerts,
    file_failed,
    magento_credentials_refused,
    magento_unreachable,
)
from bridge.alerts.messages import AlertMessage
from bridge.config import load_config
from tests.unit.alerts._receivers import SmtpReceiver, WebhookReceiver

FAST = RetryPolicy(attempts=3, initial_seconds=0.01, max_seconds=0.05)


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _alerts(
    url: str,
    *,
    min_interval_seconds: float = 300.0,
    monotonic: Callable[[], float] = time.monotonic,
    observe: DeliveryObserver | None = None,
) -> Alerts:
    return Alerts(
        [WebhookChannel(url, timeout_seconds=5)],
        retry=FAST,
        min_interval_seconds=min_interval_seconds,
        monotonic=monotonic,
        observe=observe,
    )


def _timed(alerts: Alerts, events: list[AlertEvent]) -> list[float]:
    took = []
    for event in events:
        start = time.perf_counter()
        assert alerts.notify(event)
        took.append(time.perf_counter() - start)
    return took


def test_hanging_webhook_does_not_delay_notify(webhook: WebhookReceiver) -> None:
    """While the receiver hangs on the first POST, notify() still returns in milliseconds."""
    webhook.mode = "hang"
    alerts = _alerts(webhook.url)
    alerts.notify(file_failed(kind="stock", name="first.csv", reason="x"))
    assert webhook.received.wait(5)
    events = [file_failed(kind="stock", name=f"{n}.csv", reason="x") for n in range(20)]
    took = _timed(alerts, events)
    webhook.release.set()
    # A blocking notify() would wait for the 5 s timeout; the median shows the normal
    # cost and the maximum allows for a scheduler hiccup on a loaded machine.
    assert statistics.median(took) < 0.005, took
    assert max(took) < 0.25, took
    assert alerts.flush(15)
    assert len(webhook.bodies) == 21
    alerts.close()


def test_failing_webhook_does_not_delay_notify(webhook: WebhookReceiver) -> None:
    """While every POST is answered 500 and retried, notify() still returns in milliseconds."""
    webhook.mode = "fail"
    alerts = _alerts(webhook.url)
    events = [file_failed(kind="stock", name=f"{n}.csv", reason="x") for n in range(20)]
    took = _timed(alerts, events)
    assert statistics.median(took) < 0.005, took
    assert max(took) < 0.25, took
    alerts.close(timeout=0.5)


def test_failing_webhook_is_retried_logged_then_dropped(
    webhook: WebhookReceiver,
) -> None:
    """A receiver answering 500 gets every attempt, each logged, then a drop is logged."""
    webhook.mode = "fail"
    outcomes: list[tuple[str, str]] = []
    alerts = _alerts(webhook.url, observe=lambda c, o: outcomes.append((c, o)))
    with capture_logs() as logs:
        start = time.perf_counter()
        alerts.notify(file_failed(kind="stock", name="s.csv", reason="bad"))
        assert time.perf_counter() - start < 0.05
        assert alerts.flush(10)
    events = [e["event"] for e in logs if e["event"].startswith("alert_")]
    assert events == ["alert_failed"] * 3 + ["alert_dropped"]
    assert [e["attempt"] for e in logs if e["event"] == "alert_failed"] == [1, 2, 3]
    assert len(webhook.bodies) == 3
    assert outcomes == [("webhook", "failed")] * 3 + [("webhook", "dropped")]
    alerts.close()


def test_delivery_succeeds_after_a_failure(webhook: WebhookReceiver) -> None:
    """One 500 answer is retried and the alert arrives on the next attempt."""
    webhook.failures = 1
    alerts = _alerts(webhook.url)
    with capture_logs() as logs:
        alerts.notify(file_failed(kind="stock", name="s.csv", reason="bad"))
        assert alerts.flush(10)
    assert [e["event"] for e in logs if e["event"].startswith("alert_")] == [
        "alert_failed",
        "alert_sent",
    ]
    assert len(webhook.bodies) == 2
    alerts.close()


def test_same_key_sent_once_per_interval(webhook: WebhookReceiver) -> None:
    """Within min_interval_seconds a key is sent once; after it, again with the held-back count."""
    clock = _Clock()
    alerts = _alerts(webhook.url, min_interval_seconds=300, monotonic=clock)
    event = magento_unreachable(base_url="http://m", error="HTTP 503")
    assert alerts.notify(event)
    clock.now += 100
    assert not alerts.notify(event)
    assert not alerts.notify(event)
    assert alerts.notify(file_failed(kind="stock", name="a.csv", reason="bad"))
    clock.now += 201
    assert alerts.notify(event)
    assert alerts.flush(10)
    keys = [p["key"] for p in webhook.payloads()]
    assert keys == [
        "magento_unreachable",
        "file_failed:stock/a.csv",
        "magento_unreachable",
    ]
    last = webhook.payloads()[2]
    assert last["suppressed"] == 2
    assert "2 more alert(s) like this were held back" in last["text"]
    alerts.close()


def test_no_channel_means_nothing_sent() -> None:
    """With neither webhook nor SMTP configured, alerts are off and notify() sends nothing."""
    alerts = build_alerts(load_config(None))
    assert not alerts.enabled
    assert not alerts.notify(magento_unreachable(base_url="http://m", error="x"))
    alerts.close()


class _BuggyChannel:
    name = "buggy"

    def __init__(self) -> None:
        self.sent: list[AlertMessage] = []

    def send(self, message: AlertMessage) -> None:
        if not self.sent:
            self.sent.append(message)
            raise RuntimeError("bug in a channel")
        self.sent.append(message)


def test_a_channel_bug_is_logged_and_alerting_goes_on() -> None:
    """An unexpected exception in a channel is logged with its traceback; later alerts still go."""
    channel = _BuggyChannel()
    alerts = Alerts([channel], retry=FAST)
    with capture_logs() as logs:
        alerts.notify(magento_unreachable(base_url="http://m", error="x"))
        alerts.notify(file_failed(kind="stock", name="a.csv", reason="bad"))
        assert alerts.flush(10)
    assert [e["event"] for e in logs if e["event"] == "unexpected_error"] == [
        "unexpected_error"
    ]
    assert len(channel.sent) == 2
    alerts.close()


def test_nothing_secret_in_delivered_alerts(
    tmp_path: Path, webhook: WebhookReceiver, smtp: SmtpReceiver
) -> None:
    """Token, passwords, OAuth keys and the webhook URL never reach a receiver, even if echoed."""
    secrets = {
        "token": "tok-9f8e7d6c5b4a",
        "consumer_secret": "csec-1a2b3c4d",
        "sftp": "sftp-pw-77aa88bb",
        "smtp": "smtp-pw-55cc66dd",
    }
    cfg = tmp_path / "bridge.toml"
    cfg.write_text(
        f'[magento]\ntoken = "{secrets["token"]}"\n'
        f'consumer_secret = "{secrets["consumer_secret"]}"\n'
        f'[sftp]\npassword = "{secrets["sftp"]}"\n'
        f'[http]\nlisten = "127.0.0.1:8081"\n'
        f'[alerts]\nwebhook_url = "{webhook.url}"\nsmtp_host = "127.0.0.1"\n'
        f"smtp_port = {smtp.port}\n"
        f'smtp_from = "bridge@shop.example"\nsmtp_to = ["ops@shop.example"]\n'
        f'smtp_password = "{secrets["smtp"]}"\n'
    )
    alerts = build_alerts(load_config(cfg), retry=FAST)
    leaky = " ".join(secrets.values()) + f" via {webhook.url}"
    alerts.notify(
        magento_credentials_refused(
            base_url="http://127.0.0.1:8080",
            status_code=401,
            error=f"Authorization: Bearer {secrets['token']} refused ({leaky})",
        )
    )
    alerts.notify(file_failed(kind="products", name="p.csv", reason=leaky, file_id=3))
    assert alerts.flush(15)
    alerts.close()
    delivered = b"".join(webhook.bodies) + b"".join(smtp.inbox.raw)
    assert len(webhook.bodies) == 2
    assert len(smtp.inbox.raw) == 2
    for value in [*secrets.values(), webhook.url, "T0K3N-in-path"]:
        assert value.encode() not in delivered, value
    assert b"[redacted]" in delivered
    assert b"http://127.0.0.1:8081/files/3" in delivered


def test_close_delivers_what_is_queued(webhook: WebhookReceiver) -> None:
    """close() waits for queued alerts, then ends the delivery threads."""
    alerts = _alerts(webhook.url)
    for n in range(3):
        alerts.notify(file_failed(kind="stock", name=f"{n}.csv", reason="bad"))
    alerts.close(timeout=10)
    assert len(webhook.bodies) == 3


def test_zero_interval_sends_every_alert(webhook: WebhookReceiver) -> None:
    """min_interval_seconds = 0 turns the throttle off."""
    alerts = _alerts(webhook.url, min_interval_seconds=0.0)
    event = magento_unreachable(base_url="http://m", error="x")
    assert alerts.notify(event)
    assert alerts.notify(event)
    alerts.close(timeout=10)
    assert len(webhook.bodies) == 2


def test_notify_after_close_sends_nothing(webhook: WebhookReceiver) -> None:
    """Once closed, notify() returns False instead of queueing for stopped threads."""
    alerts = _alerts(webhook.url)
    alerts.close()
    assert not alerts.notify(magento_unreachable(base_url="http://m", error="x"))
    assert webhook.bodies == []
