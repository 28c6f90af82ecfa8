"""SftpInbox on a real sshd: read lock, done files, refusals, hand-over, archive."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.errors import FolderUnavailableError
from bridge.flows.fetch_remote_files import SftpInbox
from bridge.folders.sftp import SftpEndpoint, remote_name_refusal
from bridge.ledger import Ledger
from bridge.ledger._schema import files
from tests.sftp.conftest import SshServer, names

STOCK = b"sku,qty\nA-1,5\nB-2,7\n"


def local_names(root: Path, kind: str) -> list[str]:
    directory = root / "inbox" / kind
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def add_outcome(ledger: Ledger, sha256: str, kind: str, status: str) -> int:
    """Insert the files row the local pipeline writes for a file it finished."""
    now = ledger.now()
    with ledger.begin() as conn:
        key = conn.execute(
            files.insert().values(
                kind=kind,
                name="x",
                sha256=sha256,
                size=1,
                received_at=now,
                status=status,
            )
        ).inserted_primary_key
    assert key is not None
    return int(key[0])


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "root"


@pytest.fixture
def inbox(endpoint: SftpEndpoint, ledger: Ledger, root: Path) -> SftpInbox:
    return SftpInbox(endpoint, ledger, root)


def test_file_is_taken_only_after_two_identical_listings(
    inbox: SftpInbox, remote: Path, root: Path
) -> None:
    """The first poll only observes; the second, seeing the same size, downloads."""
    (remote / "inbox/stock/stock.csv").write_bytes(STOCK)
    first = inbox.poll()
    assert first.downloaded == []
    assert first.waiting == 1
    assert local_names(root, "stock") == []
    second = inbox.poll()
    assert second.downloaded == [root / "inbox/stock/stock.csv"]
    assert (root / "inbox/stock/stock.csv").read_bytes() == STOCK
    assert local_names(root, "stock") == ["stock.csv"]
    assert (
        remote / "inbox/stock/stock.csv"
    ).exists()  # stays until the outcome is known
    assert inbox.poll().downloaded == []  # handed over once only


def test_growing_remote_file_is_not_taken(
    inbox: SftpInbox, remote: Path, root: Path
) -> None:
    """A file whose size or mtime changes between polls waits until it is stable."""
    path = remote / "inbox/products/products.xml"
    path.write_bytes(b"<products>")
    inbox.poll()
    with path.open("ab") as fh:
        fh.write(b"<product/>")
    assert inbox.poll().downloaded == []
    os.utime(path, (1_700_000_000, 1_700_000_000))  # same size, other mtime
    assert inbox.poll().downloaded == []
    assert inbox.poll().downloaded == [root / "inbox/products/products.xml"]
    assert (
        root / "inbox/products/products.xml"
    ).read_bytes() == b"<products><product/>"


def test_done_file_mode_waits_for_done_file(
    endpoint: SftpEndpoint, ledger: Ledger, remote: Path, root: Path
) -> None:
    """With a done suffix a file is taken once its done file exists; both archived."""
    inbox = SftpInbox(endpoint, ledger, root, done_suffix=".done")
    (remote / "inbox/shipments/ship.xml").write_bytes(b"<shipments/>")
    assert inbox.poll().downloaded == []
    assert inbox.poll().downloaded == []  # stable, but no done file
    (remote / "inbox/shipments/ship.xml.done").write_bytes(b"")
    result = inbox.poll()
    assert result.downloaded == [root / "inbox/shipments/ship.xml"]
    assert local_names(root, "shipments") == ["ship.xml", "ship.xml.done"]
    sha = inbox.ledger.remote.handed_over("sftp")[0].sha256
    assert sha is not None
    add_outcome(ledger, sha, "shipments", "done")
    inbox.poll()
    archived = names(remote / "archive/shipments")
    assert len(archived) == 2
    assert archived[0].endswith("_ship.xml")
    assert archived[1] == archived[0] + ".done"
    assert names(remote / "inbox/shipments") == []


def test_unsafe_and_non_regular_remote_entries_are_refused(
    inbox: SftpInbox, ledger: Ledger, remote: Path, root: Path
) -> None:
    """Backslash or '..' names, symlinks and directories are refused, never read.

    Unsafe names stay where they are and are refused at every poll; symlinks and
    directories (safe names) are moved, unread, to the remote archive at the first
    poll, so later polls no longer see them.
    """
    stock = remote / "inbox/stock"
    (stock / "a\\b.csv").write_bytes(STOCK)
    (stock / "x..y.csv").write_bytes(STOCK)
    (stock / "link.csv").symlink_to(remote / "inbox/stock/x..y.csv")
    (stock / "dir.csv").mkdir()
    first = inbox.poll()
    assert sorted(first.refused) == [
        "stock/a\\b.csv",
        "stock/dir.csv",
        "stock/link.csv",
        "stock/x..y.csv",
    ]
    assert first.downloaded == []
    for _ in range(2):
        result = inbox.poll()
        assert sorted(result.refused) == ["stock/a\\b.csv", "stock/x..y.csv"]
        assert result.downloaded == []
    assert local_names(root, "stock") == []
    assert names(stock) == ["a\\b.csv", "x..y.csv"]
    archived = remote / "archive/stock"
    assert sorted(n.split("_", 1)[1] for n in names(archived)) == [
        "dir.csv",
        "link.csv",
    ]
    (link,) = [p for p in archived.iterdir() if p.name.endswith("_link.csv")]
    assert link.is_symlink()
    rows = ledger.remote.files_for("sftp", "stock", "link.csv")
    assert [(r.status, r.outcome) for r in rows] == [("archived", "refused")]
    rows = ledger.remote.files_for("sftp", "stock", "x..y.csv")
    assert [r.status for r in rows] == ["refused"]


def test_refusal_rules_for_names_a_local_disk_cannot_hold() -> None:
    """Slashes and NUL bytes in a listed name are refused; ordinary names pass."""
    assert remote_name_refusal("../etc/passwd") is not None
    assert remote_name_refusal("a/b.xml") == "name contains a path separator"
    assert remote_name_refusal("a\0.xml") == "name contains a NUL byte"
    assert remote_name_refusal("stock-2026-11-26.csv") is None


def test_in_transfer_and_hidden_names_are_ignored(
    inbox: SftpInbox, remote: Path, root: Path
) -> None:
    """Hidden, .tmp, .part and .filepart files are neither taken nor refused."""
    for name in (".hidden.csv", "a.csv.tmp", "b.csv.part", "c.csv.filepart"):
        (remote / "inbox/stock" / name).write_bytes(STOCK)
    for _ in range(3):
        result = inbox.poll()
        assert (result.downloaded, result.refused, result.waiting) == ([], [], 0)
    assert local_names(root, "stock") == []


def test_existing_local_name_is_never_overwritten(
    inbox: SftpInbox, remote: Path, root: Path
) -> None:
    """If the local inbox already holds the name, the download gets a '~n' name."""
    local = root / "inbox/stock"
    local.mkdir(parents=True)
    (local / "stock.csv").write_bytes(b"dropped locally\n")
    (remote / "inbox/stock/stock.csv").write_bytes(STOCK)
    inbox.poll()
    assert inbox.poll().downloaded == [local / "stock~1.csv"]
    assert (local / "stock.csv").read_bytes() == b"dropped locally\n"
    assert (local / "stock~1.csv").read_bytes() == STOCK


def test_remote_file_is_archived_only_after_the_local_outcome(
    inbox: SftpInbox, ledger: Ledger, remote: Path
) -> None:
    """The remote file is archived once a files row newer than its hand-over ends."""
    import hashlib

    sha = hashlib.sha256(STOCK).hexdigest()
    add_outcome(ledger, sha, "stock", "done")  # same content applied long ago
    (remote / "inbox/stock/stock.csv").write_bytes(STOCK)
    inbox.poll()
    inbox.poll()
    assert inbox.poll().archived == []  # the old row does not count
    row_id = add_outcome(ledger, sha, "stock", "processing")
    assert inbox.poll().archived == []
    with ledger.begin() as conn:
        conn.execute(
            sa.update(files).where(files.c.id == row_id).values(status="duplicate")
        )
    result = inbox.poll()
    assert result.archived == [str(remote / "inbox/stock/stock.csv")]
    assert names(remote / "inbox/stock") == []
    (archived,) = names(remote / "archive/stock")
    assert archived.endswith("Z_stock.csv")
    assert (remote / "archive/stock" / archived).read_bytes() == STOCK
    (row,) = ledger.remote.files_for("sftp", "stock", "stock.csv")
    assert row.status == "archived"


def test_delete_after_archive_removes_the_remote_file(
    sshd: SshServer, remote: Path, ledger: Ledger, root: Path
) -> None:
    """With delete_after_archive the finished remote file is removed, not archived."""
    endpoint = SftpEndpoint(sshd.settings(remote, delete_after_archive=True))
    try:
        inbox = SftpInbox(endpoint, ledger, root)
        (remote / "inbox/stock/s.csv").write_bytes(STOCK)
        inbox.poll()
        inbox.poll()
        sha = ledger.remote.handed_over("sftp")[0].sha256
        assert sha is not None
        add_outcome(ledger, sha, "stock", "failed")
        assert inbox.poll().archived == [str(remote / "inbox/stock/s.csv")]
        assert names(remote / "inbox/stock") == []
        assert names(remote / "archive") == []
        assert [
            r.status for r in ledger.remote.files_for("sftp", "stock", "s.csv")
        ] == ["deleted"]
    finally:
        endpoint.close()


def test_file_rewritten_after_hand_over_is_taken_again(
    inbox: SftpInbox, ledger: Ledger, remote: Path, root: Path
) -> None:
    """A remote file replaced after download is not archived but taken anew."""
    path = remote / "inbox/stock/s.csv"
    path.write_bytes(STOCK)
    inbox.poll()
    inbox.poll()
    path.write_bytes(STOCK + b"C-3,1\n")
    old = ledger.remote.handed_over("sftp")[0]
    assert old.sha256 is not None
    add_outcome(ledger, old.sha256, "stock", "done")
    assert inbox.poll().archived == []
    assert inbox.poll().downloaded == [root / "inbox/stock/s~1.csv"]
    assert (root / "inbox/stock/s~1.csv").read_bytes() == STOCK + b"C-3,1\n"
    statuses = [r.status for r in ledger.remote.files_for("sftp", "stock", "s.csv")]
    assert statuses == ["superseded", "downloaded"]


def test_endpoint_state_is_recorded_for_status(
    inbox: SftpInbox, ledger: Ledger, sshd: SshServer
) -> None:
    """Each poll stores the endpoint state: up, or down with the error."""
    inbox.poll()
    state = ledger.remote.endpoint_state("sftp")
    assert state is not None
    assert (state.state, state.error) == ("up", None)
    sshd.stop()
    try:
        with pytest.raises(FolderUnavailableError):
            inbox.poll()
        with pytest.raises(FolderUnavailableError, match="cannot connect"):
            inbox.poll()
    finally:
        sshd.start()
    state = ledger.remote.endpoint_state("sftp")
    assert state is not None
    assert state.state == "down"
    assert state.error is not None
    assert "cannot connect" in state.error
    inbox.poll()
    state = ledger.remote.endpoint_state("sftp")
    assert state is not None
    assert state.state == "up"


def test_finalize_alone_archives_finished_files(
    inbox: SftpInbox, ledger: Ledger, remote: Path
) -> None:
    """finalize() archives a handed-over file once its outcome exists."""
    (remote / "inbox/stock/late.csv").write_bytes(STOCK)
    inbox.poll()
    inbox.poll()
    assert inbox.finalize() == []
    sha = ledger.remote.handed_over("sftp")[0].sha256
    assert sha is not None
    add_outcome(ledger, sha, "stock", "partial")
    assert inbox.finalize() == [str(remote / "inbox/stock/late.csv")]
    assert names(remote / "inbox/stock") == []
    state = ledger.remote.endpoint_state("sftp")
    assert state is not None
    assert state.state == "up"
