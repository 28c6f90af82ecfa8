"""SftpOutboxPusher on a real sshd: temp name, posix_rename over old files, ledger."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bridge.errors import FolderUnavailableError
from bridge.flows.deliver_order_files import SftpOutboxPusher
from bridge.folders.outbox import LocalOutbox
from bridge.folders.sftp import SftpEndpoint
from bridge.ledger import Ledger
from tests.sftp.conftest import SshServer, names

ORDER = (
    b'<?xml version="1.0"?>\n'
    b"<orders><order><order_number>1</order_number></order></orders>\n"
)


@pytest.fixture
def outbox(tmp_path: Path) -> LocalOutbox:
    return LocalOutbox(tmp_path / "root" / "outbox" / "orders")


@pytest.fixture
def pusher(
    endpoint: SftpEndpoint, ledger: Ledger, outbox: LocalOutbox
) -> SftpOutboxPusher:
    return SftpOutboxPusher(endpoint, ledger, outbox.directory)


def test_order_files_are_delivered_complete_and_recorded(
    pusher: SftpOutboxPusher, outbox: LocalOutbox, ledger: Ledger, remote: Path
) -> None:
    """Published order files appear remotely by name; the ledger knows each one."""
    outbox.publish("order-100000001.xml", ORDER)
    outbox.publish("order-100000002.csv", b"order_number,sku\n2,A-1\n")
    delivered = pusher.push()
    target = remote / "outbox/orders"
    assert delivered == [
        str(target / "order-100000001.xml"),
        str(target / "order-100000002.csv"),
    ]
    assert names(target) == ["order-100000001.xml", "order-100000002.csv"]
    assert (target / "order-100000001.xml").read_bytes() == ORDER
    sha = hashlib.sha256(ORDER).hexdigest()
    assert ledger.remote.is_delivered("sftp", "order-100000001.xml", sha)
    assert names(outbox.directory) == ["order-100000001.xml", "order-100000002.csv"]
    assert pusher.push() == []  # nothing new: nothing uploaded again


def test_new_content_replaces_existing_remote_file(
    pusher: SftpOutboxPusher, outbox: LocalOutbox, remote: Path
) -> None:
    """A re-published order replaces the remote file atomically (posix_rename)."""
    target = remote / "outbox/orders"
    target.mkdir(parents=True)
    (target / "order-7.xml").write_bytes(b"old, left by an earlier run")
    outbox.publish("order-7.xml", ORDER)
    assert pusher.push() == [str(target / "order-7.xml")]
    assert (target / "order-7.xml").read_bytes() == ORDER
    outbox.publish("order-7.xml", ORDER.replace(b">1<", b">7<"))
    assert pusher.push() == [str(target / "order-7.xml")]
    assert b">7<" in (target / "order-7.xml").read_bytes()
    assert names(target) == ["order-7.xml"]


def test_edifact_order_files_are_pushed(
    pusher: SftpOutboxPusher, outbox: LocalOutbox, remote: Path
) -> None:
    """An ``orders.format = "edifact"`` file (``order-<n>.edi``) is delivered like XML."""
    interchange = b"UNA:+.? '\nUNB+UNOC:3+MAGENTO:ZZZ+ERP:ZZZ+260301:1015+42'\n"
    outbox.publish("order-100000003.edi", interchange)
    target = remote / "outbox/orders"
    assert pusher.push() == [str(target / "order-100000003.edi")]
    assert (target / "order-100000003.edi").read_bytes() == interchange


def test_only_published_order_files_are_pushed(
    pusher: SftpOutboxPusher, outbox: LocalOutbox, remote: Path
) -> None:
    """Temp files, hidden files and other names in the outbox are never uploaded."""
    outbox.publish("order-1.xml", ORDER)
    (outbox.directory / ".order-2.xml.tmp").write_bytes(b"half")
    (outbox.directory / "order-3.xml.part").write_bytes(b"half")
    (outbox.directory / "notes.txt").write_bytes(b"x")
    (outbox.directory / "order-4.xml").symlink_to(outbox.directory / "order-1.xml")
    assert [p.name for p in pusher.pending()] == ["order-1.xml"]
    pusher.push()
    assert names(remote / "outbox/orders") == ["order-1.xml"]


def test_touched_file_with_same_content_is_not_pushed_again(
    pusher: SftpOutboxPusher, outbox: LocalOutbox
) -> None:
    """A local file whose mtime changed but whose bytes did not is not re-delivered."""
    path = outbox.publish("order-5.xml", ORDER)
    pusher.push()
    path.touch()
    assert pusher.pending() == []


def test_push_with_server_down_raises_and_delivers_later(
    pusher: SftpOutboxPusher,
    outbox: LocalOutbox,
    ledger: Ledger,
    sshd: SshServer,
    remote: Path,
) -> None:
    """With the server down the push fails transiently; once back, all is delivered."""
    outbox.publish("order-9.xml", ORDER)
    sshd.stop()
    try:
        with pytest.raises(FolderUnavailableError, match="cannot connect"):
            pusher.push()
        state = ledger.remote.endpoint_state("sftp")
        assert state is not None
        assert state.state == "down"
    finally:
        sshd.start()
    assert pusher.push() == [str(remote / "outbox/orders/order-9.xml")]
    assert (remote / "outbox/orders/order-9.xml").read_bytes() == ORDER
