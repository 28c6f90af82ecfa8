"""Remote endpoint state: SFTP inbox files seen, handed over and archived; deliveries.

``remote_files`` follows one remote inbox file from the first listing to the remote
archive (Camel's idempotent repository for a polling consumer):
``seen → downloaded → archived | deleted``; names that may not be read are ``refused``
and a file that changed after it was handed over is ``superseded``. A handed-over
file is linked to its claimed local file (``local_name`` becomes the work file's
name), so the endpoint can record the local outcome on the row itself; entries
quarantined on the server (non-regular, oversize) go ``seen → archived`` with the
outcome ``refused``.
``remote_deliveries`` remembers which outbox files reached the remote outbox, keyed by
name and content. The endpoint's up/down state lives in the shared ``kv`` table so that
``bridge status`` can show it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bridge.ledger._schema import files, kv, remote_deliveries, remote_files
from bridge.ledger._sql import put_value
from bridge.models.status import FileStatus, RemoteFileStatus

if TYPE_CHECKING:
    from bridge.ledger.database import Database

__all__ = [
    "EndpointStatus",
    "RemoteFile",
    "RemoteStore",
    "remote_deliveries",
    "remote_files",
]

#: Local outcomes after which a remote inbox file may go to the remote archive.
FINAL_STATUSES = FileStatus.finished()
_ACTIVE = (RemoteFileStatus.SEEN, RemoteFileStatus.DOWNLOADED)


@dataclass(frozen=True)
class RemoteFile:
    """One tracked remote inbox file (a row of ``remote_files``)."""

    id: int
    kind: str
    name: str
    size: int
    mtime: int
    status: str
    sha256: str | None
    local_name: str | None
    files_watermark: int | None
    downloaded_at: datetime | None
    outcome: str | None = None


@dataclass(frozen=True)
class EndpointStatus:
    """The last known state of a remote endpoint, for ``bridge status``."""

    state: str  # "up" | "down"
    error: str | None
    since: datetime | None
    checked_at: datetime


def _row(r: Any) -> RemoteFile:
    return RemoteFile(
        id=r.id,
        kind=r.kind,
        name=r.name,
        size=r.size,
        mtime=r.mtime,
        status=r.status,
        sha256=r.sha256,
        local_name=r.local_name,
        files_watermark=r.files_watermark,
        downloaded_at=r.downloaded_at,
        outcome=r.outcome,
    )


class RemoteStore:
    """Ledger access for the SFTP endpoint (``ledger.remote``).

    Args:
        db: The database (engine, clock).
    """

    def __init__(self, db: Database) -> None:
        """Bind the store to ``ledger``."""
        self._db = db

    # -- inbound ---------------------------------------------------------------

    def _active(self, conn: sa.Connection, endpoint: str, kind: str, name: str) -> Any:
        t = remote_files
        return conn.execute(
            sa.select(t).where(
                t.c.endpoint == endpoint,
                t.c.kind == kind,
                t.c.name == name,
                t.c.status.in_(_ACTIVE),
            )
        ).first()

    def observe(
        self, endpoint: str, kind: str, name: str, size: int, mtime: int
    ) -> tuple[RemoteFile, bool]:
        """Record one listing of a remote file (the ``changed`` read lock).

        Args:
            endpoint: Endpoint name (``"sftp"``).
            kind: The inbox kind.
            name: The remote file name.
            size: Size in bytes from the listing.
            mtime: Modification time (epoch seconds) from the listing.

        Returns:
            The tracked row after this listing, and whether the file is stable: it
            was already seen with the same size and mtime by the previous listing.
        """
        t = remote_files
        with self._db.begin() as conn:
            row = self._active(conn, endpoint, kind, name)
            if row is None:
                conn.execute(
                    t.insert().values(
                        endpoint=endpoint,
                        kind=kind,
                        name=name,
                        size=size,
                        mtime=mtime,
                        status=RemoteFileStatus.SEEN,
                        first_seen_at=self._db.now(),
                    )
                )
                return _row(self._active(conn, endpoint, kind, name)), False
            if row.status != RemoteFileStatus.SEEN or (row.size, row.mtime) == (
                size,
                mtime,
            ):
                return _row(row), row.status == RemoteFileStatus.SEEN
            conn.execute(
                t.update().where(t.c.id == row.id).values(size=size, mtime=mtime)
            )
            return _row(self._active(conn, endpoint, kind, name)), False

    def reset(self, row_id: int, size: int, mtime: int) -> None:
        """Forget a file's stability (it changed while being read)."""
        t = remote_files
        with self._db.begin() as conn:
            conn.execute(
                t.update().where(t.c.id == row_id).values(size=size, mtime=mtime)
            )

    def mark_refused(self, endpoint: str, kind: str, name: str, reason: str) -> bool:
        """Record that a remote name is never read; True the first time only."""
        t = remote_files
        with self._db.begin() as conn:
            exists = conn.execute(
                sa.select(t.c.id).where(
                    t.c.endpoint == endpoint,
                    t.c.kind == kind,
                    t.c.name == name,
                    t.c.status == RemoteFileStatus.REFUSED,
                )
            ).first()
            if exists is not None:
                return False
            conn.execute(
                t.insert().values(
                    endpoint=endpoint,
                    kind=kind,
                    name=name,
                    size=-1,
                    mtime=-1,
                    status=RemoteFileStatus.REFUSED,
                    first_seen_at=self._db.now(),
                    message=reason,
                )
            )
            return True

    def files_watermark(self) -> int:
        """Return the highest ``files.id`` so far (0 when empty).

        Taken before a download is handed over: only ``files`` rows above it can be
        the local pipeline's outcome for that download.
        """
        with self._db.begin() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.coalesce(sa.func.max(files.c.id), 0))
                ).scalar_one()
            )

    def mark_downloaded(
        self,
        row_id: int,
        *,
        sha256: str,
        local_name: str,
        watermark: int,
        at: datetime | None = None,
    ) -> None:
        """Record that a remote file now lies complete in the local inbox.

        Args:
            row_id: The tracked row.
            sha256: Content hash of the downloaded bytes.
            local_name: Its name in the local inbox.
            watermark: ``files_watermark()`` taken before it was handed over.
            at: The received time (default: the ledger's clock).
        """
        t = remote_files
        with self._db.begin() as conn:
            conn.execute(
                t.update()
                .where(t.c.id == row_id)
                .values(
                    status=RemoteFileStatus.DOWNLOADED,
                    sha256=sha256,
                    local_name=local_name,
                    files_watermark=watermark,
                    downloaded_at=at or self._db.now(),
                )
            )

    def link_claim(
        self, endpoint: str, kind: str, local_name: str, work_name: str
    ) -> bool:
        """Link a handed-over file to the local file that claimed it.

        Args:
            endpoint: Endpoint name.
            kind: The inbox kind.
            local_name: Its name in the local inbox (as handed over).
            work_name: The claimed file's name in the work folder (unique).

        Returns:
            True if a handed-over file had that local name.
        """
        t = remote_files
        with self._db.begin() as conn:
            done = conn.execute(
                t.update()
                .where(
                    t.c.endpoint == endpoint,
                    t.c.kind == kind,
                    t.c.local_name == local_name,
                    t.c.status == "downloaded",
                )
                .values(local_name=work_name)
            )
            return bool(done.rowcount)

    def claimed_as(self, endpoint: str, kind: str, work_name: str) -> RemoteFile | None:
        """Return the handed-over file that was claimed as ``work_name``, if any."""
        t = remote_files
        with self._db.begin() as conn:
            row = conn.execute(
                sa.select(t).where(
                    t.c.endpoint == endpoint,
                    t.c.kind == kind,
                    t.c.local_name == work_name,
                    t.c.status == "downloaded",
                )
            ).first()
        return None if row is None else _row(row)

    def record_outcome(self, row_id: int, outcome: str) -> None:
        """Record the local outcome of a handed-over file (archived remotely later)."""
        t = remote_files
        with self._db.begin() as conn:
            conn.execute(t.update().where(t.c.id == row_id).values(outcome=outcome))

    def mark_quarantined(self, row_id: int, reason: str, archive_path: str) -> None:
        """Record that a remote entry never read was moved to ``archive_path``."""
        t = remote_files
        with self._db.begin() as conn:
            conn.execute(
                t.update()
                .where(t.c.id == row_id)
                .values(
                    status="archived",
                    outcome="refused",
                    archive_path=archive_path,
                    message=reason,
                    finished_at=self._db.now(),
                )
            )

    def handed_over(self, endpoint: str) -> list[RemoteFile]:
        """Return the files downloaded but not yet moved to the remote archive."""
        t = remote_files
        with self._db.begin() as conn:
            rows = conn.execute(
                sa.select(t)
                .where(
                    t.c.endpoint == endpoint, t.c.status == RemoteFileStatus.DOWNLOADED
                )
                .order_by(t.c.id)
            ).all()
        return [_row(r) for r in rows]

    def outcome_for(self, sha256: str, kind: str, *, after_id: int = 0) -> str | None:
        """Return the local pipeline's final status for this content, if any yet.

        Args:
            sha256: Content hash of the downloaded file.
            kind: The inbox kind.
            after_id: Only ``files`` rows with a greater id count (the watermark).

        Returns:
            ``done``, ``partial``, ``failed`` or ``duplicate``; None while pending.
        """
        f = files
        with self._db.begin() as conn:
            return conn.execute(
                sa.select(f.c.status)
                .where(
                    f.c.kind == kind,
                    f.c.sha256 == sha256,
                    f.c.id > after_id,
                    f.c.status.in_(FINAL_STATUSES),
                )
                .order_by(f.c.id)
                .limit(1)
            ).scalar_one_or_none()

    def mark_archived(
        self, row_id: int, *, outcome: str, archive_path: str | None
    ) -> None:
        """Record the remote file's end: moved to ``archive_path`` (None: deleted)."""
        t = remote_files
        with self._db.begin() as conn:
            conn.execute(
                t.update()
                .where(t.c.id == row_id)
                .values(
                    status=RemoteFileStatus.ARCHIVED
                    if archive_path
                    else RemoteFileStatus.DELETED,
                    outcome=outcome,
                    archive_path=archive_path,
                    finished_at=self._db.now(),
                )
            )

    def mark_superseded(self, row_id: int, message: str) -> None:
        """Record that a handed-over remote file changed before it could be archived."""
        t = remote_files
        with self._db.begin() as conn:
            conn.execute(
                t.update()
                .where(t.c.id == row_id)
                .values(
                    status=RemoteFileStatus.SUPERSEDED,
                    message=message,
                    finished_at=self._db.now(),
                )
            )

    def files_for(self, endpoint: str, kind: str, name: str) -> list[RemoteFile]:
        """Return every tracked row for one remote name, oldest first (for audits)."""
        t = remote_files
        with self._db.begin() as conn:
            rows = conn.execute(
                sa.select(t)
                .where(t.c.endpoint == endpoint, t.c.kind == kind, t.c.name == name)
                .order_by(t.c.id)
            ).all()
        return [_row(r) for r in rows]

    # -- outbound --------------------------------------------------------------

    def delivered(self, endpoint: str) -> dict[str, tuple[str, int, int]]:
        """Return ``name -> (sha256, size, mtime_ns)`` of each name's last delivery."""
        t = remote_deliveries
        with self._db.begin() as conn:
            rows = conn.execute(
                sa.select(t.c.name, t.c.sha256, t.c.size, t.c.mtime_ns)
                .where(t.c.endpoint == endpoint)
                .order_by(t.c.id)
            ).all()
        return {r.name: (r.sha256, r.size, r.mtime_ns) for r in rows}

    def is_delivered(self, endpoint: str, name: str, sha256: str) -> bool:
        """True if exactly this content was delivered under this name."""
        latest = self.delivered(endpoint).get(name)
        return latest is not None and latest[0] == sha256

    def mark_delivered(
        self,
        endpoint: str,
        name: str,
        *,
        sha256: str,
        size: int,
        mtime_ns: int,
        remote_path: str,
    ) -> None:
        """Record that a file now lies complete in the remote outbox."""
        with self._db.begin() as conn:
            conn.execute(
                remote_deliveries.insert().values(
                    endpoint=endpoint,
                    name=name,
                    sha256=sha256,
                    size=size,
                    mtime_ns=mtime_ns,
                    remote_path=remote_path,
                    delivered_at=self._db.now(),
                )
            )

    # -- endpoint health -------------------------------------------------------

    def set_endpoint_state(self, endpoint: str, state: str, error: str | None) -> None:
        """Store the endpoint's state (``up``/``down``) and last error in ``kv``."""
        key = f"endpoint.{endpoint}"
        now = self._db.now()
        with self._db.begin() as conn:
            old = conn.execute(
                sa.select(kv.c.value).where(kv.c.name == key)
            ).scalar_one_or_none()
            since = now.isoformat()
            if old is not None:
                previous = json.loads(old)
                if previous.get("state") == state:
                    since = previous.get("since", since)
            value = json.dumps({"state": state, "error": error, "since": since})
            put_value(conn, key, value, now)

    def endpoint_state(self, endpoint: str) -> EndpointStatus | None:
        """Return the stored state of an endpoint, or None if it never ran."""
        key = f"endpoint.{endpoint}"
        with self._db.begin() as conn:
            row = conn.execute(
                sa.select(kv.c.value, kv.c.updated_at).where(kv.c.name == key)
            ).first()
        if row is None:
            return None
        data = json.loads(row.value)
        since = data.get("since")
        return EndpointStatus(
            state=data["state"],
            error=data.get("error"),
            since=datetime.fromisoformat(since) if since else None,
            checked_at=row.updated_at,
        )
