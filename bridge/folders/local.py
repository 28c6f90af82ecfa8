"""Local inboxes: scan ``inbox/<kind>/`` and claim complete files by atomic rename.

Claiming renames the file from the inbox into ``var/work/<kind>/<received-utc>_<name>``
(Camel's ``preMove``). ``rename(2)`` is atomic within one filesystem, so when two bridge
processes race for the same file exactly one of them gets it; the other sees
``FileNotFoundError`` and moves on.

Symlinks, FIFOs, devices, sockets and directories in an inbox are never opened: they
are reported as refused; the pipeline claims them (the link itself, not its target)
and completes them as refused, which moves them to ``failed/`` with a report.

``LocalInbox`` is a ``Folder`` (``folders/base.py``): ``complete`` hands the finished
file to ``LocalCompletion`` (``archive/`` or ``failed/``, reports, names, modes).
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bridge.errors import FolderUnavailableError
from bridge.folders.base import (
    Candidate,
    ClaimedFile,
    Outcome,
    Placement,
    name_bytes,
    received_stamp,
    safe_name,
    unsafe_name_reason,
)
from bridge.folders.completion import LocalCompletion
from bridge.folders.readlock import ReadLock, is_ignored_name
from bridge.kinds import FOLDERS

__all__ = [
    "Candidate",
    "ClaimedFile",
    "LocalInbox",
    "received_stamp",
    "refusal_for_mode",
]

KINDS: tuple[str, ...] = FOLDERS  # inbox/<folder>/ of each kind (bridge.kinds)


def refusal_for_mode(mode: int) -> str | None:
    """Why an entry of this ``st_mode`` is never read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "symbolic link (never followed)"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "not a regular file"


def _checked(cand: Candidate) -> Candidate:
    """Refuse a candidate whose name cannot be kept, under a safe stand-in name."""
    why = unsafe_name_reason(cand.name)
    if why is None:
        return cand
    reason = f"{why}; {name_bytes(cand.name)}; rename it and drop it again"
    return replace(cand, name=safe_name(cand.name), refused=reason)


class LocalInbox:
    """The local ``inbox/<kind>/`` folders.

    Args:
        root: The folder root (``inbox/`` lies below it).
        stable_seconds: Read-lock time (``folders.stable_seconds``).
        done_suffix: Done-file suffix (``folders.done_suffix``), "" for none.
        kinds: The inbox kinds to scan.
        clock: Wall clock, injectable for tests.
    """

    def __init__(
        self,
        root: Path,
        *,
        stable_seconds: float,
        done_suffix: str = "",
        kinds: Sequence[str] = KINDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = root
        self.inbox = root / "inbox"
        self.work_dir = root / "var" / "work"
        self.completion = LocalCompletion(root)
        self.done_suffix = done_suffix
        self.kinds = tuple(kinds)
        self.clock = clock
        self._lock = ReadLock(stable_seconds)
        self.waiting = 0
        """Regular files seen at the last scan that were not yet stable."""

    def ensure(self) -> None:
        """Create the inbox folders if missing."""
        for kind in self.kinds:
            (self.inbox / kind).mkdir(parents=True, exist_ok=True)

    def scan(self) -> list[Candidate]:
        """List entries that are complete (or must be refused), oldest first.

        Raises:
            FolderUnavailableError: An inbox folder cannot be listed.
        """
        found: list[Candidate] = []
        seen: set[str] = set()
        self.waiting = 0
        now = self.clock()
        for kind in self.kinds:
            folder = self.inbox / kind
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise FolderUnavailableError(
                    f"cannot list {folder}: {exc.strerror}", endpoint=str(folder)
                ) from exc
            names = {e.name for e in entries}
            for entry in entries:
                cand = self._consider(kind, entry, names, now, seen)
                if cand is not None:
                    found.append(cand)
        self._lock.retain(seen)
        found.sort(key=lambda c: (c.mtime_ns, c.name))
        return found

    def _consider(
        self,
        kind: str,
        entry: os.DirEntry[str],
        names: set[str],
        now: float,
        seen: set[str],
    ) -> Candidate | None:
        if is_ignored_name(entry.name, self.done_suffix):
            return None
        path = Path(entry.path)
        try:
            st = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            return None
        refused = refusal_for_mode(st.st_mode)
        if refused is not None:
            return Candidate(kind, entry.name, path, 0, st.st_mtime_ns, refused=refused)
        done_path: Path | None = None
        if self.done_suffix:
            if entry.name + self.done_suffix not in names:
                return None
            done_path = path.with_name(entry.name + self.done_suffix)
            return _checked(
                Candidate(
                    kind, entry.name, path, st.st_size, st.st_mtime_ns, None, done_path
                )
            )
        seen.add(entry.path)
        if not self._lock.is_stable(entry.path, st.st_size, st.st_mtime_ns, now):
            self.waiting += 1
            return None
        return _checked(Candidate(kind, entry.name, path, st.st_size, st.st_mtime_ns))

    def work_files(self, work_dir: Path | None = None) -> list[ClaimedFile]:
        """Files left in ``work_dir`` by an earlier run (claimed, not finished)."""
        work_dir = work_dir or self.work_dir
        left: list[ClaimedFile] = []
        for kind in self.kinds:
            folder = work_dir / kind
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if self.done_suffix and path.name.endswith(self.done_suffix):
                    continue
                stamp, _, name = path.name.partition("_")
                try:
                    received = datetime.strptime(stamp, "%Y%m%dT%H%M%S.%fZ").replace(
                        tzinfo=UTC
                    )
                except ValueError:
                    continue
                st = path.lstat()
                done = (
                    path.with_name(path.name + self.done_suffix)
                    if self.done_suffix
                    else None
                )
                left.append(
                    ClaimedFile(
                        kind=kind,
                        name=name,
                        path=path,
                        size=st.st_size,
                        mtime_ns=st.st_mtime_ns,
                        received=received,
                        done_path=done if done is not None and done.exists() else None,
                    )
                )
        return left

    def claim(
        self,
        cand: Candidate,
        work_dir: Path | None = None,
        received: datetime | None = None,
    ) -> ClaimedFile | None:
        """Move ``cand`` into ``work_dir/<kind>/`` atomically; None if another process won.

        The claimed name is ``<received-utc>_<name>``, unique per received time.

        Args:
            cand: An entry from ``scan()``.
            work_dir: The work folder (default ``<root>/var/work``).
            received: The received time (default: now, UTC).
        """
        received = received or datetime.now(UTC)
        dest_dir = (work_dir or self.work_dir) / cand.kind
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / f"{received_stamp(received)}_{cand.name}"
        try:
            cand.path.rename(dest)
        except FileNotFoundError:
            self._lock.forget(str(cand.path))
            return None
        self._lock.forget(str(cand.path))
        # The entry could have been swapped for a link between scan and rename.
        st = dest.lstat()
        done_dest: Path | None = None
        if cand.done_path is not None:
            done_dest = dest.with_name(dest.name + self.done_suffix)
            try:
                cand.done_path.rename(done_dest)
            except FileNotFoundError:
                done_dest = None
        return ClaimedFile(
            kind=cand.kind,
            name=cand.name,
            path=dest,
            size=st.st_size if stat.S_ISREG(st.st_mode) else 0,
            mtime_ns=st.st_mtime_ns,
            received=received,
            done_path=done_dest,
        )

    def complete(
        self,
        claimed: ClaimedFile,
        outcome: Outcome,
        *,
        record: Callable[[Placement], None] | None = None,
    ) -> Placement:
        """Archive or move-failed a claimed file with its report (see ``Folder``)."""
        return self.completion.complete(claimed, outcome, record=record)
