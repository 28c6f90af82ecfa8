"""Statuses as enums: one definition each, shared by the ledger, flows and runtime.

Each is a ``StrEnum``, so a member *is* the string the ledger stores and the report
prints (``FileStatus.DONE == "done"``): existing ledgers need no migration, and code
that still compares with the bare string keeps working while it moves over.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "CommentState",
    "FileStatus",
    "ProductAction",
    "RecordOutcome",
    "RemoteFileStatus",
    "StepState",
]


class FileStatus(StrEnum):
    """Where a received input file stands (S5.2)."""

    PROCESSING = "processing"
    DONE = "done"
    PARTIAL = "partial"
    FAILED = "failed"
    DUPLICATE = "duplicate"

    @classmethod
    def finished(cls) -> tuple[FileStatus, ...]:
        """The statuses of a file that is no longer being worked on."""
        return (cls.DONE, cls.PARTIAL, cls.FAILED, cls.DUPLICATE)

    @classmethod
    def applied(cls) -> tuple[FileStatus, ...]:
        """The statuses of a file whose content was applied (duplicate detection)."""
        return (cls.DONE, cls.PARTIAL)


class RecordOutcome(StrEnum):
    """What happened to one record of a file."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"
    STALE = "stale"
    DUPLICATE = "duplicate"
    WARNING = "warning"


class ProductAction(StrEnum):
    """What applying a product record did in Magento."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class StepState(StrEnum):
    """How far one ERP shipment got: pending → shipped → invoiced (or rejected).

    ``held``: shipped, invoice held because the ERP's amount differs from Magento's
    (``shipments.on_amount_mismatch = "hold"``) until an operator releases it (then
    ``invoiced``) or closes it (``closed``: never invoiced by the bridge).
    """

    PENDING = "pending"
    SHIPPED = "shipped"
    INVOICED = "invoiced"
    REJECTED = "rejected"
    HELD = "held"
    CLOSED = "closed"


class CommentState(StrEnum):
    """Whether the "Exported to ERP" comment of an exported order reached Magento."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class RemoteFileStatus(StrEnum):
    """Where one remote (SFTP) inbox file stands."""

    SEEN = "seen"
    DOWNLOADED = "downloaded"
    ARCHIVED = "archived"
    DELETED = "deleted"
    REFUSED = "refused"
    SUPERSEDED = "superseded"
