"""Installs: `make demo` and `make install` bring runtime dependencies only."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _make(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=env,
        check=False,
    )


def test_make_demo_on_a_fresh_clone_installs_no_test_or_dev_tools(
    tmp_path: Path,
) -> None:
    """`make demo` without a venv installs the package without the test and dev extras."""
    run = _make("-n", "demo", f"VENV={tmp_path / 'venv'}")
    assert run.returncode == 0, run.stderr
    installs = [line for line in run.stdout.splitlines() if "pip install" in line]
    assert installs, run.stdout
    # The last word is what pip installs: the package alone, no [test,dev] extras.
    assert [line.split()[-1] for line in installs] == ["."], installs
    assert "scripts/demo.sh" in run.stdout


def test_make_install_gives_a_runtime_only_bridge_in_prefix(tmp_path: Path) -> None:
    """`make install PREFIX=…` installs a working `bridge` without pytest or ruff."""
    prefix = tmp_path / "opt"
    run = _make("install", f"PREFIX={prefix}", timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    bridge = prefix / "bin" / "bridge"
    version = subprocess.run(
        [str(bridge), "--version"], capture_output=True, text=True, check=False
    )
    assert version.returncode == 0
    assert version.stdout.startswith("bridge, version ")
    check = subprocess.run(
        [str(bridge), "validate", str(REPO / "samples" / "stock.xml")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    for tool in ("pytest", "ruff", "mypy", "hypothesis"):
        probe = subprocess.run(
            [str(prefix / "bin" / "python"), "-c", f"import {tool}"],
            capture_output=True,
            check=False,
        )
        assert probe.returncode != 0, f"{tool} was installed"
