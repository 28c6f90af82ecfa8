"""docs/operations.md shows exactly the messages the bridge sends for each alert."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from bridge.alerts import AlertEvent, render_message
from tests.unit.alerts.test_events import WHEN, one_of_each

DOC = Path(__file__).resolve().parents[3] / "docs" / "operations.md"


@pytest.mark.parametrize("event", one_of_each(), ids=lambda e: e.kind)
def test_example_message_is_the_rendered_one(event: AlertEvent) -> None:
    """Each alert's example in the docs is, verbatim, what render_message produces."""
    text = render_message(
        event, console_url="http://127.0.0.1:8081", host="gw1", occurred_at=WHEN
    ).text
    doc = DOC.read_text(encoding="utf-8")
    assert f"```text\n{text}\n```" in doc
    assert f"`{event.kind}`" in doc


def test_webhook_example_is_the_rendered_payload() -> None:
    """The webhook JSON shown in the docs is the payload the bridge posts for that event."""
    doc = DOC.read_text(encoding="utf-8")
    match = re.search(r"\n  ```json\n(.*?)\n  ```\n", doc, re.S)
    assert match is not None
    shown = json.loads(textwrap.dedent("  " + match.group(1)))
    event = next(e for e in one_of_each() if e.kind == shown["event"])
    payload = render_message(
        event, console_url="http://127.0.0.1:8081", host="gw1", occurred_at=WHEN
    ).webhook_payload()
    assert shown == payload
