"""The local outbox: files for the ERP, published atomically (Camel's ``tempPrefix``).

A file is written as ``.<name>.tmp`` in the outbox directory itself (same file
system), flushed and fsynced, then renamed into place with ``os.replace`` and the
directory fsynced, so the ERP never sees a partial file and a published file survives
a power cut (S5.3, S5.4). A leftover ``.*.tmp`` from a crash was never published and
is removed by ``clean_temp()``.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["LocalOutbox", "check_name"]

_TEMP_PREFIX = "."
_TEMP_SUFFIX = ".tmp"


def check_name(name: str) -> str:
    r"""Return ``name`` if it is a plain file name, else raise ``ValueError``.

    Args:
        name: The file name to check.

    Raises:
        ValueError: Empty, hidden, a path (``/`` or ``\\``), ``..`` or a NUL byte.
    """
    if (
        not name
        or name.startswith(".")
        or any(sep in name for sep in ("/", "\\", "\0"))
        or ".." in name
    ):
        raise ValueError(f"not a plain file name: {name!r}")
    return name


def fsync_dir(directory: Path) -> None:
    """Flush a directory entry change (a rename) to disk."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalOutbox:
    """A local directory that files are published into, atomically.

    Args:
        directory: The outbox directory (e.g. ``<root>/outbox/orders``); created
            when missing.
    """

    def __init__(self, directory: Path) -> None:
        """Create the directory if needed."""
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def _temp_path(self, name: str) -> Path:
        return self.directory / f"{_TEMP_PREFIX}{name}{_TEMP_SUFFIX}"

    def publish(self, name: str, payload: bytes) -> Path:
        """Write ``payload`` as ``name``; a reader sees the old file or the new one.

        Args:
            name: A plain file name (no directory part).
            payload: The complete file content.

        Returns:
            The published path.

        Raises:
            ValueError: ``name`` is not a plain file name.
            OSError: The file could not be written (the temp file is removed).
        """
        check_name(name)
        temp = self._temp_path(name)
        target = self.directory / name
        try:
            with temp.open("wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            temp.replace(target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        fsync_dir(self.directory)
        return target

    def exists(self, name: str) -> bool:
        """True if ``name`` is published in this outbox."""
        return (self.directory / check_name(name)).is_file()

    def clean_temp(self) -> list[Path]:
        """Remove leftover temp files of interrupted publishes.

        Returns:
            The removed paths (they were never published, so nothing is lost).
        """
        removed = []
        for path in sorted(self.directory.glob(f"{_TEMP_PREFIX}*{_TEMP_SUFFIX}")):
            if path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
                removed.append(path)
        return removed
