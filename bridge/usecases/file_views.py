"""Views of the console's file questions: a page of files, one file, an upload.

Plain frozen data like ``bridge.usecases.views``; the web console renders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bridge.usecases.views import CallEntry, FileEntry

__all__ = [
    "CallEntry",
    "DeliveryView",
    "Download",
    "FileDetail",
    "FilePage",
    "HeldView",
    "InvoiceEntry",
    "UploadInfo",
    "UploadView",
]


@dataclass(frozen=True)
class FilePage:
    """One page of received files, newest first, and how many match in all."""

    files: tuple[FileEntry, ...]
    total: int
    offset: int
    limit: int

    @property
    def has_next(self) -> bool:
        """True when more files follow this page."""
        return self.offset + len(self.files) < self.total

    @property
    def has_previous(self) -> bool:
        """True when this page is not the first."""
        return self.offset > 0


@dataclass(frozen=True)
class InvoiceEntry:
    """An ERP shipment a file shipped or invoiced, with Magento's document ids."""

    shipment_id: str
    order_number: str
    state: str
    magento_shipment_id: int | None
    invoice_id: int | None
    grand_total: str | None
    currency: str | None
    mismatch: bool
    mismatch_reason: str | None


@dataclass(frozen=True)
class DeliveryView:
    """An ERP shipment not invoiced yet: ``pending`` (uncertain) or ``shipped``."""

    shipment_id: str
    order_number: str
    state: str
    magento_shipment_id: int | None
    message: str | None


@dataclass(frozen=True)
class UploadInfo:
    """Who dropped a file through the console, and when."""

    who: str
    at: datetime


@dataclass(frozen=True)
class FileDetail:
    """A file's page: the file with every stored record, its report and downloads.

    Attributes:
        file: The file with all its stored per-record outcomes.
        report: The report's text, if it has one.
        has_original: The original (archived or failed copy) can be downloaded.
        has_rejects: A rejects file can be downloaded.
        shipments: ERP shipments the file shipped or invoiced.
        uploaded: Set when an operator uploaded it through the console.
        calls: A page of the Magento calls made for the file, oldest first.
        calls_offset: The position of the first of ``calls``.
        calls_recorded: How many calls of the file the ledger stores.
        calls_dropped: How many more calls were made but not stored (over the
            ledger's cap per file).
    """

    file: FileEntry
    report: str | None
    has_original: bool
    has_rejects: bool
    shipments: tuple[InvoiceEntry, ...] = ()
    uploaded: UploadInfo | None = None
    calls: tuple[CallEntry, ...] = ()
    calls_offset: int = 0
    calls_recorded: int = 0
    calls_dropped: int = 0

    @property
    def calls_after(self) -> int:
        """How many stored calls follow this page."""
        return max(0, self.calls_recorded - self.calls_offset - len(self.calls))


@dataclass(frozen=True)
class Download:
    """A file the ledger knows, to be sent as it is."""

    path: Path
    filename: str


@dataclass(frozen=True)
class UploadView:
    """A file placed into an inbox by an operator, or why it was not."""

    kind: str
    name: str
    refused: str | None = None
    path: Path | None = None


@dataclass(frozen=True)
class HeldView:
    """What became of a held invoice, or why nothing was done.

    Attributes:
        shipment_id: The ERP delivery.
        action: ``release`` or ``close``.
        refused: Why nothing was done (None: done).
        detail: What was done: the invoice and any mismatch it reports.
    """

    shipment_id: str
    action: str
    refused: str | None = None
    detail: str = ""
