"""Chaos fixtures: a sandbox of its own whose request log counts Magento calls.

The chaos test decides when to SIGKILL the bridge by the number of Magento requests
the sandbox has seen, so the kill points fall inside real work (between a POST and
the ledger write that follows it, inside a batch, during a search) rather than
during interpreter start-up.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bridge.sandbox import SandboxServer
from bridge.sandbox._faults import RequestLog
from tests.conftest import SANDBOX_TOKEN


class CountingLog(RequestLog):
    """The sandbox's request log, plus a count of Magento calls that never resets."""

    def __init__(self) -> None:
        super().__init__()
        self.magento_calls = 0
        self._seen = threading.Condition()

    def add(self, entry: dict[str, Any]) -> None:
        """Record the request and wake anyone waiting for a count."""
        super().add(entry)
        if str(entry.get("path", "")).startswith("/rest/"):
            with self._seen:
                self.magento_calls += 1
                self._seen.notify_all()

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` Magento calls were seen; False on timeout."""
        with self._seen:
            return self._seen.wait_for(lambda: self.magento_calls >= count, timeout)


@pytest.fixture(scope="module")
def chaos_sandbox() -> Iterator[tuple[SandboxServer, CountingLog]]:
    """A sandbox for this module only, on 127.0.0.1 with an ephemeral port."""
    server = SandboxServer(host="127.0.0.1", port=0, token=SANDBOX_TOKEN)
    counting = CountingLog()
    server.app.requests = counting
    server.start()
    try:
        yield server, counting
    finally:
        server.stop()


# The PostgreSQL ledger of the multi-instance test: the suite's throwaway cluster.
from tests.postgres.conftest import fresh_postgres_url, postgres_url  # noqa: E402, F401
