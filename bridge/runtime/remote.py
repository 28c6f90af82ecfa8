"""The SFTP side of the service: remote inboxes in, order files out.

Wires the endpoint, the remote-inbox fetcher and the outbox pusher for the worker,
which calls ``poll()`` before it scans the local inboxes (remote files land there)
and ``finish()`` after (remote archive once the local outcome is known; new order
files delivered).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bridge.config import Settings
from bridge.flows.deliver_order_files import SftpOutboxPusher
from bridge.flows.fetch_remote_files import SftpInbox
from bridge.folders.sftp import SftpEndpoint
from bridge.ledger import Ledger

__all__ = ["SftpLink", "build_sftp"]


class SftpLink:
    """One SFTP server: its endpoint, remote inbox fetcher and outbox pusher."""

    def __init__(
        self, settings: Settings, ledger: Ledger, *, now: Callable[[], datetime]
    ) -> None:
        self.endpoint = SftpEndpoint(settings.sftp)
        self.inbox = SftpInbox(
            self.endpoint,
            ledger,
            settings.root,
            done_suffix=settings.folders.done_suffix,
            now=now,
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

    def close(self) -> None:
        """Close the SSH connection."""
        self.endpoint.close()


def build_sftp(
    settings: Settings, ledger: Ledger, *, now: Callable[[], datetime]
) -> SftpLink:
    """Wire the SFTP link for ``settings.sftp``."""
    return SftpLink(settings, ledger, now=now)
