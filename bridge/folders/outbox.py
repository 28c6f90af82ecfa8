"""The local outbox: files for the ERP, published atomically (Camel's ``tempPrefix``).

A file is written as ``.<name>.<tag>.tmp`` in the outbox directory itself (same file
system; ``tag`` names the writing process, so two processes never share a temp name),
flushed and fsynced, then renamed into place with ``os.replace`` and the directory
fsynced, so the ERP never sees a partial file and a published file survives a power
cut (S5.3, S5.4). A leftover ``.*.tmp`` from a crash was never published and is
removed by ``clean_temp()``: this process's own, and others' only once they are old
enough that their writer is surely gone.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from bridge.support.files import atomic_write

__all__ = ["LocalOutbox", "check_name"]

_TEMP_PREFIX = "."
_TEMP_SUFFIX = ".tmp"
_TAGGED = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$")


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

    def publish(self, name: str, payload: bytes, *, tag: str = "") -> Path:
        """Write ``payload`` as ``name``; a reader sees the old file or the new one.

        Args:
            name: A plain file name (no directory part).
            payload: The complete file content.
            tag: The writing process's mark, part of the temp name (12 of
                ``[0-9a-f]``).

        Returns:
            The published path.

        Raises:
            ValueError: ``name`` is not a plain file name.
            OSError: The file could not be written (the temp file is removed).
        """
        check_name(name)
        # The temp name is ``.<name>[.<tag>].tmp``: what ``clean_temp`` looks for.
        return atomic_write(self.directory / name, payload, temp_tag=tag)

    def exists(self, name: str) -> bool:
        """True if ``name`` is published in this outbox."""
        return (self.directory / check_name(name)).is_file()

    def clean_temp(self, tag: str = "", min_age: float = 0.0) -> list[Path]:
        """Remove leftover temp files of interrupted publishes.

        Args:
            tag: This process's mark: its own temp files are removed at once.
            min_age: Seconds a temp file of another writer must be old to be removed
                (0: every temp file, as for a single process).

        Returns:
            The removed paths (they were never published, so nothing is lost).
        """
        removed = []
        now = time.time()
        own = f".{tag}{_TEMP_SUFFIX}" if tag else None
        for path in sorted(self.directory.glob(f"{_TEMP_PREFIX}*{_TEMP_SUFFIX}")):
            if not path.is_file() or path.is_symlink():
                continue
            tagged = _TAGGED.match(path.name)
            mine = own is not None and path.name.endswith(own)
            # An untagged temp is a single-process writer's crash leftover; another
            # process's tagged temp only once it is too old to be in progress.
            if not tagged or mine or now - path.stat().st_mtime >= min_age:
                path.unlink(missing_ok=True)
                removed.append(path)
        return removed
