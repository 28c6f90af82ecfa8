"""File endpoints: local inboxes (read lock, claim), the local outbox, SFTP."""

from __future__ import annotations

from bridge.folders.local import Candidate, ClaimedFile, LocalInbox, received_stamp
from bridge.folders.outbox import LocalOutbox
from bridge.folders.readlock import ReadLock, is_ignored_name
from bridge.folders.sftp import EndpointState, SftpEndpoint

__all__ = [
    "Candidate",
    "ClaimedFile",
    "EndpointState",
    "LocalInbox",
    "LocalOutbox",
    "ReadLock",
    "SftpEndpoint",
    "is_ignored_name",
    "received_stamp",
]
