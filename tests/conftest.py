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
    "e2e": ("e2e",),
    "chaos": ("slow", "serial"),
    "sftp": ("sftp",),
    "postgres": ("postgres",),
}
#: End-to-end modules that run the service, kill it, time it or install: `make test`
#: runs these alone (marker ``serial``); the other e2e tests run a command to its end.
_SERIAL_MODULES = frozenset(
    {
        "test_alerts_service.py",
        "test_console_browser.py",
        "test_console_calls.py",
        "test_console_http.py",
        "test_demo.py",
        "test_install.py",
        "test_process_output.py",
        "test_progress.py",
        "test_run.py",
        "test_service_output.py",
        "test_stop.py",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Add markers from the test's directory (S8.1)."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        for directory, markers in _DIR_MARKERS.items():
            if directory in parts:
                for marker in markers:
                    item.add_marker(getattr(pytest.mark, marker))
        if "e2e" in parts and parts[-1] in _SERIAL_MODULES:
            item.add_marker(pytest.mark.serial)


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove BRIDGE_* variables so the host environment never leaks into a test (S8.2)."""
    for key in list(os.environ):
        if key.startswith("BRIDGE_"):
            monkeypatch.delenv(key)


SANDBOX_TOKEN = "sandbox-test-token"
_TRAFFIC_DIR = "SANDBOX_TRAFFIC_DIR"
_OWN_TRAFFIC_DIR = pytest.StashKey[Path]()
_CONTRACT = pytest.StashKey[list[str]]()


def _is_xdist_worker(config: pytest.Config) -> bool:
    """Whether this process is a pytest-xdist worker (the controller reports)."""
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    """Give the run one folder for the sandboxes' traffic, shared with xdist workers.

    Each process that starts the session sandbox (the only one, or each xdist worker)
    records into its own file there; the controlling process checks them all at the end.
    Workers inherit the folder through the environment.
    """
    if not _is_xdist_worker(config) and _TRAFFIC_DIR not in os.environ:
        import tempfile

        folder = tempfile.mkdtemp(prefix="sandbox-traffic-")
        os.environ[_TRAFFIC_DIR] = folder
        config.stash[_OWN_TRAFFIC_DIR] = Path(folder)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the traffic folder this process made (after the contract check)."""
    folder = config.stash.get(_OWN_TRAFFIC_DIR, None)
    if folder is not None:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(_TRAFFIC_DIR, None)


def _traffic_files() -> list[Path]:
    """Every traffic file this run's sandboxes recorded."""
    files = [Path(p) for p in [os.environ.get("SANDBOX_RECORD_FILE")] if p]
    folder = os.environ.get(_TRAFFIC_DIR)
    if folder:
        files += sorted(Path(folder).glob("*.jsonl"))
    return [f for f in files if f.is_file()]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Check the session sandboxes' recorded traffic against the official schema."""
    from tests.contract.swagger import schema_available

    if _is_xdist_worker(session.config):
        return
    files = _traffic_files()
    if not files:
        return
    if not schema_available():
        session.config.stash[_CONTRACT] = [f"skipped: no schema at {SWAGGER}"]
        return
    problems: list[str] = []
    count = 0
    for path in files:
        n, found = _check_traffic(path)
        count += n
        problems += found
    summary = [f"{count} recorded exchanges checked against the official schema"]
    session.config.stash[_CONTRACT] = summary + problems
    if problems:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _check_traffic(path: Path) -> tuple[int, list[str]]:
    """Validate one JSONL traffic file; return its exchange count and violations."""
    import json

    from tests.contract.swagger import validate_exchange

    count = 0
    problems: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            entry = json.loads(line)
            count += 1
            problems += [
                f"{path.name} exchange {number} {entry['method']} {entry['path']}: {p}"
                for p in validate_exchange(entry)
            ]
    return count, problems


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
def sandbox_server(request: pytest.FixtureRequest) -> Iterator[object]:
    """One sandbox Magento on 127.0.0.1 with an ephemeral port for the whole session.

    It records every exchange (JSONL); at the end of the session every request the
    bridge sent and every answer the sandbox gave is checked against Magento's official
    REST schema (S7.4), and the run fails on any violation.
    """
    from bridge.sandbox import SandboxServer

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    record = os.environ.get("SANDBOX_RECORD_FILE") or str(
        Path(os.environ[_TRAFFIC_DIR]) / f"{worker}.jsonl"
    )
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
