"""Remote inboxes on the SFTP server, brought into the local inboxes.

A polling consumer with Camel's ``readLock=changed``: a remote file is taken once its
size and mtime are unchanged over two polls (or once its done file exists). It is
downloaded to ``inbox/<kind>/.<name>.part`` (hidden, so the local scanner ignores it),
fsynced, checked against the listed size and re-stat'ed, then hard-linked into place
under its own name (never over an existing file) and handed to the normal local
pipeline. Only after the ledger shows the pipeline's outcome for that content is the
remote file moved to ``{archive}/<kind>/<received-utc>_<name>`` (S5.5).

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
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from bridge.folders.local import KINDS, received_stamp
from bridge.folders.outbox import fsync_dir
from bridge.folders.readlock import is_ignored_name
from bridge.folders.sftp import open_for_read, remote_makedirs, remote_name_refusal
from bridge.ledger import utcnow
from bridge.support.clock import as_utc

if TYPE_CHECKING:
    from bridge.folders.sftp import RemoteClient, SftpEndpoint
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
    """

    def __init__(
        self,
        endpoint: SftpEndpoint,
        ledger: Ledger,
        local_root: Path,
        *,
        kinds: Sequence[str] = KINDS,
        done_suffix: str = "",
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        """Bind the inbox to its endpoint, ledger and local folder root."""
        self.endpoint = endpoint
        self.ledger = ledger
        self.local_root = local_root
        self.kinds = tuple(kinds)
        self.done_suffix = done_suffix
        self.now = now
        self._settings = endpoint.settings

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
            self._finalize(sftp, result)
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
            entries = sftp.listdir_attr(self.remote_dir(kind))
        except FileNotFoundError:
            log.warning("remote_inbox_missing", flow="sftp", file=self.remote_dir(kind))
            return
        names = {e.filename for e in entries}
        for entry in sorted(entries, key=lambda e: e.filename):
            name = entry.filename
            if is_ignored_name(name, self.done_suffix):
                continue
            mode = entry.st_mode or 0
            reason = remote_name_refusal(name) or (
                None if stat.S_ISREG(mode) else "not a regular file"
            )
            if reason is not None:
                self._refuse(kind, name, reason, result)
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
            ready = (name + self.done_suffix in names) if self.done_suffix else stable
            if not ready:
                result.waiting += 1
                continue
            path = self._download(sftp, row)
            if path is not None:
                result.downloaded.append(path)

    def _refuse(
        self, kind: str, name: str, reason: str, result: SftpPollResult
    ) -> None:
        result.refused.append(f"{kind}/{name}")
        if self.ledger.remote.mark_refused(self.endpoint.name, kind, name, reason):
            log.error(
                "remote_file_refused",
                flow="sftp",
                file=f"{kind}/{name!r}",
                status=reason,
            )

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
        target = _link_unique(part, local_dir, row.name)
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
        sftp: RemoteClient, remote: str, part: Path, size: int
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

    # -- remote archive --------------------------------------------------------

    def finalize(self) -> list[str]:
        """Archive remote files whose local outcome is known; see ``poll``."""
        result = SftpPollResult()
        with self._session() as sftp:
            self._finalize(sftp, result)
        return result.archived

    def _finalize(self, sftp: RemoteClient, result: SftpPollResult) -> None:
        for row in self.ledger.remote.handed_over(self.endpoint.name):
            assert row.sha256 is not None  # set together with status "downloaded"
            outcome = self.ledger.remote.outcome_for(
                row.sha256, row.kind, after_id=row.files_watermark or 0
            )
            if outcome is not None:
                self._archive(sftp, row, outcome, result)

    def _archive(
        self, sftp: RemoteClient, row: RemoteFile, outcome: str, result: SftpPollResult
    ) -> None:
        remote = posixpath.join(self.remote_dir(row.kind), row.name)
        archive_dir = posixpath.join(self._settings.archive, row.kind)
        # A row downloaded before its time was kept is archived under today's date.
        stamp = received_stamp(as_utc(row.downloaded_at or utcnow()))
        dest = posixpath.join(archive_dir, f"{stamp}_{row.name}")
        try:
            attrs = sftp.stat(remote)
        except FileNotFoundError:
            if _exists(sftp, dest):  # moved by an earlier run that crashed after it
                self.ledger.remote.mark_archived(
                    row.id, outcome=outcome, archive_path=dest
                )
            else:
                self.ledger.remote.mark_superseded(
                    row.id, "remote file gone before archiving"
                )
            return
        if (attrs.st_size, int(attrs.st_mtime or 0)) != (row.size, row.mtime):
            self.ledger.remote.mark_superseded(
                row.id, "remote file changed after download"
            )
            return
        done = remote + self.done_suffix if self.done_suffix else None
        if self._settings.delete_after_archive:
            sftp.remove(remote)
            if done:
                with contextlib.suppress(FileNotFoundError):
                    sftp.remove(done)
            archived = None
        else:
            remote_makedirs(sftp, archive_dir)
            sftp.posix_rename(remote, dest)
            if done:
                with contextlib.suppress(FileNotFoundError):
                    sftp.posix_rename(done, dest + self.done_suffix)
            archived = dest
        self.ledger.remote.mark_archived(row.id, outcome=outcome, archive_path=archived)
        result.archived.append(remote)
        log.info("remote_file_archived", flow="sftp", file=remote, status=outcome)


def _exists(sftp: RemoteClient, path: str) -> bool:
    try:
        sftp.stat(path)
    except FileNotFoundError:
        return False
    return True


def _link_unique(part: Path, directory: Path, name: str) -> Path:
    """Hard-link ``part`` as ``name`` (or ``<stem>~<n><ext>``), never overwriting."""
    stem, dot, ext = name.rpartition(".")
    if not stem:  # no extension (or only a leading dot, which is never taken)
        stem, dot, ext = name, "", ""
    for n in range(10000):
        candidate = name if n == 0 else f"{stem}~{n}{dot}{ext}"
        target = directory / candidate
        try:
            target.hardlink_to(part)
        except FileExistsError:
            continue
        part.unlink()
        return target
    raise FileExistsError(f"no free local name for {name} in {directory}")
