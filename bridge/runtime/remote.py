"""The SFTP side of the service: remote inboxes in, order files out.

Wires the endpoint, the remote-inbox fetcher and the outbox pusher for the worker,
which calls ``poll()`` before it scans the local inboxes (remote files land there)
and ``finish()`` after (remote archive once the local outcome is known; new order
files delivered).

``RemoteBackedInbox`` is the ``Folder`` the pipeline works with when SFTP is on: the
local inbox that the SFTP inbox feeds. Claiming a file links it to its remote
original; completing it records the local outcome there and archives the remote
file at once when the server is reachable (else on the next poll).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import structlog

from bridge.config import Settings
from bridge.errors import BridgeError, FileIssue
from bridge.flows.archive_remote_files import RemoteRefusal
from bridge.flows.deliver_order_files import SftpOutboxPusher
from bridge.flows.fetch_remote_files import SftpInbox
from bridge.folders.base import Candidate, ClaimedFile, Outcome, Placement
from bridge.folders.completion import LocalCompletion
from bridge.folders.local import LocalInbox
from bridge.folders.sftp import SftpEndpoint
from bridge.ledger import Ledger
from bridge.runtime.report import render_report

__all__ = ["RemoteBackedInbox", "SftpLink", "build_sftp"]

log = structlog.get_logger("bridge.remote")


class SftpLink:
    """One SFTP server: its endpoint, remote inbox fetcher and outbox pusher."""

    def __init__(
        self, settings: Settings, ledger: Ledger, *, now: Callable[[], datetime]
    ) -> None:
        self.ledger = ledger
        self.completion = LocalCompletion(settings.root)
        self.endpoint = SftpEndpoint(settings.sftp)
        self.inbox = SftpInbox(
            self.endpoint,
            ledger,
            settings.root,
            done_suffix=settings.folders.done_suffix,
            now=now,
            max_file_mb=settings.folders.max_file_mb,
            on_refused=self.report_refusal,
        )
        self.pusher = SftpOutboxPusher(
            self.endpoint, ledger, settings.root / "outbox" / "orders"
        )

    def poll(self) -> int:
        """Bring stable remote files into the local inboxes; return how many wait."""
        return self.inbox.poll().waiting

    def finish(self) -> None:
        """Archive remote files whose local outcome is known; deliver new orders."""
        self.inbox.finalize()
        self.pusher.push()

    def report_refusal(self, refusal: RemoteRefusal) -> Path:
        """Write the local ``failed/`` report of a remote entry that was never read."""
        where = (
            f"moved to {refusal.archive_path} on the SFTP server"
            if refusal.archive_path
            else "left in the SFTP inbox (it cannot be moved; it is not fetched again)"
        )
        reason = f"refused: {refusal.reason}; never read, {where}"
        if refusal.local_copy is not None:
            reason = (
                f"refused: {refusal.reason}; its content is kept here as "
                f"{refusal.local_copy.name} and was not applied; {where}"
            )
        text = render_report(
            name=refusal.name,
            kind=refusal.kind,
            received=refusal.received,
            sha256=None,
            outcome="failed",
            issues=[FileIssue(refusal.name, None, None, reason)],
        )
        path = (
            self.completion.write_report(refusal.local_copy, text)
            if refusal.local_copy is not None
            else self.completion.report_only(
                refusal.kind, refusal.received, refusal.name, text
            )
        )
        self.ledger.files.log_event(
            "error", refusal.kind, "file_refused", f"{refusal.name}: {reason}"
        )
        return path

    def close(self) -> None:
        """Close the SSH connection."""
        self.endpoint.close()


class RemoteBackedInbox:
    """The local inbox fed by an SFTP inbox, as one ``Folder`` for the pipeline.

    Args:
        local: The local inboxes (files are scanned, claimed and moved there).
        remote: The SFTP inbox whose downloads land in ``local``.
    """

    def __init__(self, local: LocalInbox, remote: SftpInbox) -> None:
        """Combine the two; nothing is read yet."""
        self.local = local
        self.remote = remote

    @property
    def waiting(self) -> int:
        """Local files seen at the last scan that were not complete yet."""
        return self.local.waiting

    def scan(self) -> list[Candidate]:
        """List complete local inbox files (downloads included)."""
        return self.local.scan()

    def claim(
        self,
        cand: Candidate,
        work_dir: Path | None = None,
        received: datetime | None = None,
    ) -> ClaimedFile | None:
        """Claim a local file and link it to its remote original, if it has one."""
        claimed = self.local.claim(cand, work_dir, received)
        if claimed is not None:
            self.remote.link_claim(claimed)
        return claimed

    def work_files(self, work_dir: Path | None = None) -> list[ClaimedFile]:
        """Claimed files not completed yet."""
        return self.local.work_files(work_dir)

    def complete(
        self,
        claimed: ClaimedFile,
        outcome: Outcome,
        *,
        record: Callable[[Placement], None] | None = None,
    ) -> Placement:
        """Complete the local file, then finish its remote original."""
        placed = self.local.complete(claimed, outcome, record=record)
        if self.remote.local_outcome(claimed, outcome.label):
            try:
                self.remote.finalize()
            except BridgeError as exc:
                # Down, or credentials refused (the next poll says so loudly): the
                # outcome is kept, so the next poll archives the remote file.
                log.warning("remote_archive_postponed", flow="sftp", status=str(exc))
        return placed


def build_sftp(
    settings: Settings, ledger: Ledger, *, now: Callable[[], datetime]
) -> SftpLink:
    """Wire the SFTP link for ``settings.sftp``."""
    return SftpLink(settings, ledger, now=now)
