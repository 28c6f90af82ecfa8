"""`make demo`'s script brings up the sandbox and the bridge and applies the sample data."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.config import load_config

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "scripts" / "demo.sh"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _demo_env(root: Path, port: int, *, once: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
    env |= {
        "DEMO_ROOT": str(root),
        "DEMO_PORT": str(port),
        "BIN": str(Path(sys.executable).parent),
        "PYTHONUNBUFFERED": "1",
    }
    if once:
        env["DEMO_ONCE"] = "1"
    if shutil.which("bridge", path=env["BIN"]) is None:
        raise AssertionError(
            "the bridge console script is not installed next to python"
        )
    return env


def _run_demo_once(root: Path, port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(DEMO)],
        capture_output=True,
        text=True,
        timeout=180,
        env=_demo_env(root, port, once=True),
        check=False,
    )


def test_demo_once_applies_every_sample_and_exits_0(tmp_path: Path) -> None:
    """DEMO_ONCE=1 applies every sample it drops, exports the orders and exits 0."""
    run = _run_demo_once(tmp_path, _free_port())
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert "Drop ERP files here" in out
    assert "products/demo-products.xml: done" in out, out
    assert "stock/demo-stock.csv: done" in out, out
    assert not list((tmp_path / "failed").rglob("*.*")), out
    orders = sorted(p.name for p in (tmp_path / "outbox" / "orders").iterdir())
    assert orders[:2] == ["order-000000001.xml", "order-000000002.xml"]
    assert len(orders) == 5


def test_demo_writes_its_url_and_token_into_bridge_toml(tmp_path: Path) -> None:
    """The demo's bridge.toml names the sandbox's URL and token, not only its environment."""
    port = _free_port()
    run = _run_demo_once(tmp_path, port)
    assert run.returncode == 0, run.stdout + run.stderr
    settings = load_config(tmp_path / "bridge.toml")
    assert settings.magento.base_url == f"http://127.0.0.1:{port}"
    assert settings.magento.token.get_secret_value() == "demo-token"
    assert settings.folders.stable_seconds == 1


def test_demo_refuses_a_busy_port_with_one_line(tmp_path: Path) -> None:
    """A port something already listens on is refused with one line; nothing is set up."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = int(busy.getsockname()[1])
        run = _run_demo_once(tmp_path / "demo", port)
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.strip().splitlines() == [
        f"demo: port {port} on 127.0.0.1 is busy; set DEMO_PORT to a free port"
    ]
    assert not (tmp_path / "demo").exists()


@pytest.fixture
def running_demo(tmp_path: Path) -> Iterator[Path]:
    """The demo as a service (no DEMO_ONCE) in tmp_path, stopped with SIGTERM after the test."""
    log = (tmp_path / "demo.log").open("w")
    proc = subprocess.Popen(
        ["bash", str(DEMO)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=_demo_env(tmp_path / "home", _free_port(), once=False),
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while "The bridge is running" not in (tmp_path / "demo.log").read_text():
            assert proc.poll() is None, (tmp_path / "demo.log").read_text()
            assert time.monotonic() < deadline, "the demo did not start"
            time.sleep(0.2)
        # A user reaches the second terminal after the demo applied its samples:
        # the stock figures are in Magento before the shipment is tried.
        while not list((tmp_path / "home" / "archive").rglob("*demo-stock*")):
            assert proc.poll() is None, (tmp_path / "demo.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "demo.log").read_text()
            time.sleep(0.2)
        yield tmp_path / "home"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()


def test_second_terminal_process_reaches_the_demo_sandbox(running_demo: Path) -> None:
    """`bridge process` in the demo folder, with no BRIDGE_* variables, applies a shipment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bridge",
            "process",
            str(REPO / "samples/shipments.xml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=running_demo,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "shipments/shipments.xml: done" in run.stdout
