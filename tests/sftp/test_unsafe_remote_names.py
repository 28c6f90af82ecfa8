"""Remote files whose names are unsafe are fetched into local quarantine, once.

A name that is not UTF-8, holds control characters or is too long is never handed
to the inbox: its content goes to the local ``failed/<kind>/`` under a safe name with
a report giving the original name's bytes, and the remote entry is moved to the
remote archive under that safe name (or, if the server will not move it, left with a
marker and never fetched again). Runs against the real sshd and the sandbox Magento.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridge.config import load_config
from bridge.flows.fetch_remote_files import SftpInbox
from bridge.folders.base import safe_name
from bridge.folders.sftp import SftpEndpoint
from bridge.ledger import Ledger
from bridge.runtime.wiring import Components, build
from bridge.runtime.worker import Service
from tests.conftest import SANDBOX_TOKEN
from tests.sftp.conftest import SshServer

STOCK = b"sku;qty\nUNSAFE-1;3\n"
NAMES = [b"lev\xe9rans.csv", b"tab\there.csv", b"x" * 230 + b".csv"]


def _drop(folder: Path, raw: bytes, data: bytes = STOCK) -> None:
    """Write a remote inbox file whose name is the given bytes."""
    (folder / os.fsdecode(raw)).write_bytes(data)


def _listing(folder: Path) -> list[bytes]:
    if not folder.is_dir():
        return []
    return sorted(os.fsencode(p.name) for p in folder.iterdir())


@pytest.fixture
def bridge(
    tmp_path: Path, sandbox: Any, sshd: SshServer, remote: Path
) -> Iterator[Components]:
    """The real runtime with [sftp] on the test sshd."""
    sftp = {
        "host": sshd.host,
        "port": sshd.port,
        "username": sshd.username,
        "key_file": str(sshd.key_file),
        "known_hosts": str(sshd.known_hosts),
        "inbox": str(remote / "inbox"),
        "outbox": str(remote / "outbox"),
        "archive": str(remote / "archive"),
        "timeout_seconds": 5,
    }
    settings = load_config(
        None,
        overrides={
            "magento": {"base_url": sandbox.url, "token": SANDBOX_TOKEN},
            "folders": {"root": str(tmp_path / "root"), "stable_seconds": 0},
            "sftp": sftp,
        },
    )
    comps = build(settings)
    try:
        yield comps
    finally:
        comps.close()


def test_unsafe_remote_names_are_quarantined_locally_and_archived_once(
    bridge: Components, remote: Path, sandbox: Any
) -> None:
    """Non-UTF-8, control-character and long names land in failed/ with their bytes."""
    stock = remote / "inbox" / "stock"
    for raw in NAMES:
        _drop(stock, raw)
    root = bridge.settings.root

    Service(bridge).run_once(max_wait=5)

    assert _listing(stock) == []
    keys = sorted(safe_name(os.fsdecode(raw)) for raw in NAMES)
    archived = sorted(
        os.fsdecode(n).split("_", 1)[1] for n in _listing(remote / "archive/stock")
    )
    assert archived == keys
    failed = sorted(p.name for p in (root / "failed" / "stock").iterdir())
    copies = [n for n in failed if not n.endswith(".report.txt")]
    assert sorted(n.split("_", 1)[1] for n in copies) == keys
    assert all(f"{n}.report.txt" in failed for n in copies)
    assert all((root / "failed/stock" / n).read_bytes() == STOCK for n in copies)
    reports = "".join(
        (root / "failed/stock" / n).read_text() for n in failed if n.endswith(".txt")
    )
    assert "original name bytes b'lev\\xe9rans.csv'" in reports
    assert "hex 7461620968657265" in reports  # "tab\there" as bytes
    assert "not UTF-8" in reports
    assert "control characters" in reports
    assert "over 200" in reports
    assert sorted((root / "inbox" / "stock").iterdir()) == []
    seen = [r for r in sandbox.requests() if "/V1/" in r["path"]]
    assert not [r for r in seen if "source-items" in r["path"]]  # nothing applied

    assert bridge.sftp is not None
    again = bridge.sftp.inbox.poll()
    assert (again.refused, again.downloaded, again.waiting) == ([], [], 0)


def test_unsafe_name_the_server_will_not_move_is_fetched_once_and_marked(
    endpoint: SftpEndpoint, ledger: Ledger, remote: Path, tmp_path: Path
) -> None:
    """When the archive cannot take it, the entry stays, marked, and is fetched once."""
    (remote / "archive" / "stock").write_bytes(b"not a folder")
    stock = remote / "inbox" / "stock"
    _drop(stock, NAMES[0])
    inbox = SftpInbox(endpoint, ledger, tmp_path / "root")
    for _ in range(4):
        inbox.poll()
    key = safe_name(os.fsdecode(NAMES[0]))
    assert _listing(stock) == sorted([NAMES[0], f".{key}.quarantined".encode()])
    copies = sorted((tmp_path / "root" / "failed" / "stock").iterdir())
    assert [p.name.split("_", 1)[1] for p in copies] == [key]
    assert copies[0].read_bytes() == STOCK
    assert not (tmp_path / "root" / "inbox" / "stock").exists() or not list(
        (tmp_path / "root" / "inbox" / "stock").iterdir()
    )
