"""Alerts of SPEC §8 by webhook and e-mail: throttled, never blocking, nothing secret.

The runtime builds one ``Alerts`` with ``build_alerts(settings)`` and calls
``alerts.notify(event)`` with an event from one of the constructors below
(``file_failed(...)``, ``magento_unreachable(...)``, ...); ``close()`` at shutdown.
"""

from __future__ import annotations

from bridge.alerts.events import (
    AlertEvent,
    EventKind,
    Severity,
    file_failed,
    file_had_rejects,
    file_pending_too_long,
    invoice_amount_mismatch,
    magento_credentials_refused,
    magento_unreachable,
    order_export_failed,
    sftp_down,
)
from bridge.alerts.factory import build_alerts, console_url
from bridge.alerts.messages import AlertMessage, render_message
from bridge.alerts.notifier import Alerts, Channel, DeliveryObserver, RetryPolicy
from bridge.alerts.smtp import SmtpChannel
from bridge.alerts.webhook import WebhookChannel

__all__ = [
    "AlertEvent",
    "AlertMessage",
    "Alerts",
    "Channel",
    "DeliveryObserver",
    "EventKind",
    "RetryPolicy",
    "Severity",
    "SmtpChannel",
    "WebhookChannel",
    "build_alerts",
    "console_url",
    "file_failed",
    "file_had_rejects",
    "file_pending_too_long",
    "invoice_amount_mismatch",
    "magento_credentials_refused",
    "magento_unreachable",
    "order_export_failed",
    "render_message",
    "sftp_down",
]
