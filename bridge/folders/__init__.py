"""File endpoints: local inboxes (read lock, claim, complete), the outbox, SFTP."""

from __future__ import annotations

from bridge.folders.base import (
    Candidate,
    ClaimedFile,
    Folder,
    Outcome,
    Placement,
    received_stamp,
)
from bridge.folders.completion import LocalCompletion
from bridge.folders.local import LocalInbox
from bridge.folders.outbox import LocalOutbox
from bridge.folders.readlock import ReadLock, is_ignored_name
from bridge.folders.sftp import EndpointState, SftpEndpoint

__all__ = [
    "Candidate",
    "ClaimedFile",
    "EndpointState",
    "Folder",
    "LocalCompletion",
    "LocalInbox",
    "LocalOutbox",
    "Outcome",
    "Placement",
    "ReadLock",
    "SftpEndpoint",
    "is_ignored_name",
    "received_stamp",
]
