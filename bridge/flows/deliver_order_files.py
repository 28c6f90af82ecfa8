"""Delivery of the local order outbox to the remote outbox on the SFTP server.

Each published local ``order-*.xml|csv|edi`` is uploaded as ``{outbox}/orders/.<name>.tmp``
(Camel's ``tempPrefix``), its remote size is checked, and it is renamed into place
with ``posix_rename`` (posix-rename@openssh.com), which replaces an existing file
atomically where plain SFTP ``rename`` fails. The ERP therefore only ever sees
complete files. The ledger records each delivery (name, sha256, time); an upload cut
off midway leaves only the hidden temp file, which the next push overwrites. Local
files stay where they are, as evidence.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from bridge.errors import FolderUnavailableError
from bridge.folders.readlock import is_ignored_name
from bridge.folders.sftp import remote_makedirs
from bridge.support.files import sha256_file

if TYPE_CHECKING:
    from bridge.folders.sftp import RemoteClient, SftpEndpoint
    from bridge.ledger import Ledger

__all__ = ["SftpOutboxPusher"]

log = structlog.get_logger(__name__)

_CHUNK = 256 * 1024
_SUFFIXES = (".xml", ".csv", ".edi")


class SftpOutboxPusher:
    """Pushes local order files to ``{outbox}/orders/`` on the SFTP server.

    Args:
        endpoint: The SFTP connection.
        ledger: The ledger (``ledger.remote`` remembers deliveries).
        local_outbox_dir: The local order outbox (``<root>/outbox/orders``), the
            directory the order export publishes into.
    """

    def __init__(
        self, endpoint: SftpEndpoint, ledger: Ledger, local_outbox_dir: Path
    ) -> None:
        """Bind the pusher to its endpoint, ledger and local outbox directory."""
        self.endpoint = endpoint
        self.ledger = ledger
        self.local_dir = local_outbox_dir
        self.remote_dir = posixpath.join(endpoint.settings.outbox, "orders")

    def pending(self) -> list[Path]:
        """Return local order files whose current content was not delivered yet."""
        delivered = self.ledger.remote.delivered(self.endpoint.name)
        todo = []
        for path in sorted(self.local_dir.glob("order-*")):
            if is_ignored_name(path.name) or path.suffix.lower() not in _SUFFIXES:
                continue
            if path.is_symlink() or not path.is_file():
                continue
            st = path.stat()
            previous = delivered.get(path.name)
            if previous is not None and previous[1:] == (st.st_size, st.st_mtime_ns):
                continue
            if previous is not None and previous[0] == sha256_file(path):
                continue  # touched, same content
            todo.append(path)
        return todo

    def push(self) -> list[str]:
        """Upload every pending order file; return the remote paths delivered.

        Raises:
            FolderUnavailableError: The server is not reachable or the connection
                broke; what was delivered so far is recorded, the rest is redone.
            ConfigError: Host key or credentials refused.
        """
        todo = self.pending()
        if not todo:
            return []
        delivered: list[str] = []
        try:
            with self.endpoint.session() as sftp:
                remote_makedirs(sftp, self.remote_dir)
                for path in todo:
                    delivered.append(self._upload(sftp, path))
        finally:
            state = self.endpoint.state
            self.ledger.remote.set_endpoint_state(
                self.endpoint.name, state.state, state.error
            )
        return delivered

    def _upload(self, sftp: RemoteClient, path: Path) -> str:
        name = path.name
        temp = posixpath.join(self.remote_dir, f".{name}.tmp")
        final = posixpath.join(self.remote_dir, name)
        digest = hashlib.sha256()
        sent = 0
        with path.open("rb") as src:
            st = os.fstat(src.fileno())
            with sftp.open(temp, "wb") as dst:
                dst.set_pipelined(True)
                while chunk := src.read(_CHUNK):
                    dst.write(chunk)
                    digest.update(chunk)
                    sent += len(chunk)
        remote_size = sftp.stat(temp).st_size
        if remote_size != sent:
            raise FolderUnavailableError(
                f"sftp {self.endpoint.server}: {temp} has {remote_size} bytes after "
                f"upload, expected {sent}; retried on the next push",
                endpoint=self.endpoint.name,
            )
        sftp.posix_rename(temp, final)
        sha = digest.hexdigest()
        self.ledger.remote.mark_delivered(
            self.endpoint.name,
            name,
            sha256=sha,
            size=sent,
            mtime_ns=st.st_mtime_ns,
            remote_path=final,
        )
        log.info("order_file_delivered", flow="sftp", file=final, sha256=sha)
        return final
