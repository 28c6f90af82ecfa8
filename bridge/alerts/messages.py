"""Turn an ``AlertEvent`` into the message every channel delivers.

One rendering for all channels: a plain ``text`` that reads well in Slack, Teams and
an e-mail body (what happened, where, what to do, the console link), plus the same
facts as structured fields for the webhook's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bridge.alerts.events import AlertEvent

__all__ = ["AlertMessage", "render_message"]


@dataclass(frozen=True)
class AlertMessage:
    """What a channel sends.

    Attributes:
        key: The alert key (throttled per key).
        subject: A one-line title (the e-mail subject).
        text: The whole message as plain text (Slack/Teams ``text``, e-mail body).
        fields: Structured facts for the webhook JSON, ``text`` excluded.
    """

    key: str
    subject: str
    text: str
    fields: dict[str, Any]

    def webhook_payload(self) -> dict[str, Any]:
        """The JSON body of the webhook POST: ``text`` first, then the fields."""
        return {"text": self.text, **self.fields}


_TITLES = {
    "file_failed": "file failed",
    "file_had_rejects": "file had rejects",
    "file_pending_too_long": "file pending too long",
    "magento_unreachable": "Magento unreachable",
    "magento_credentials_refused": "Magento refuses the credentials",
    "sftp_down": "SFTP down",
    "order_export_failed": "order cannot be exported",
    "invoice_amount_mismatch": "invoice amount differs from the ERP's",
}


def render_message(
    event: AlertEvent,
    *,
    console_url: str | None,
    host: str,
    occurred_at: datetime,
    suppressed: int = 0,
) -> AlertMessage:
    """Render ``event`` for delivery.

    Args:
        event: The event.
        console_url: ``http://host:port`` of the console, or None when it is off.
        host: This machine's name (several bridges may alert into one channel).
        occurred_at: When the event was noticed (timezone-aware).
        suppressed: How many alerts with the same key the throttle held back since
            the last one was sent.

    Returns:
        The message.
    """
    link = (
        console_url.rstrip("/") + event.link_path
        if console_url and event.link_path
        else None
    )
    subject = f"[bridge] {_TITLES[event.kind]}: {event.subject}"
    lines = [
        subject,
        f"What happened: {event.summary}",
        f"Where: {event.where} (host {host})",
        f"What to do: {event.action}",
    ]
    if link:
        lines.append(f"Console: {link}")
    if suppressed:
        lines.append(f"({suppressed} more alert(s) like this were held back.)")
    fields: dict[str, Any] = {
        "event": event.kind,
        "key": event.key,
        "severity": event.severity,
        "summary": event.summary,
        "where": event.where,
        "action": event.action,
        "link": link,
        "host": host,
        "occurred_at": occurred_at.isoformat(timespec="seconds"),
        "suppressed": suppressed,
        "details": dict(event.details),
    }
    return AlertMessage(
        key=event.key, subject=subject, text="\n".join(lines), fields=fields
    )
