"""The webhook channel: one JSON POST per alert (Slack/Teams ``text`` + structured fields).

The only module of the alerts package that uses httpx (STYLE S2.2). Its errors are
translated here, once, into ``AlertDeliveryError``; the URL is never put in an error
message because Slack and Teams webhook URLs carry their token.
"""

from __future__ import annotations

import httpx

from bridge.alerts.messages import AlertMessage
from bridge.errors import AlertDeliveryError

__all__ = ["WebhookChannel"]


class WebhookChannel:
    """Posts alerts as JSON to a webhook URL.

    Args:
        url: The webhook URL (a credential; never logged).
        timeout_seconds: Connect and read timeout of one POST.
        transport: An httpx transport (tests); default is a real connection.
    """

    name = "webhook"

    def __init__(
        self,
        url: str,
        *,
        timeout_seconds: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._url = url
        self._client = httpx.Client(
            timeout=timeout_seconds,
            transport=transport,
            headers={"User-Agent": "bridge-alerts"},
            follow_redirects=False,
        )

    def send(self, message: AlertMessage) -> None:
        """POST the message; 2xx is success.

        Raises:
            AlertDeliveryError: Any other status, a timeout or a connection error.
        """
        try:
            response = self._client.post(self._url, json=message.webhook_payload())
        except httpx.HTTPError as exc:
            # str(exc) of some httpx errors names the URL: keep only the class name.
            raise AlertDeliveryError(
                f"webhook: {type(exc).__name__}", channel=self.name
            ) from exc
        if not response.is_success:
            raise AlertDeliveryError(
                f"webhook: HTTP {response.status_code}", channel=self.name
            )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
