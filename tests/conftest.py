"""Shared fixtures: clean environment, markers by directory, the sandbox on a real port."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
_TRAFFIC = pytest.StashKey[str]()
_CONTRACT = pytest.StashKey[list[str]]()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Check the session sandbox's recorded traffic against the official schema."""
    import json

    from tests.contract.swagger import schema_available, validate_exchange

    path = session.config.stash.get(_TRAFFIC, None)
    if path is None or not Path(path).is_file():
        return
    if not schema_available():
        session.config.stash[_CONTRACT] = [f"skipped: no schema at {SWAGGER}"]
        return
    problems: list[str] = []
    count = 0
    with Path(path).open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            entry = json.loads(line)
            count += 1
            problems += [
                f"exchange {number} {entry['method']} {entry['path']}: {p}"
                for p in validate_exchange(entry)
            ]
    summary = [f"{count} recorded exchanges checked against the official schema"]
    session.config.stash[_CONTRACT] = summary + problems
    if problems:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print the contract check's result (and every violation)."""
    lines = config.stash.get(_CONTRACT, None)
    if not lines:
        return
    terminalreporter.section("Magento schema contract")
    for line in lines[:200]:
        terminalreporter.write_line(line)
    if len(lines) > 1:
        terminalreporter.write_line(f"CONTRACT VIOLATIONS: {len(lines) - 1}")


@pytest.fixture(scope="session")
def sandbox_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[object]:
    """One sandbox Magento on 127.0.0.1 with an ephemeral port for the whole session.

    It records every exchange (JSONL); at the end of the session every request the
    bridge sent and every answer the sandbox gave is checked against Magento's official
    REST schema (S7.4), and the run fails on any violation.
    """
    from bridge.sandbox import SandboxServer

    record = os.environ.get("SANDBOX_RECORD_FILE") or str(
        tmp_path_factory.getbasetemp() / "sandbox-traffic.jsonl"
    )
    request.config.stash[_TRAFFIC] = record
    server = SandboxServer(
        host="127.0.0.1", port=0, token=SANDBOX_TOKEN, record_file=Path(record)
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
