"""File helpers shared by every package: one implementation of each idea.

- ``atomic_write``: a temp file in the same folder, fsynced, renamed (or linked,
  when nothing may be overwritten) into place, and the folder fsynced, so a reader
  sees the old content or the new one and a written file survives a power cut.
- ``unique_path`` / ``move_unique`` / ``link_unique``: the one "never overwrite"
  naming rule: ``name.ext``, then ``name~1.ext``, ``name~2.ext`` ... (the counter
  goes before the last extension, so the file still opens as what it is).
- ``sha256_file``: the content hash of a regular file, refusing symlinks and other
  non-regular files (it never follows a link and never blocks on a FIFO).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import TypeVar

__all__ = [
    "atomic_write",
    "fsync_dir",
    "link_unique",
    "move_unique",
    "sha256_file",
    "unique_names",
    "unique_path",
]

_CHUNK = 1 << 20
_MAX_TRIES = 10_000
_P = TypeVar("_P", bound=PurePath)


def fsync_dir(directory: Path) -> None:
    """Flush a directory's entries (a create or rename in it) to disk.

    Args:
        directory: The directory whose entries changed.
    """
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(
    path: Path,
    data: bytes,
    *,
    overwrite: bool = True,
    mode: int | None = None,
    temp_tag: str = "",
) -> Path:
    """Write ``data`` to ``path`` atomically and durably.

    The bytes go to ``.<name>.tmp`` in the same folder (hidden and ``.tmp``, so no
    inbox scanner takes it), are fsynced, then renamed over ``path`` (or hard-linked
    as ``path`` when ``overwrite`` is False, which fails if it exists); the folder is
    fsynced last. The temp file never survives, whatever happens.

    Args:
        path: The file to write; its folder must exist.
        data: The complete content.
        overwrite: False: raise ``FileExistsError`` rather than replace a file.
        mode: Permission bits for the new file (e.g. ``0o640``), or None for the
            process umask.
        temp_tag: Makes the temp name ``.<name>.<tag>.tmp``, unique per writer.

    Returns:
        ``path``.

    Raises:
        FileExistsError: ``overwrite`` is False and ``path`` exists.
        OSError: The file could not be written.
    """
    temp = path.with_name(
        f".{path.name}.{temp_tag}.tmp" if temp_tag else f".{path.name}.tmp"
    )
    try:
        with temp.open("wb") as fh:
            if mode is not None:
                os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            temp.replace(path)
        else:
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return path


def unique_names(path: _P) -> Iterator[_P]:
    """Yield ``path``, then ``stem~1.ext``, ``stem~2.ext`` ... in the same folder.

    Pure naming: it works for remote (``PurePosixPath``) paths as well.

    Only the last extension stays at the end (``a.tar.gz`` → ``a.tar~1.gz``); a
    name without one gets the counter at its end (``README`` → ``README~1``).

    Args:
        path: The wished-for path.
    """
    yield path
    stem, dot, ext = path.name.rpartition(".")
    if not stem:  # no extension, or only a leading dot
        stem, dot, ext = path.name, "", ""
    for n in range(1, _MAX_TRIES):
        yield path.with_name(f"{stem}~{n}{dot}{ext}")


def _taken(path: Path) -> bool:
    return path.is_symlink() or path.exists()


def unique_path(path: Path) -> Path:
    """Return the first free name for ``path`` (see ``unique_names``).

    Free means no entry at all, not even a dangling symlink. Only a hint when other
    processes create files in the same folder: ``move_unique`` and ``link_unique``
    take the name atomically.

    Raises:
        FileExistsError: Every candidate name is taken.
    """
    for candidate in unique_names(path):
        if not _taken(candidate):
            return candidate
    raise FileExistsError(f"no free name for {path}")


def link_unique(source: Path, path: Path) -> Path:
    """Hard-link ``source`` as ``path`` or its first free unique name.

    ``link(2)`` never replaces an existing entry, so two processes can never get
    the same name.

    Args:
        source: An existing file.
        path: The wished-for name (same file system).

    Returns:
        The name taken.

    Raises:
        FileExistsError: Every candidate name is taken.
    """
    for candidate in unique_names(path):
        try:
            os.link(source, candidate, follow_symlinks=False)
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"no free name for {path}")


def move_unique(source: Path, path: Path) -> Path:
    """Move ``source`` to ``path`` or its first free unique name; never overwrite.

    Regular files, symlinks (the link itself) and other entries that can be
    hard-linked are linked under the new name first and then unlinked, so an
    existing file is never replaced even when another process races for the name.
    If a crash left both names of one file behind (linked, not yet unlinked), the
    second run finds ``path`` already is ``source`` and only drops ``source``.
    Directories cannot be hard-linked; they are renamed to a name found free.

    Args:
        source: The entry to move.
        path: Where it should go (same file system).

    Returns:
        Where it went.
    """
    with contextlib.suppress(OSError):
        if os.path.samestat(os.lstat(source), os.lstat(path)):
            source.unlink()
            return path
    try:
        target = link_unique(source, path)
    except OSError as exc:
        # EPERM: a directory (Linux); EMLINK: too many links; EXDEV: other device.
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK):
            raise
        target = unique_path(path)
        source.rename(target)
        return target
    source.unlink()
    return target


def sha256_file(path: Path) -> str:
    """Return the sha256 (hex) of a regular file's content, never following links.

    Args:
        path: The file.

    Raises:
        OSError: ``path`` is a symlink (``ELOOP``), not a regular file
            (``EINVAL``: FIFOs are opened without blocking and refused), or
            unreadable.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        digest = hashlib.sha256()
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
