"""Hostile names and links in the remote SFTP inbox, against `bridge run --once`.

The remote inbox holds names a local disk should never be asked to hold or that try
to leave the inbox (``..``, backslashes), and a remote symlink to a valid stock file
outside the remote inbox. None of them may be downloaded, followed or applied; each
is named in a log line; a good remote file next to them is applied and archived.
The unsafe names stay where they are; the symlink (a safe name) is moved unread to
the remote archive, as a local symlink goes to ``failed/``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import SANDBOX_TOKEN
from tests.e2e.conftest import BridgeHome
from tests.hostile._running import sftp_toml
from tests.sftp.conftest import SshServer, remote, sshd

__all__ = ["remote", "sshd"]  # the SFTP suite's fixtures, used here

REFUSED = ("x..y.csv", "a\\b.csv", "link.csv")
HIDDEN = "..evil.csv"  # a leading dot: never taken, like any hidden file


def _config(root: Path, url: str, sshd: SshServer, remote: Path) -> Path:
    cfg = root / "bridge.toml"
    cfg.write_text(
        f"""
[magento]
base_url = "{url}"
token = "{SANDBOX_TOKEN}"
[folders]
stable_seconds = 0
{sftp_toml(sshd, remote)}
"""
    )
    return cfg


def _refused(stderr: str) -> list[str]:
    """The remote files the run logged as refused."""
    events = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    return [e["file"] for e in events if e["event"] == "remote_file_refused"]


def test_traversal_names_and_remote_symlinks_are_refused(
    tmp_path: Path, sandbox: Any, sshd: SshServer, remote: Path
) -> None:
    """Unsafe remote names and links are logged, left alone; good files still apply."""
    home = BridgeHome(tmp_path / "home", sandbox.url)
    home.root.mkdir()
    remote = sshd.remote_root / "hostile"
    stock = remote / "inbox" / "stock"
    for sub in (
        "inbox/stock",
        "inbox/products",
        "inbox/shipments",
        "outbox",
        "archive",
    ):
        (remote / sub).mkdir(parents=True)
    product = {"sku": "SFTP-1", "name": "N", "price": 1}
    home.magento("POST", "/rest/all/V1/products", json={"product": product})
    outside = sshd.remote_root / "outside.csv"
    outside.write_text("sku;qty\nSFTP-1;999\n")
    for name in (*REFUSED[:2], HIDDEN):
        (stock / name).write_text("sku;qty\nSFTP-1;666\n")
    (stock / "link.csv").symlink_to(outside)
    (stock / "good.csv").write_text("sku;qty\nSFTP-1;7\n")
    cfg = _config(home.root, sandbox.url, sshd, remote)
    runs = [
        subprocess.run(
            [sys.executable, "-m", "bridge", "run", "--once", "--config", str(cfg)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=home.env(),
        )
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stdout + runs[0].stderr
    assert sorted(_refused(runs[0].stderr)) == sorted(f"stock/{n!r}" for n in REFUSED)
    assert float(home.magento("GET", "/rest/V1/stockItems/SFTP-1")["qty"]) == 7.0
    assert outside.read_text() == "sku;qty\nSFTP-1;999\n"
    assert sorted(p.name for p in stock.iterdir()) == sorted([*REFUSED[:2], HIDDEN])
    archived = [p.name for p in (remote / "archive").rglob("*") if not p.is_dir()]
    assert sorted(n.split("_", 1)[1] for n in archived) == ["good.csv", "link.csv"]
    local = sorted(p.name for p in home.root.rglob("*") if p.is_file())
    assert not any(".." in n or "\\" in n or n == "link.csv" for n in local), local
