"""Read lock: decide when a dropped file is complete (Camel's ``readLock=changed``).

A file is taken only when complete (SPEC §2):
- names starting with ``.`` or ending ``.tmp``, ``.part``, ``.filepart`` are never taken
  (writers use them for files in transfer: Camel's temp prefix convention);
- with a done suffix configured (e.g. ``.done``), a file is taken only once
  ``<name><suffix>`` exists (Camel's ``doneFileName``);
- otherwise its size and mtime must be unchanged for ``stable_seconds``: its mtime is
  at least that old, and it looked the same at the previous scan, if there was one.

This module is pure bookkeeping: it gets ``os.stat_result``-like values and a clock.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["IGNORED_SUFFIXES", "ReadLock", "is_ignored_name"]

IGNORED_SUFFIXES = (".tmp", ".part", ".filepart")


def is_ignored_name(name: str, done_suffix: str = "") -> bool:
    """True for names the bridge never takes (in transfer, hidden, or done files)."""
    if name.startswith("."):
        return True
    lowered = name.lower()
    if lowered.endswith(IGNORED_SUFFIXES):
        return True
    return bool(done_suffix) and name.endswith(done_suffix)


@dataclass(frozen=True)
class _Seen:
    size: int
    mtime_ns: int


class ReadLock:
    """Remembers what each path looked like at the last scan.

    Args:
        stable_seconds: How long size and mtime must stay unchanged.
    """

    def __init__(self, stable_seconds: float) -> None:
        self.stable_seconds = stable_seconds
        self._seen: dict[str, _Seen] = {}

    def is_stable(self, key: str, size: int, mtime_ns: int, now: float) -> bool:
        """Record this observation and say whether the file may be taken now.

        Args:
            key: The file's identity (its path).
            size: Size in bytes now.
            mtime_ns: Modification time now (ns since the epoch).
            now: Wall-clock time now (seconds since the epoch).
        """
        previous = self._seen.get(key)
        current = _Seen(size, mtime_ns)
        self._seen[key] = current
        old_enough = now - mtime_ns / 1e9 >= self.stable_seconds
        unchanged = previous is None or previous == current
        return old_enough and unchanged

    def forget(self, key: str) -> None:
        """Drop what is known about ``key`` (after it was claimed or vanished)."""
        self._seen.pop(key, None)

    def retain(self, keys: set[str]) -> None:
        """Forget every path not in ``keys`` (files that disappeared)."""
        for key in list(self._seen):
            if key not in keys:
                del self._seen[key]
