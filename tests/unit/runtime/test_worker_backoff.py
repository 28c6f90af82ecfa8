"""The service loop's retry delay for a pending file: the shared backoff policy.

Runs the real wiring against the sandbox on a real port; the only fake is the
service's monotonic clock, which the test moves by hand (S7.6).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.config import load_config
from bridge.runtime.wiring import Components, build
from bridge.runtime.worker import Service
from tests.conftest import SANDBOX_TOKEN

STOCK = b"sku;qty\nBACKOFF-1;4\n"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def comps(tmp_path: Path, sandbox: Any) -> Iterator[Components]:
    """The real runtime with no client-side retries, so the loop's delay decides."""
    settings = load_config(
        None,
        overrides={
            "magento": {
                "base_url": sandbox.url,
                "token": SANDBOX_TOKEN,
                "max_retries": 0,
            },
            "folders": {"root": str(tmp_path / "root"), "stable_seconds": 0},
        },
    )
    built = build(settings)
    try:
        yield built
    finally:
        built.close()


def test_pending_file_is_retried_when_retry_after_says(
    comps: Components, sandbox: Any
) -> None:
    """A 429 with Retry-After: 1 makes the loop try the file again after 1 s."""
    product = {"sku": "BACKOFF-1", "name": "N", "price": 1}
    headers = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}
    httpx.post(
        sandbox.url + "/rest/all/V1/products",
        json={"product": product},
        headers=headers,
        timeout=30,
    ).raise_for_status()
    httpx.post(
        sandbox.url + "/sandbox/faults", json={"status": 429, "count": 1}, timeout=30
    ).raise_for_status()
    path = comps.settings.root / "inbox" / "stock" / "s.csv"
    path.write_bytes(STOCK)
    os.utime(path, (1.0e9, 1.0e9))
    clock = Clock()
    service = Service(comps, monotonic=clock)

    first = service.tick(export=False)
    assert [o.status for o in first.outcomes] == ["pending"]
    assert first.outcomes[0].retry_after == 1.0

    clock.t += 0.9
    assert service.tick(export=False).outcomes == []  # still waiting
    clock.t += 0.1
    again = service.tick(export=False)
    assert [o.status for o in again.outcomes] == ["done"]
