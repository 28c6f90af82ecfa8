"""End-to-end helpers: a bridge home wired to the session sandbox, and the CLI as a process."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SANDBOX_TOKEN


@dataclass
class BridgeHome:
    """A folder with bridge.toml pointing at the sandbox."""

    root: Path
    sandbox_url: str

    @property
    def config(self) -> Path:
        return self.root / "bridge.toml"

    def drop(self, kind: str, name: str, data: bytes | str) -> Path:
        """Write a file into an inbox the way an ERP should: temp name, then rename."""
        folder = self.root / "inbox" / kind
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}.part"
        tmp.write_bytes(data.encode() if isinstance(data, str) else data)
        final = folder / name
        tmp.replace(final)
        return final

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run `bridge ARGS --config` as a real process."""
        return subprocess.run(
            [sys.executable, "-m", "bridge", *args, "--config", str(self.config)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env(),
            check=False,
        )

    def popen(self, *args: str) -> subprocess.Popen[str]:
        """Start `bridge ARGS --config` in the background."""
        with (self.root / "bridge-run.log").open("a") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "bridge", *args, "--config", str(self.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                env=self.env(),
            )

    def magento(self, method: str, path: str, **kw: Any) -> Any:
        """Call the sandbox's REST API as an admin would."""
        headers = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}
        r = httpx.request(
            method, self.sandbox_url + path, headers=headers, timeout=30, **kw
        )
        r.raise_for_status()
        return r.json()

    def requests(self) -> list[dict[str, Any]]:
        """Every request the sandbox saw."""
        seen: list[dict[str, Any]] = httpx.get(
            self.sandbox_url + "/sandbox/requests", timeout=30
        ).json()
        return seen

    def faults(self, plan: dict[str, Any]) -> None:
        """Arm (or clear with {}) sandbox faults."""
        httpx.post(
            self.sandbox_url + "/sandbox/faults", json=plan, timeout=30
        ).raise_for_status()

    def files(self, top: str) -> list[Path]:
        """Regular files below archive/, failed/, outbox/ ..."""
        base = self.root / top
        return (
            sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []
        )


def write_config(root: Path, sandbox_url: str, extra: str = "") -> Path:
    """Write a bridge.toml for tests: sandbox Magento, no read-lock wait, fast retries."""
    cfg = root / "bridge.toml"
    cfg.write_text(
        f"""
[magento]
base_url = "{sandbox_url}"
token = "{SANDBOX_TOKEN}"
timeout_seconds = 10
concurrency = 2
max_retries = 2
backoff_initial_seconds = 0.05
backoff_max_seconds = 0.2
[folders]
root = "."
stable_seconds = 0
scan_seconds = 0.2
[orders]
poll_seconds = 1
[runtime]
backoff_max_seconds = 0.5
{extra}
"""
    )
    return cfg


@pytest.fixture
def home(tmp_path: Path, sandbox: Any) -> BridgeHome:
    """A bridge home on tmp_path wired to a freshly reset sandbox."""
    write_config(tmp_path, sandbox.url)
    return BridgeHome(tmp_path, sandbox.url)
