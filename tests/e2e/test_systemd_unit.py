"""deploy/bridge.service: valid for systemd, hardened, restarting, run in the bridge folder."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "bridge.service"
INSTALLED_BRIDGE = "/opt/bridge/bin/bridge"
BRIDGE_FOLDER = "/srv/bridge"


def _analyze() -> str:
    found = shutil.which("systemd-analyze")
    assert found, "systemd-analyze is missing: install Debian's systemd package"
    return found


def _directives(text: str) -> dict[str, list[str]]:
    """Section.Key -> values (systemd allows a key more than once)."""
    found: dict[str, list[str]] = {}
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        found.setdefault(f"{section}.{key}", []).append(value)
    return found


def _local_copy(tmp_path: Path, text: str | None = None) -> Path:
    """The unit with the install paths pointed at this machine's bridge and a temp folder.

    ``systemd-analyze verify`` checks that ExecStart's program exists, so the
    installed path is replaced by this venv's console script; nothing else changes.
    """
    bridge = Path(sys.executable).with_name("bridge")
    assert bridge.is_file()
    body = (text or UNIT.read_text(encoding="utf-8")).replace(
        INSTALLED_BRIDGE, str(bridge)
    )
    copy = tmp_path / "bridge.service"
    copy.write_text(body.replace(BRIDGE_FOLDER, str(tmp_path)), encoding="utf-8")
    return copy


def _verify(unit: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_analyze(), "verify", str(unit)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_unit_passes_systemd_analyze_verify_without_a_warning(tmp_path: Path) -> None:
    """`systemd-analyze verify` accepts the unit and prints nothing (no ignored key)."""
    run = _verify(_local_copy(tmp_path))
    assert run.returncode == 0, run.stderr
    assert run.stdout + run.stderr == ""


def test_verify_catches_a_misspelt_key(tmp_path: Path) -> None:
    """The check above can fail: a misspelt key is reported."""
    text = UNIT.read_text(encoding="utf-8").replace("Restart=", "Restrat=")
    run = _verify(_local_copy(tmp_path, text))
    assert "Unknown key 'Restrat' in section [Service]" in run.stderr


def test_unit_runs_the_service_in_the_bridge_folder_and_restarts_it() -> None:
    """WorkingDirectory is the bridge folder, its config is there, failures restart."""
    unit = _directives(UNIT.read_text(encoding="utf-8"))
    assert unit["Service.WorkingDirectory"] == [BRIDGE_FOLDER]
    assert unit["Service.ExecStart"] == [
        f"{INSTALLED_BRIDGE} run --config {BRIDGE_FOLDER}/bridge.toml"
    ]
    assert unit["Service.Restart"] == ["on-failure"]
    assert unit["Service.RestartPreventExitStatus"] == ["2"]
    assert unit["Install.WantedBy"] == ["multi-user.target"]


def test_unit_is_hardened(tmp_path: Path) -> None:
    """Only the bridge folder is writable and systemd rates the exposure as low."""
    unit = _directives(UNIT.read_text(encoding="utf-8"))
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "CapabilityBoundingSet": "",
    }.items():
        assert unit[f"Service.{key}"] == [value], key
    assert unit["Service.ReadWritePaths"] == [BRIDGE_FOLDER]
    run = subprocess.run(
        [_analyze(), "security", "--offline=true", str(_local_copy(tmp_path))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    level = re.search(
        r"Overall exposure level for bridge\.service: ([\d.]+)", run.stdout
    )
    assert level, run.stdout + run.stderr
    assert float(level.group(1)) <= 2.0
