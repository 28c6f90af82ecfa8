"""Connections killed mid-transfer (sshd stopped): nothing lost, nothing duplicated."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bridge.errors import FolderUnavailableError
from bridge.flows.deliver_order_files import SftpOutboxPusher
from bridge.flows.fetch_remote_files import SftpInbox
from bridge.folders.outbox import LocalOutbox
from bridge.folders.sftp import SftpEndpoint
from bridge.ledger import Ledger
from tests.sftp.conftest import SshServer, names

BIG = 50 * 1024 * 1024
TRIGGER = 1024 * 1024


def stop_when_growing(
    path: Path, sshd: SshServer
) -> tuple[threading.Thread, Callable[[], bool]]:
    """Stop sshd once ``path`` holds more than TRIGGER bytes (mid-transfer)."""
    fired = threading.Event()

    def watch() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if path.stat().st_size > TRIGGER:
                    sshd.stop()
                    fired.set()
                    return
            except FileNotFoundError:
                pass
            time.sleep(0.001)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread, fired.is_set


def test_killed_download_is_redone_completely_once(
    endpoint: SftpEndpoint,
    ledger: Ledger,
    sshd: SshServer,
    remote: Path,
    tmp_path: Path,
) -> None:
    """A download cut by a dying sshd leaves nothing; after restart it is taken once."""
    payload = os.urandom(BIG)
    (remote / "inbox/products/big.xml").write_bytes(payload)
    root = tmp_path / "root"
    inbox = SftpInbox(endpoint, ledger, root)
    assert inbox.poll().downloaded == []  # first listing
    thread, fired = stop_when_growing(root / "inbox/products/.big.xml.part", sshd)
    try:
        with pytest.raises(FolderUnavailableError):
            inbox.poll()
        thread.join()
        assert fired()
        assert (
            names(root / "inbox/products") == []
        )  # no partial file, visible or hidden
        (row,) = ledger.remote.files_for("sftp", "products", "big.xml")
        assert row.status == "seen"
    finally:
        sshd.start()
    result = inbox.poll()
    assert result.downloaded == [root / "inbox/products/big.xml"]
    assert hashlib.sha256((root / "inbox/products/big.xml").read_bytes()).digest() == (
        hashlib.sha256(payload).digest()
    )
    assert inbox.poll().downloaded == []
    assert names(root / "inbox/products") == ["big.xml"]


def test_killed_upload_shows_no_partial_file_and_is_redone_once(
    endpoint: SftpEndpoint,
    ledger: Ledger,
    sshd: SshServer,
    remote: Path,
    tmp_path: Path,
) -> None:
    """An upload cut by a dying sshd leaves only its hidden temp; then one file."""
    payload = os.urandom(BIG)
    outbox = LocalOutbox(tmp_path / "root/outbox/orders")
    outbox.publish("order-200000001.xml", payload)
    pusher = SftpOutboxPusher(endpoint, ledger, outbox.directory)
    target = remote / "outbox/orders"
    thread, fired = stop_when_growing(target / ".order-200000001.xml.tmp", sshd)
    try:
        with pytest.raises(FolderUnavailableError):
            pusher.push()
        thread.join()
        assert fired()
        assert names(target) == [".order-200000001.xml.tmp"]  # the ERP ignores it
        assert (target / ".order-200000001.xml.tmp").stat().st_size < BIG
        assert ledger.remote.delivered("sftp") == {}
    finally:
        sshd.start()
    assert pusher.push() == [str(target / "order-200000001.xml")]
    assert names(target) == ["order-200000001.xml"]
    assert (target / "order-200000001.xml").read_bytes() == payload
    assert pusher.push() == []
