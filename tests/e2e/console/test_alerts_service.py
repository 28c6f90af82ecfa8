"""Alerts end to end: a running service e-mails and posts a failed file, with its link."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import BridgeHome
from tests.e2e.console.conftest import (
    OPERATOR,
    Served,
    login,
    start_service,
    stop_service,
)
from tests.unit.alerts._receivers import SmtpReceiver, WebhookReceiver


@pytest.fixture
def receivers() -> Iterator[tuple[WebhookReceiver, SmtpReceiver]]:
    """A webhook receiver and an aiosmtpd server on 127.0.0.1."""
    hook, smtp = WebhookReceiver(), SmtpReceiver()
    hook.start()
    smtp.start()
    try:
        yield hook, smtp
    finally:
        hook.stop()
        smtp.stop()


@pytest.fixture
def alerting(
    home: BridgeHome, receivers: tuple[WebhookReceiver, SmtpReceiver]
) -> Iterator[Served]:
    """`bridge run` with the console and both alert channels configured."""
    hook, smtp = receivers
    served = start_service(
        home,
        extra=(
            f'[alerts]\nwebhook_url = "{hook.url}"\nsmtp_host = "127.0.0.1"\n'
            f'smtp_port = {smtp.port}\nsmtp_from = "bridge@example.com"\n'
            'smtp_to = ["ops@example.com"]\n'
        ),
    )
    try:
        yield served
    finally:
        stop_service(served)


def test_a_failed_file_sends_an_email_and_a_webhook_with_the_console_link(
    alerting: Served, receivers: tuple[WebhookReceiver, SmtpReceiver]
) -> None:
    """An invalid file alerts by webhook and e-mail, each linking to its console page."""
    hook, smtp = receivers
    alerting.home.drop("products", "broken.xml", "<products><product><sku>")
    alerting.wait_for(lambda: hook.bodies, 90, "the webhook POST")
    alerting.wait_for(lambda: smtp.messages(), 90, "the e-mail")
    [payload] = [p for p in hook.payloads() if "broken.xml" in p["text"]]
    link = payload["link"]
    assert link.startswith(alerting.url + "/files/")
    assert payload["event"] == "file_failed"
    [mail] = smtp.messages()
    assert "broken.xml" in mail["Subject"]
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert link in body.decode()
    assert hook.url not in str(payload)  # the webhook URL is a secret
    page = login(alerting, OPERATOR).get(link.removeprefix(alerting.url))
    assert page.status_code == 200
    assert 'id="outcome">failed<' in page.text
