"""Shared fixtures: clean environment, markers by directory, the sandbox on a real port."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
SWAGGER = SHARED / "reference" / "magento" / "magento-2.4-rest-swagger.json"

_DIR_MARKERS = {
    "e2e": "e2e",
    "chaos": "slow",
    "sftp": "sftp",
    "postgres": "postgres",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Add markers from the test's directory (S8.1)."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        for directory, marker in _DIR_MARKERS.items():
            if directory in parts:
                item.add_marker(getattr(pytest.mark, marker))


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove BRIDGE_* variables so the host environment never leaks into a test (S8.2)."""
    for key in list(os.environ):
        if key.startswith("BRIDGE_"):
            monkeypatch.delenv(key)


SANDBOX_TOKEN = "sandbox-test-token"


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[object]:
    """One sandbox Magento on 127.0.0.1 with an ephemeral port for the whole session."""
    from bridge.sandbox import SandboxServer

    # SANDBOX_RECORD_FILE=path appends every exchange as JSONL for
    # tests/contract/test_recorded_traffic.py (schema check of the whole run).
    record = os.environ.get("SANDBOX_RECORD_FILE") or None
    server = SandboxServer(
        host="127.0.0.1", port=0, token=SANDBOX_TOKEN, record_file=record
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sandbox(sandbox_server: object) -> object:
    """The session sandbox, reset to an empty shop for this test."""
    sandbox_server.reset()  # type: ignore[attr-defined]
    return sandbox_server
