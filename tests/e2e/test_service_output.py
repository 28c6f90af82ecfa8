"""`bridge run` as a service: its log on standard output or in a rotating file, and its notices."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import BridgeHome

PRODUCTS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<products><product><sku>LOG-1</sku>'
    "<name>Log widget</name><price>10</price></product></products>\n"
)


def _serve(home: BridgeHome) -> tuple[subprocess.Popen[str], Path, Path]:
    out, err = home.root / "stdout.txt", home.root / "stderr.txt"
    with out.open("w") as o, err.open("w") as e:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bridge", "run", "--config", str(home.config)],
            stdout=o,
            stderr=e,
            text=True,
            env=home.env(),
        )
    return proc, out, err


def _wait(check: Callable[[], bool], proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not check():
        assert proc.poll() is None, "the service stopped"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)


def _events(text: str) -> list[str]:
    return [json.loads(ln)["event"] for ln in text.splitlines() if ln.startswith("{")]


def test_service_logs_json_to_stdout_and_says_edits_need_a_restart(
    home: BridgeHome,
) -> None:
    """The service's events are JSON lines on stdout; stderr says edits need a restart."""
    proc, out, err = _serve(home)
    try:
        _wait(lambda: "take effect after a restart" in err.read_text(), proc)
        home.drop("products", "p.xml", PRODUCTS)
        _wait(lambda: "file_archived" in out.read_text(), proc)
    finally:
        _stop(proc)
    assert "file_archived" in _events(out.read_text())
    notice = [ln for ln in err.read_text().splitlines() if "restart" in ln]
    assert notice == [
        f"bridge running on {home.root.resolve()} (Ctrl-C to stop); settings are "
        f"read once: edits to {home.config} take effect after a restart"
    ]
    assert "file_archived" not in err.read_text()


def test_service_logs_to_the_configured_file_instead(home: BridgeHome) -> None:
    """With [runtime] log_file the events go to that file and not to stdout."""
    text = home.config.read_text().replace(
        "[runtime]\n", '[runtime]\nlog_file = "var/log/bridge.log"\n'
    )
    home.config.write_text(text)
    log_file = home.root / "var" / "log" / "bridge.log"
    proc, out, _err = _serve(home)
    try:
        _wait(log_file.exists, proc)
        home.drop("products", "p.xml", PRODUCTS)
        _wait(lambda: "file_archived" in log_file.read_text(), proc)
    finally:
        _stop(proc)
    assert "file_archived" in _events(log_file.read_text())
    assert "file_archived" not in out.read_text()
