"""Remote inboxes on the SFTP server, brought into the local inboxes.

A polling consumer with Camel's ``readLock=changed``: a remote file is taken once its
size and mtime are unchanged over two polls (or once its done file exists). It is
downloaded to ``inbox/<kind>/.<name>.part`` (hidden, so the local scanner ignores it),
fsynced, checked against the listed size and re-stat'ed, then hard-linked into place
under its own name (never over an existing file) and handed to the normal local
pipeline. When that local file is claimed, the remote row is linked to it; when the
pipeline completes it, its outcome is recorded on that row, and only then is the
remote file moved to ``{archive}/<kind>/<received-utc>_<name>`` (S5.5;
``archive_remote_files.py``). Entries that are never read (symlinks, FIFOs and
other non-regular entries, files over ``folders.max_file_mb``) are moved to the
remote archive at once, with a report in the local ``failed/<kind>/``; names that a
local disk should not hold (``..``, backslashes) are left alone and logged once.
A name that is too long, not UTF-8 or holds control characters (``unsafe_name_reason``)
is fetched into the local ``failed/<kind>/`` under a safe name (``safe_name``) with a
report giving the original name's bytes, never into the inbox, and the remote entry is
moved to the remote archive under that safe name; if the server refuses the move, it
is left where it is, marked in the ledger (and by a hidden ``.<safe name>.quarantined``
file beside it when the inbox is writable) and never fetched again.

A connection lost mid-download leaves only the ``.part`` (removed, or overwritten on
the next attempt) and the file is taken again. A crash between handing over and
recording it can hand the same content over twice; the pipeline's sha256 idempotency
archives the second copy as a duplicate, so nothing is applied twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import posixpath
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from bridge.errors import FolderUnavailableError
from bridge.flows.archive_remote_files import RemoteArchiver, RemoteRefusal
from bridge.folders.base import (
    ClaimedFile,
    name_bytes,
    received_stamp,
    safe_name,
    unsafe_name_reason,
)
from bridge.folders.local import refusal_for_mode
from bridge.folders.readlock import is_ignored_name
from bridge.folders.sftp import (
    list_entries,
    open_for_read,
    remote_name_refusal,
    wire_path,
)
from bridge.kinds import FOLDERS
from bridge.ledger import utcnow
from bridge.models.status import RemoteFileStatus
from bridge.support.files import fsync_dir, link_unique, unique_names

if TYPE_CHECKING:
    from bridge.folders.sftp import RemoteClient, RemoteEntry, SftpEndpoint
    from bridge.ledger import Ledger
    from bridge.ledger.remote import RemoteFile

__all__ = ["SftpInbox", "SftpPollResult"]

log = structlog.get_logger(__name__)

_CHUNK = 256 * 1024


@dataclass
class SftpPollResult:
    """What one poll did.

    Attributes:
        downloaded: Local paths of files handed to the pipeline.
        archived: Remote paths the handed-over files were moved (or deleted) from.
        refused: ``kind/name`` of remote entries that are never read.
        waiting: Remote files not yet stable (or without their done file).
    """

    downloaded: list[Path] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    waiting: int = 0


class SftpInbox:
    """Brings the remote inboxes into ``<local_root>/inbox/<kind>/``.

    Args:
        endpoint: The SFTP connection.
        ledger: The ledger (``ledger.remote`` tracks the remote files).
        local_root: The folder root (``settings.root``).
        kinds: The inbox kinds to poll.
        done_suffix: ``folders.done_suffix``: when set, a remote file is taken only
            once ``<name><suffix>`` exists, and a local done file is written too.
        now: Clock for the received time, injectable for tests (S7.6).
        max_file_mb: ``folders.max_file_mb``: larger remote files are never
            downloaded but quarantined (None: no limit).
        on_refused: Called for each remote entry quarantined without being read
            (the runtime writes its report into the local ``failed/``).
    """

    def __init__(
        self,
        endpoint: SftpEndpoint,
        ledger: Ledger,
        local_root: Path,
        *,
        kinds: Sequence[str] = FOLDERS,
        done_suffix: str = "",
        now: Callable[[], datetime] = utcnow,
        max_file_mb: int | None = None,
        on_refused: Callable[[RemoteRefusal], object] | None = None,
    ) -> None:
        """Bind the inbox to its endpoint, ledger and local folder root."""
        self.endpoint = endpoint
        self.ledger = ledger
        self.local_root = local_root
        self.kinds = tuple(kinds)
        self.done_suffix = done_suffix
        self.now = now
        self.max_file_mb = max_file_mb
        self.max_bytes = None if max_file_mb is None else max_file_mb * 1024 * 1024
        self._settings = endpoint.settings
        self.archiver = RemoteArchiver(
            ledger,
            endpoint.settings,
            endpoint.name,
            done_suffix=done_suffix,
            on_refused=on_refused,
        )

    def poll(self) -> SftpPollResult:
        """Archive finished remote files, then list the inboxes and take stable ones.

        Returns:
            What this poll did.

        Raises:
            FolderUnavailableError: The server is not reachable (the endpoint state
                is recorded as down); nothing is half-processed.
            ConfigError: Host key or credentials refused.
        """
        result = SftpPollResult()
        with self._session() as sftp:
            result.archived.extend(self.archiver.finalize(sftp))
            for kind in self.kinds:
                self._poll_kind(sftp, kind, result)
        return result

    @contextlib.contextmanager
    def _session(self) -> Iterator[RemoteClient]:
        """A session whose resulting endpoint state is kept for ``bridge status``."""
        try:
            with self.endpoint.session() as sftp:
                yield sftp
        finally:
            state = self.endpoint.state
            self.ledger.remote.set_endpoint_state(
                self.endpoint.name, state.state, state.error
            )

    def remote_dir(self, kind: str) -> str:
        """The remote inbox directory of ``kind``."""
        return posixpath.join(self._settings.inbox, kind)

    # -- taking files ----------------------------------------------------------

    def _poll_kind(self, sftp: RemoteClient, kind: str, result: SftpPollResult) -> None:
        try:
            entries = list_entries(sftp, self.remote_dir(kind))
        except FileNotFoundError:
            log.warning("remote_inbox_missing", flow="sftp", file=self.remote_dir(kind))
            return
        names = {e.filename for e in entries}
        for entry in sorted(entries, key=lambda e: e.filename):
            name = entry.filename
            if is_ignored_name(name, self.done_suffix):
                continue
            reason = remote_name_refusal(name)
            if reason is not None:  # left where it is: no safe name to move it by
                self._refuse(kind, name, reason, result)
                continue
            unsafe = unsafe_name_reason(name)
            if unsafe is not None:
                ready = (name + self.done_suffix in names) if self.done_suffix else None
                self._take_unsafe(sftp, kind, entry, unsafe, ready, result)
                continue
            row, stable = self.ledger.remote.observe(
                self.endpoint.name,
                kind,
                name,
                entry.st_size or 0,
                int(entry.st_mtime or 0),
            )
            if row.status != "seen":
                continue  # handed over, waiting for the pipeline's outcome
            reason = refusal_for_mode(entry.st_mode or 0)
            if reason is not None:
                self._quarantine(sftp, row, reason, result)
                continue
            ready = (name + self.done_suffix in names) if self.done_suffix else stable
            if not ready:
                result.waiting += 1
                continue
            if self.max_bytes is not None and row.size > self.max_bytes:
                reason = (
                    f"file is {row.size} bytes, over the limit of "
                    f"{self.max_file_mb} MB (folders.max_file_mb)"
                )
                self._quarantine(sftp, row, reason, result)
                continue
            path = self._download(sftp, row)
            if path is not None:
                result.downloaded.append(path)

    def _refuse(
        self, kind: str, name: str, reason: str, result: SftpPollResult
    ) -> None:
        if unsafe_name_reason(name) is not None:
            name = safe_name(name)  # the ledger and the log take UTF-8 text only
        result.refused.append(f"{kind}/{name}")
        if self.ledger.remote.mark_refused(self.endpoint.name, kind, name, reason):
            log.error(
                "remote_file_refused",
                flow="sftp",
                file=f"{kind}/{name!r}",
                status=reason,
            )

    def _quarantine(
        self, sftp: RemoteClient, row: RemoteFile, reason: str, result: SftpPollResult
    ) -> None:
        try:
            self.archiver.quarantine(sftp, row, reason, self.now())
        except (PermissionError, FolderUnavailableError) as exc:
            # The archive cannot take it (not writable, not a directory): leave the
            # entry alone, say so once, and try again on the next poll.
            why = f"{reason}; cannot move it to the remote archive: {exc}"
            self._refuse(row.kind, row.name, why, result)
            return
        result.refused.append(f"{row.kind}/{row.name}")

    def _take_unsafe(
        self,
        sftp: RemoteClient,
        kind: str,
        entry: RemoteEntry,
        reason: str,
        ready: bool | None,
        result: SftpPollResult,
    ) -> None:
        """Fetch a file with an unsafe name into ``failed/`` and archive it remotely.

        ``ready`` says whether its done file exists (None: no done files, the read
        lock's stability decides).
        """
        name, key = entry.filename, safe_name(entry.filename)
        done_before = self.ledger.remote.files_for(self.endpoint.name, kind, key)
        if any(r.status == RemoteFileStatus.REFUSED for r in done_before):
            return  # left in the inbox once already (it could not be moved)
        row, stable = self.ledger.remote.observe(
            self.endpoint.name, kind, key, entry.st_size or 0, int(entry.st_mtime or 0)
        )
        if row.status != "seen":
            return
        if not (stable if ready is None else ready):
            result.waiting += 1
            return
        received = self.now()
        remote = posixpath.join(self.remote_dir(kind), name)
        copy = self._copy_to_failed(sftp, kind, remote, key, row.size, received)
        why = f"{reason}; {name_bytes(name)}"
        try:
            self.archiver.quarantine(
                sftp, row, why, received, source=name, local_copy=copy
            )
        except (PermissionError, FolderUnavailableError) as exc:
            self._leave_unsafe(sftp, row, remote, f"{why}; cannot move it: {exc}", copy)
        result.refused.append(f"{kind}/{key}")

    def _leave_unsafe(
        self, sftp: RemoteClient, row: RemoteFile, remote: str, why: str, copy: Path
    ) -> None:
        """Mark an unsafe name the server would not let go: never fetched again."""
        self.ledger.remote.mark_quarantined(row.id, why, "")
        self.ledger.remote.mark_refused(self.endpoint.name, row.kind, row.name, why)
        marker = posixpath.join(self.remote_dir(row.kind), f".{row.name}.quarantined")
        with contextlib.suppress(OSError), sftp.open(marker, "wb") as fh:
            fh.write(f"{why}\nfetched into failed/{row.kind}/{copy.name}\n".encode())
        if self.archiver.on_refused is not None:
            self.archiver.on_refused(
                RemoteRefusal(row.kind, row.name, why, "", self.now(), copy)
            )

    def _copy_to_failed(
        self,
        sftp: RemoteClient,
        kind: str,
        remote: str,
        key: str,
        size: int,
        received: datetime,
    ) -> Path:
        """Copy a remote file into ``failed/<kind>/<received>_<key>`` (free name)."""
        folder = self.local_root / "failed" / kind
        folder.mkdir(parents=True, exist_ok=True)
        base = folder / f"{received_stamp(received)}_{key}"
        target = next(
            c
            for c in unique_names(base)
            if not c.exists() and not c.with_name(c.name + ".report.txt").exists()
        )
        part = folder / f".{target.name}.part"
        try:
            self._copy(sftp, wire_path(remote), part, size)
            final = link_unique(part, target)
        finally:
            part.unlink(missing_ok=True)
        fsync_dir(folder)
        return final

    def _download(self, sftp: RemoteClient, row: RemoteFile) -> Path | None:
        remote = posixpath.join(self.remote_dir(row.kind), row.name)
        local_dir = self.local_root / "inbox" / row.kind
        local_dir.mkdir(parents=True, exist_ok=True)
        part = local_dir / f".{row.name}.part"
        try:
            digest, got = self._copy(sftp, remote, part, row.size)
            attrs = sftp.stat(remote)
        except FileNotFoundError:
            part.unlink(missing_ok=True)
            return None  # gone since the listing; nothing to take
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        now = (attrs.st_size or 0, int(attrs.st_mtime or 0))
        if got != row.size or now != (row.size, row.mtime):
            part.unlink(missing_ok=True)
            self.ledger.remote.reset(row.id, *now)
            log.warning(
                "remote_file_changed", flow="sftp", file=remote, status="retaken later"
            )
            return None
        watermark = self.ledger.remote.files_watermark()
        target = link_unique(part, local_dir / row.name)
        part.unlink()
        if self.done_suffix:
            (local_dir / (target.name + self.done_suffix)).touch()
        fsync_dir(local_dir)
        self.ledger.remote.mark_downloaded(
            row.id,
            sha256=digest,
            local_name=target.name,
            watermark=watermark,
            at=self.now(),
        )
        log.info("remote_file_downloaded", flow="sftp", file=remote, sha256=digest)
        return target

    @staticmethod
    def _copy(
        sftp: RemoteClient, remote: str | bytes, part: Path, size: int
    ) -> tuple[str, int]:
        """Copy ``remote`` into ``part`` (fsynced); return its sha256 and length."""
        digest = hashlib.sha256()
        got = 0
        with open_for_read(sftp, remote, size) as src, part.open("wb") as dst:
            while chunk := src.read(_CHUNK):
                dst.write(chunk)
                digest.update(chunk)
                got += len(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        return digest.hexdigest(), got

    # -- the remote end --------------------------------------------------------

    def link_claim(self, claimed: ClaimedFile) -> bool:
        """Remember that ``claimed`` (a local file) is the copy of a remote file.

        Called when the local inbox file is claimed: from then on the remote row
        knows its claimed file by its unique work name, so its outcome can be
        recorded however early the pipeline ends it (even unhashed).

        Returns:
            True if ``claimed`` came from this endpoint.
        """
        return self.ledger.remote.link_claim(
            self.endpoint.name, claimed.kind, claimed.name, claimed.path.name
        )

    def local_outcome(self, claimed: ClaimedFile, outcome: str) -> bool:
        """Record the local outcome of a claimed copy; its remote file is archived next.

        Returns:
            True if ``claimed`` came from this endpoint (and the outcome is kept).
        """
        row = self.ledger.remote.claimed_as(
            self.endpoint.name, claimed.kind, claimed.path.name
        )
        if row is None:
            return False
        self.ledger.remote.record_outcome(row.id, outcome)
        return True

    def finalize(self) -> list[str]:
        """Archive remote files whose local outcome is known; see ``poll``."""
        with self._session() as sftp:
            return self.archiver.finalize(sftp)
