"""The remote end of an SFTP inbox file: moved to ``{archive}/<kind>/`` on the server.

A remote inbox file is finished by the endpoint that produced it (Camel's ``move``
on the consumer side), in one of two ways:

- **after its local outcome**: a downloaded file is archived once the pipeline has
  completed its local copy. The outcome is the one recorded on the remote row when
  the claimed local file was completed (``SftpInbox.local_outcome``); for a file
  handed over before that link existed, the ledger's outcome for its content
  (sha256) newer than the hand-over is used instead.
- **never read (quarantine)**: a non-regular entry (symlink, FIFO, directory ...) or
  a file over ``folders.max_file_mb`` is moved to the remote archive at once, and
  its report goes to the local ``failed/<kind>/`` (through ``on_refused``).

Archive names are ``<received-utc>_<name>`` and never overwrite: a taken name
becomes ``stem~1.ext``, the same rule as locally (``support.files``).
"""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import structlog

from bridge.folders.base import received_stamp
from bridge.folders.sftp import remote_makedirs, wire_path
from bridge.ledger import utcnow
from bridge.support.files import unique_names

if TYPE_CHECKING:
    from bridge.config import SftpSettings
    from bridge.folders.sftp import RemoteClient
    from bridge.ledger import Ledger
    from bridge.ledger.remote import RemoteFile

__all__ = ["RemoteArchiver", "RemoteRefusal"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class RemoteRefusal:
    """A remote entry that was never read and is now in the remote archive.

    Attributes:
        kind: The inbox kind.
        name: Its name in the remote inbox.
        reason: Why it was not read.
        archive_path: Where it lies now on the server.
        received: When the bridge took it.
    """

    kind: str
    name: str
    reason: str
    archive_path: str
    received: datetime
    local_copy: Path | None = None
    """Where its content was kept locally (a name that is unsafe, not its content)."""


def _as_utc(value: datetime | None) -> datetime:
    if value is None:
        return utcnow()
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _exists(sftp: RemoteClient, path: str) -> bool:
    try:
        sftp.lstat(path)
    except FileNotFoundError:
        return False
    return True


def _free_name(sftp: RemoteClient, path: str) -> str:
    """The first remote name for ``path`` that is not taken (``stem~n.ext``)."""
    for candidate in unique_names(PurePosixPath(path)):
        if not _exists(sftp, str(candidate)):
            return str(candidate)
    raise FileExistsError(f"no free remote name for {path}")


class RemoteArchiver:
    """Moves finished and refused remote inbox files to the remote archive.

    Args:
        ledger: The ledger (``ledger.remote`` rows are updated).
        settings: The ``[sftp]`` section (inbox, archive, ``delete_after_archive``).
        endpoint_name: The endpoint's name in the ledger.
        done_suffix: ``folders.done_suffix``: a done file follows its file.
        on_refused: Called after an entry was quarantined (writes the local report).
    """

    def __init__(
        self,
        ledger: Ledger,
        settings: SftpSettings,
        endpoint_name: str,
        *,
        done_suffix: str = "",
        on_refused: Callable[[RemoteRefusal], object] | None = None,
    ) -> None:
        """Bind the archiver to its ledger and remote folders."""
        self.ledger = ledger
        self.settings = settings
        self.endpoint_name = endpoint_name
        self.done_suffix = done_suffix
        self.on_refused = on_refused

    def _remote(self, kind: str, name: str) -> str:
        return posixpath.join(self.settings.inbox, kind, name)

    def _archive_dir(self, kind: str) -> str:
        return posixpath.join(self.settings.archive, kind)

    def finalize(self, sftp: RemoteClient) -> list[str]:
        """Archive every handed-over file whose local outcome is known.

        Returns:
            The remote inbox paths archived (or deleted).
        """
        archived: list[str] = []
        for row in self.ledger.remote.handed_over(self.endpoint_name):
            assert row.sha256 is not None  # set together with status "downloaded"
            outcome = row.outcome or self.ledger.remote.outcome_for(
                row.sha256, row.kind, after_id=row.files_watermark or 0
            )
            if outcome is not None and self.archive(sftp, row, outcome):
                archived.append(self._remote(row.kind, row.name))
        return archived

    def archive(self, sftp: RemoteClient, row: RemoteFile, outcome: str) -> bool:
        """Move one handed-over file to the archive; True if it was moved now."""
        remote = self._remote(row.kind, row.name)
        archive_dir = self._archive_dir(row.kind)
        stamp = received_stamp(_as_utc(row.downloaded_at))
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
            return False
        if (attrs.st_size, int(attrs.st_mtime or 0)) != (row.size, row.mtime):
            self.ledger.remote.mark_superseded(
                row.id, "remote file changed after download"
            )
            return False
        done = remote + self.done_suffix if self.done_suffix else None
        archived: str | None = None
        if self.settings.delete_after_archive:
            sftp.remove(remote)
            if done:
                with contextlib.suppress(FileNotFoundError):
                    sftp.remove(done)
        else:
            archived = self._move(sftp, remote, dest, done)
        self.ledger.remote.mark_archived(row.id, outcome=outcome, archive_path=archived)
        log.info("remote_file_archived", flow="sftp", file=remote, status=outcome)
        return True

    def _move(
        self, sftp: RemoteClient, remote: str, dest: str, done: str | None
    ) -> str:
        remote_makedirs(sftp, posixpath.dirname(dest))
        dest = _free_name(sftp, dest)
        # As bytes: a name that is not UTF-8 is moved by the bytes it has.
        sftp.posix_rename(wire_path(remote), dest)
        if done:
            with contextlib.suppress(FileNotFoundError):
                sftp.posix_rename(wire_path(done), dest + self.done_suffix)
        return dest

    def quarantine(
        self,
        sftp: RemoteClient,
        row: RemoteFile,
        reason: str,
        received: datetime,
        *,
        source: str | None = None,
        local_copy: Path | None = None,
    ) -> RemoteRefusal:
        """Move a remote entry that is never read to the archive, and report it.

        The entry itself is renamed (a symlink is moved, never followed), and its
        done file, if there is one, follows it. Refused
        entries are always kept in the archive, even with ``delete_after_archive``:
        the bridge never read them, so an operator has to look at them.
        """
        remote = self._remote(row.kind, source or row.name)
        stamp = received_stamp(received)
        dest = posixpath.join(self._archive_dir(row.kind), f"{stamp}_{row.name}")
        done = remote + self.done_suffix if self.done_suffix else None
        archived = self._move(sftp, remote, dest, done)
        self.ledger.remote.mark_quarantined(row.id, reason, archived)
        refusal = RemoteRefusal(
            row.kind, row.name, reason, archived, received, local_copy
        )
        log.error(
            "remote_file_refused",
            flow="sftp",
            file=f"{row.kind}/{row.name!r}",
            status=reason,
        )
        log.info("remote_file_archived", flow="sftp", file=remote, status="refused")
        if self.on_refused is not None:
            self.on_refused(refusal)
        return refusal
