"""`make demo`'s script brings up the sandbox and the bridge and applies the sample data."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_once_applies_samples_and_exports_orders(tmp_path: Path) -> None:
    """The demo applies the sample products and exports the sandbox's orders."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
    env |= {
        "DEMO_ROOT": str(tmp_path),
        "DEMO_ONCE": "1",
        "DEMO_PORT": str(_free_port()),
        "BIN": str(Path(sys.executable).parent),
    }
    if shutil.which("bridge", path=env["BIN"]) is None:
        raise AssertionError(
            "the bridge console script is not installed next to python"
        )
    run = subprocess.run(
        ["bash", str(REPO / "scripts" / "demo.sh")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    out = run.stdout + run.stderr
    assert "Drop ERP files here" in out
    assert "products/demo-products.xml: done" in out, out
    orders = sorted(p.name for p in (tmp_path / "outbox" / "orders").iterdir())
    assert orders[:2] == ["order-000000001.xml", "order-000000002.xml"]
    assert len(orders) == 5
    assert (tmp_path / "bridge.toml").is_file()
