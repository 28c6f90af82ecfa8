"""The e-mail channel: one plain-text message per alert over SMTP (STARTTLS optional).

smtplib and socket errors are translated here, once, into ``AlertDeliveryError``. A
connection is opened per alert: alerts are rare and throttled, and a long-lived SMTP
session would only time out between them.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pydantic import SecretStr

from bridge.alerts.messages import AlertMessage
from bridge.errors import AlertDeliveryError

__all__ = ["SmtpChannel"]


class SmtpChannel:
    """Sends alerts as e-mail.

    Args:
        host: The SMTP server.
        port: Its port.
        sender: The From address.
        recipients: The To addresses.
        username: Login name; empty means no login.
        password: Login password.
        starttls: Upgrade the connection with STARTTLS before login and sending.
        timeout_seconds: Socket timeout.
        tls_context: The TLS context for STARTTLS (tests pass one trusting their CA).
    """

    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        recipients: list[str],
        username: str = "",
        password: SecretStr | None = None,
        starttls: bool = False,
        timeout_seconds: float = 10.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._recipients = list(recipients)
        self._username = username
        self._password = password or SecretStr("")
        self._starttls = starttls
        self._timeout = timeout_seconds
        self._tls = tls_context

    def build(self, message: AlertMessage) -> EmailMessage:
        """The e-mail for ``message`` (subject line, plain-text body)."""
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = self._sender
        mail["To"] = ", ".join(self._recipients)
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        mail["Message-ID"] = make_msgid(domain=self._sender.rpartition("@")[2] or None)
        mail["X-Bridge-Alert-Key"] = message.key
        mail.set_content(message.text + "\n")
        return mail

    def send(self, message: AlertMessage) -> None:
        """Deliver the message to every recipient.

        Raises:
            AlertDeliveryError: The server is unreachable, refuses STARTTLS, the login
                or a recipient.
        """
        mail = self.build(message)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls(context=self._tls or ssl.create_default_context())
                if self._username:
                    smtp.login(self._username, self._password.get_secret_value())
                smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as exc:
            # smtplib's messages hold the server's reply, never our password.
            raise AlertDeliveryError(
                f"email: {type(exc).__name__}: {exc}", channel=self.name
            ) from exc
