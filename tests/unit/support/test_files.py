"""support.files: atomic write, the never-overwrite naming rule, move, safe sha256."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from itertools import islice
from pathlib import Path, PurePath, PurePosixPath

import pytest

from bridge.support.files import (
    atomic_write,
    link_unique,
    move_unique,
    sha256_file,
    unique_names,
    unique_path,
)


def test_atomic_write_replaces_content_and_leaves_no_temp(tmp_path: Path) -> None:
    """A write replaces the file whole, with the mode asked for, and no temp remains."""
    target = tmp_path / "report.txt"
    target.write_bytes(b"old")
    assert atomic_write(target, b"new", mode=0o640) == target
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


def test_atomic_write_without_overwrite_keeps_the_existing_file(tmp_path: Path) -> None:
    """With overwrite=False an existing file is kept and the temp file removed."""
    target = tmp_path / "x.rejects.csv"
    target.write_bytes(b"first")
    with pytest.raises(FileExistsError):
        atomic_write(target, b"second", overwrite=False)
    assert target.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.rejects.csv"]


def test_atomic_write_fsyncs_the_file_and_its_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both the file's data and the directory entry are flushed to disk."""
    synced: list[str] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        mode = os.fstat(fd).st_mode
        synced.append("dir" if stat.S_ISDIR(mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    atomic_write(tmp_path / "a.xml", b"<a/>")
    assert synced == ["file", "dir"]


def test_failed_atomic_write_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    """A write that fails midway keeps the old content and removes its temp file."""
    target = tmp_path / "order-1.xml"
    target.write_bytes(b"published")
    with pytest.raises(TypeError):
        atomic_write(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"published"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["order-1.xml"]


def test_unique_names_put_the_counter_before_the_last_extension() -> None:
    """The one naming rule: name.ext, name~1.ext, name~2.ext; remote paths too."""

    def first(path: PurePath, count: int) -> list[str]:
        return [p.name for p in islice(unique_names(path), count)]

    assert first(Path("/a/s.csv"), 3) == ["s.csv", "s~1.csv", "s~2.csv"]
    assert first(Path("README"), 2) == ["README", "README~1"]
    assert first(Path("a.tar.gz"), 2) == ["a.tar.gz", "a.tar~1.gz"]
    remote = list(islice(unique_names(PurePosixPath("/archive/stock/x.xml")), 2))
    assert remote[1] == PurePosixPath("/archive/stock/x~1.xml")


def test_unique_path_skips_taken_names_and_dangling_links(tmp_path: Path) -> None:
    """A name is taken by a file or by a dangling symlink alike."""
    (tmp_path / "s.csv").write_bytes(b"1")
    (tmp_path / "s~1.csv").symlink_to(tmp_path / "missing")
    assert unique_path(tmp_path / "s.csv") == tmp_path / "s~2.csv"
    assert unique_path(tmp_path / "t.csv") == tmp_path / "t.csv"


def test_link_unique_never_replaces_an_existing_file(tmp_path: Path) -> None:
    """Linking under a taken name picks the next free one; the old file stays."""
    source = tmp_path / ".s.csv.part"
    source.write_bytes(b"new")
    (tmp_path / "s.csv").write_bytes(b"old")
    assert link_unique(source, tmp_path / "s.csv") == tmp_path / "s~1.csv"
    assert (tmp_path / "s.csv").read_bytes() == b"old"
    assert (tmp_path / "s~1.csv").read_bytes() == b"new"


def test_move_unique_moves_files_links_and_directories_without_overwriting(
    tmp_path: Path,
) -> None:
    """Files, symlinks (not their targets) and directories move to a free name."""
    dest = tmp_path / "failed"
    dest.mkdir()
    (dest / "x.xml").write_bytes(b"kept")
    plain = tmp_path / "x.xml"
    plain.write_bytes(b"moved")
    assert move_unique(plain, dest / "x.xml") == dest / "x~1.xml"
    assert (dest / "x.xml").read_bytes() == b"kept"
    assert not plain.exists()
    target = tmp_path / "target.xml"
    target.write_bytes(b"target")
    link = tmp_path / "link.xml"
    link.symlink_to(target)
    moved = move_unique(link, dest / "x.xml")
    assert moved == dest / "x~2.xml"
    assert moved.is_symlink()
    assert target.read_bytes() == b"target"
    folder = tmp_path / "dir.xml"
    folder.mkdir()
    assert move_unique(folder, dest / "x.xml") == dest / "x~3.xml"
    assert (dest / "x~3.xml").is_dir()


def test_move_unique_finishes_a_move_cut_between_link_and_unlink(
    tmp_path: Path,
) -> None:
    """When a crash left both names of one file, the move only drops the source."""
    source = tmp_path / "work.csv"
    source.write_bytes(b"data")
    dest = tmp_path / "archive.csv"
    os.link(source, dest)
    assert move_unique(source, dest) == dest
    assert not source.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.csv"]


def test_sha256_file_hashes_regular_files(tmp_path: Path) -> None:
    """The hash is the sha256 of the whole content, also past one read chunk."""
    data = os.urandom(3 * 1024 * 1024 + 17)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_sha256_file_refuses_symlinks_and_fifos(tmp_path: Path) -> None:
    """A symlink is never followed and a FIFO is refused without blocking."""
    target = tmp_path / "target.csv"
    target.write_bytes(b"x")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    with pytest.raises(OSError, match="symbolic links") as link_error:
        sha256_file(link)
    assert link_error.value.errno == errno.ELOOP
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):
        sha256_file(fifo)
