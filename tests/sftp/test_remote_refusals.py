"""Remote files refused before they are read end in the remote archive, reported locally.

An oversize file (``folders.max_file_mb``) and non-regular entries (a FIFO, a
symlink) in the remote inbox are never read. The SFTP endpoint that found them
completes them itself: each is moved to ``{archive}/<kind>/`` on the server, a
report lands in the local ``failed/<kind>/``, and the next poll does not see them
again. Runs the real service against the real sshd and the sandbox Magento.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from bridge.config import load_config
from bridge.flows.fetch_remote_files import SftpInbox
from bridge.folders.sftp import SftpEndpoint
from bridge.ledger import Ledger
from bridge.runtime.wiring import Components, build
from bridge.runtime.worker import Service
from tests.conftest import SANDBOX_TOKEN
from tests.sftp.conftest import SshServer, names

STOCK = b"sku;qty\nREF-1;3\n"
MiB = 1024 * 1024


@pytest.fixture
def bridge(
    tmp_path: Path, sandbox: Any, sshd: SshServer, remote: Path
) -> Iterator[Components]:
    """The real runtime with [sftp] on the test sshd and a 1 MB file limit."""
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
            "magento": {
                "base_url": sandbox.url,
                "token": SANDBOX_TOKEN,
                "max_retries": 1,
            },
            "folders": {
                "root": str(tmp_path / "root"),
                "stable_seconds": 0,
                "max_file_mb": 1,
            },
            "sftp": sftp,
        },
    )
    comps = build(settings)
    try:
        yield comps
    finally:
        comps.close()


def _reports(root: Path, kind: str) -> list[str]:
    folder = root / "failed" / kind
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _archived(remote: Path, kind: str) -> list[str]:
    return sorted(n.split("_", 1)[1] for n in names(remote / "archive" / kind))


def test_oversize_and_non_regular_remote_files_are_archived_with_local_reports(
    bridge: Components, remote: Path
) -> None:
    """Oversize, FIFO and symlink remote entries go to the remote archive, reported once."""
    stock = remote / "inbox" / "stock"
    with (stock / "big.csv").open("wb") as fh:
        fh.truncate(2 * MiB)  # sparse: over the 1 MB limit, no disk used
    os.mkfifo(stock / "pipe.csv")
    outside = remote / "outside.csv"
    outside.write_bytes(STOCK)
    (stock / "link.csv").symlink_to(outside)
    root = bridge.settings.root

    Service(bridge).run_once(max_wait=5)

    assert names(stock) == []
    assert _archived(remote, "stock") == ["big.csv", "link.csv", "pipe.csv"]
    assert outside.read_bytes() == STOCK  # the link was moved, never followed
    reports = _reports(root, "stock")
    assert sorted(r.split("_", 1)[1] for r in reports) == [
        "big.csv.report.txt",
        "link.csv.report.txt",
        "pipe.csv.report.txt",
    ]
    texts = {
        r.split("_", 1)[1]: (root / "failed/stock" / r).read_text() for r in reports
    }
    assert "folders.max_file_mb" in texts["big.csv.report.txt"]
    assert "named pipe" in texts["pipe.csv.report.txt"]
    assert "symbolic link" in texts["link.csv.report.txt"]
    assert all(str(remote / "archive" / "stock") in t for t in texts.values())
    assert not (root / "inbox" / "stock" / "big.csv").exists()  # never downloaded

    assert bridge.sftp is not None
    again = bridge.sftp.inbox.poll()
    assert (again.refused, again.downloaded, again.waiting) == ([], [], 0)
    Service(bridge).run_once(max_wait=1)
    assert _reports(root, "stock") == reports
    for name in ("big.csv", "pipe.csv", "link.csv"):
        rows = bridge.ledger.remote.files_for("sftp", "stock", name)
        assert [(r.status, r.outcome) for r in rows] == [("archived", "refused")]


def test_downloaded_file_refused_locally_is_archived_remotely_by_its_endpoint(
    bridge: Components, remote: Path
) -> None:
    """A downloaded file that the pipeline fails unhashed is still archived remotely."""
    (remote / "inbox" / "stock" / "s.csv").write_bytes(STOCK)
    assert bridge.sftp is not None
    bridge.sftp.inbox.poll()
    assert bridge.sftp.inbox.poll().downloaded == [
        bridge.settings.root / "inbox" / "stock" / "s.csv"
    ]
    # Replaced by a FIFO after hand-over: the pipeline refuses it without a hash.
    local = bridge.settings.root / "inbox" / "stock" / "s.csv"
    local.unlink()
    os.mkfifo(local)

    summary = Service(bridge).run_once(max_wait=2)

    assert [o.status for o in summary.outcomes] == ["failed"]
    assert names(remote / "inbox" / "stock") == []
    assert _archived(remote, "stock") == ["s.csv"]
    (row,) = bridge.ledger.remote.files_for("sftp", "stock", "s.csv")
    assert (row.status, row.outcome) == ("archived", "failed")


def test_entry_the_archive_cannot_take_is_left_alone_and_logged_once(
    endpoint: SftpEndpoint, ledger: Ledger, remote: Path, tmp_path: Path
) -> None:
    """If the remote archive cannot hold a refused entry, it stays; the inbox goes on."""
    (remote / "archive" / "stock").write_bytes(b"not a folder")
    stock = remote / "inbox" / "stock"
    os.mkfifo(stock / "pipe.csv")
    (stock / "good.csv").write_bytes(STOCK)
    inbox = SftpInbox(endpoint, ledger, tmp_path / "root")
    with capture_logs() as logs:
        for _ in range(3):
            inbox.poll()
    assert names(stock) == ["good.csv", "pipe.csv"]
    assert (tmp_path / "root/inbox/stock/good.csv").read_bytes() == STOCK
    refused = [e for e in logs if e["event"] == "remote_file_refused"]
    assert [e["file"] for e in refused] == ["stock/'pipe.csv'"]
    assert "cannot move it to the remote archive" in refused[0]["status"]


def test_refused_entry_takes_its_done_file_along(
    endpoint: SftpEndpoint, ledger: Ledger, remote: Path, tmp_path: Path
) -> None:
    """With done files, a refused entry's done file follows it to the remote archive."""
    stock = remote / "inbox" / "stock"
    os.mkfifo(stock / "p.csv")
    (stock / "p.csv.done").write_bytes(b"")
    inbox = SftpInbox(endpoint, ledger, tmp_path / "root", done_suffix=".done")
    assert inbox.poll().refused == ["stock/p.csv"]
    assert names(stock) == []
    archived = names(remote / "archive" / "stock")
    assert [n.split("_", 1)[1] for n in archived] == ["p.csv", "p.csv.done"]
    assert archived[1] == archived[0] + ".done"
