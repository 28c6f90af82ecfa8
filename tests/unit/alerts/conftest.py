"""Fixtures for the alert tests: a real webhook receiver and a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.alerts._receivers import SmtpReceiver, WebhookReceiver


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    """An HTTP receiver on 127.0.0.1 (ephemeral port) recording every POST."""
    receiver = WebhookReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    """A plain SMTP server (aiosmtpd) on 127.0.0.1 keeping every message."""
    receiver = SmtpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()
