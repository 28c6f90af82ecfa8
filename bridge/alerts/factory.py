"""Build ``Alerts`` from the settings: the channels that are configured, the console link.

The runtime calls ``build_alerts(settings)`` once at start-up and ``close()`` at exit.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from bridge.alerts._redact import secret_values
from bridge.alerts.notifier import Alerts, Channel, DeliveryObserver, RetryPolicy
from bridge.alerts.smtp import SmtpChannel
from bridge.alerts.webhook import WebhookChannel
from bridge.config import HttpSettings, Settings

__all__ = ["build_alerts", "console_url"]

_ANY_ADDRESS = {"0.0.0.0", "::", ""}  # noqa: S104 - compared with, never bound


def console_url(http: HttpSettings) -> str | None:
    """``http://host:port`` of the console for links, or None when ``listen`` is off.

    A wildcard address (``0.0.0.0``, ``::``) is replaced by this machine's name, which
    is what a reader of the alert can reach.
    """
    address = http.address
    if address is None:
        return None
    host, port = address
    if host in _ANY_ADDRESS:
        host = socket.gethostname()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def build_alerts(
    settings: Settings,
    *,
    observe: DeliveryObserver | None = None,
    retry: RetryPolicy | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> Alerts:
    """The notifier for ``settings``: webhook and/or e-mail, or none (alerts off).

    Args:
        settings: The bridge's settings; every secret in them is kept out of alerts.
        observe: Told of every delivery outcome (e.g. ``BridgeMetrics.observe_alert``).
        retry: Backoff for failed deliveries (default: 6 attempts, 2 s doubling to 2 min).
        monotonic: Clock for the throttle (tests).
    """
    cfg = settings.alerts
    channels: list[Channel] = []
    url = cfg.webhook_url.get_secret_value()
    if url:
        channels.append(WebhookChannel(url, timeout_seconds=cfg.timeout_seconds))
    if cfg.smtp_host:
        channels.append(
            SmtpChannel(
                cfg.smtp_host,
                cfg.smtp_port,
                sender=cfg.smtp_from,
                recipients=cfg.smtp_to,
                username=cfg.smtp_username,
                password=cfg.smtp_password,
                starttls=cfg.smtp_starttls,
                timeout_seconds=cfg.timeout_seconds,
            )
        )
    return Alerts(
        channels,
        min_interval_seconds=cfg.min_interval_seconds,
        console_url=console_url(settings.http),
        secrets=secret_values(settings),
        retry=retry,
        observe=observe,
        monotonic=monotonic,
    )
