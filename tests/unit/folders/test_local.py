"""Local inbox: read lock, ignored names, refusal of non-regular entries, atomic claim."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from bridge.folders.local import LocalInbox, received_stamp
from bridge.folders.readlock import ReadLock, is_ignored_name

RECEIVED = datetime(2026, 11, 26, 12, 0, 0, 123456, tzinfo=UTC)


class Clock:
    """A settable wall clock."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _drop(path: Path, data: bytes, mtime: float) -> None:
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))


def _inbox(tmp_path: Path, clock: Clock, **kw: object) -> LocalInbox:
    inbox = LocalInbox(tmp_path, stable_seconds=2, clock=clock, **kw)  # type: ignore[arg-type]
    inbox.ensure()
    return inbox


def test_ignored_names() -> None:
    """Hidden, temporary and partial names, and done files, are never taken."""
    for name in (".x.xml", "a.tmp", "a.xml.part", "a.FILEPART", "a.xml.done"):
        assert is_ignored_name(name, ".done")
    assert not is_ignored_name("a.xml", ".done")
    assert not is_ignored_name("a.xml.done", "")


def test_read_lock_needs_age_and_no_change() -> None:
    """A file is stable once its mtime is old enough and it looked the same last scan."""
    lock = ReadLock(2)
    assert not lock.is_stable("f", 10, int(99e9), now=100.0)  # written 1 s ago
    assert not lock.is_stable("f", 20, int(99.5e9), now=101.0)  # still growing
    assert lock.is_stable("f", 20, int(99.5e9), now=102.0)  # unchanged, 2.5 s old


def test_growing_file_is_not_taken_until_stable(tmp_path: Path) -> None:
    """A file still being written is not offered until size and mtime stay unchanged."""
    clock = Clock(1000.0)
    inbox = _inbox(tmp_path, clock)
    f = tmp_path / "inbox" / "stock" / "s.csv"
    _drop(f, b"sku,qty\n", 999.5)
    assert inbox.scan() == []
    assert inbox.waiting == 1
    clock.now = 1001.0
    _drop(f, b"sku,qty\nA,1\n", 1000.9)  # the writer appended
    assert inbox.scan() == []
    clock.now = 1003.0
    [cand] = inbox.scan()
    assert cand.name == "s.csv"
    assert cand.kind == "stock"
    assert cand.refused is None


def test_old_file_is_taken_at_first_scan(tmp_path: Path) -> None:
    """A file whose mtime is older than stable_seconds is complete at once."""
    clock = Clock(1000.0)
    inbox = _inbox(tmp_path, clock)
    _drop(tmp_path / "inbox" / "products" / "p.xml", b"<products/>", 900.0)
    [cand] = inbox.scan()
    assert cand.kind == "products"


def test_done_file_releases_the_file(tmp_path: Path) -> None:
    """With a done suffix, a file is taken only once its done file exists."""
    clock = Clock(1000.0)
    inbox = _inbox(tmp_path, clock, done_suffix=".done")
    folder = tmp_path / "inbox" / "stock"
    _drop(folder / "s.csv", b"sku,qty\n", 900.0)
    assert inbox.scan() == []
    (folder / "s.csv.done").write_bytes(b"")
    [cand] = inbox.scan()
    assert cand.done_path == folder / "s.csv.done"
    claimed = inbox.claim(cand, tmp_path / "work", RECEIVED)
    assert claimed is not None
    assert claimed.done_path is not None
    assert claimed.done_path.exists()
    assert not (folder / "s.csv.done").exists()


def test_symlink_and_fifo_are_refused_not_followed(tmp_path: Path) -> None:
    """Symlinks and named pipes are reported as refused, never opened."""
    clock = Clock(1000.0)
    inbox = _inbox(tmp_path, clock)
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    folder = tmp_path / "inbox" / "products"
    (folder / "link.xml").symlink_to(secret)
    os.mkfifo(folder / "pipe.xml")
    refused = {c.name: c.refused for c in inbox.scan()}
    assert refused["link.xml"] is not None
    assert "link" in refused["link.xml"]
    assert refused["pipe.xml"] is not None
    assert "pipe" in refused["pipe.xml"]


def test_claim_moves_atomically_and_only_once(tmp_path: Path) -> None:
    """Two claimers of one file: exactly one gets it, under its received-time name."""
    clock = Clock(1000.0)
    inbox_a = _inbox(tmp_path, clock)
    inbox_b = _inbox(tmp_path, clock)
    _drop(tmp_path / "inbox" / "stock" / "s.csv", b"sku,qty\nA,1\n", 900.0)
    [cand_a] = inbox_a.scan()
    [cand_b] = inbox_b.scan()
    first = inbox_a.claim(cand_a, tmp_path / "work", RECEIVED)
    second = inbox_b.claim(cand_b, tmp_path / "work", RECEIVED)
    assert first is not None
    assert second is None
    assert first.path.name == f"{received_stamp(RECEIVED)}_s.csv"
    assert first.path.read_bytes() == b"sku,qty\nA,1\n"
    assert inbox_a.work_files(tmp_path / "work")[0].received == RECEIVED
