"""The local outbox: files for the ERP, published atomically (Camel's ``tempPrefix``).

A file is written as ``.<name>.tmp`` in the outbox directory itself (same file
system), flushed and fsynced, then renamed into place with ``os.replace`` and the
directory fsynced, so the ERP never sees a partial file and a published file survives
a power cut (S5.3, S5.4). A leftover ``.*.tmp`` from a crash was never published and
is removed by ``clean_temp()``.
"""

from __future__ import annotations

from pathlib import Path

from bridge.support.files import atomic_write

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
        # The helper's temp name is ``.<name>.tmp``: what ``clean_temp`` looks for.
        return atomic_write(self.directory / name, payload)

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
