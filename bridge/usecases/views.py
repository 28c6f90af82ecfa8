"""The typed views the use cases return: plain frozen data, no printing, no markup.

A presenter (the CLI's text, a web page, JSON) renders these; it never queries the
ledger or the folders itself. Times are timezone-aware UTC where the ledger gave a zone,
and paths are absolute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bridge.errors import FileIssue

__all__ = [
    "AuditView",
    "CallEntry",
    "DeliveryView",
    "ErrorEvent",
    "ExportFailureView",
    "ExportView",
    "FileAudit",
    "FileCalls",
    "FileEntry",
    "FolderCounts",
    "LeaseView",
    "MismatchView",
    "OrderAudit",
    "OrderExportEntry",
    "PlanEntry",
    "ProcessView",
    "ProductStateView",
    "RecordEntry",
    "RecordHistory",
    "ResolutionView",
    "ResolveView",
    "RetryView",
    "ServiceView",
    "SftpView",
    "ShipmentStepView",
    "SkuAudit",
    "StatusView",
]


# -- shared pieces ----------------------------------------------------------------------
@dataclass(frozen=True)
class ResolutionView:
    """How an operator dealt with a failed file (``resolved`` or ``retried``)."""

    action: str
    note: str
    who: str
    at: datetime


@dataclass(frozen=True)
class RecordEntry:
    """One stored per-record outcome of a file."""

    line: int | None
    key: str
    outcome: str
    message: str


@dataclass(frozen=True)
class FileEntry:
    """One received file as the ledger knows it."""

    id: int
    kind: str
    name: str
    sha256: str
    status: str
    received_at: datetime
    records_total: int
    records_applied: int
    records_unchanged: int
    records_rejected: int
    records_skipped: int
    final_path: str | None = None
    report_path: str | None = None
    last_error: str | None = None
    resolution: ResolutionView | None = None
    records: tuple[RecordEntry, ...] = ()


@dataclass(frozen=True)
class CallEntry:
    """One HTTP exchange with Magento made while the file was processed.

    ``status`` is None when no answer came; ``error`` then names the transport
    error (``ReadTimeout``, ``ConnectError`` ...), else the bridge error the answer
    meant, and is None for a call that succeeded. ``document_id`` is the document a
    POST created (shipment, invoice, product).
    """

    at: datetime
    method: str
    path: str
    status: int | None
    error: str | None
    duration_ms: int
    attempt: int
    record_key: str | None
    document_id: int | None


# -- status ------------------------------------------------------------------------------
@dataclass(frozen=True)
class FolderCounts:
    """Entries of one kind waiting in its inbox, in work, and under ``failed/``."""

    kind: str
    pending: int
    processing: int
    failed_entries: int


@dataclass(frozen=True)
class ErrorEvent:
    """A service event of level ``error``."""

    at: datetime
    flow: str
    event: str
    message: str


@dataclass(frozen=True)
class ExportFailureView:
    """An order that could not be exported yet."""

    order_number: str
    reason: str
    attempts: int


@dataclass(frozen=True)
class ExportView:
    """The order export: cursor, last poll, counts and failures."""

    cursor: datetime | None
    last_poll: datetime | None
    exported: int
    comments_pending: int
    failures: tuple[ExportFailureView, ...]


@dataclass(frozen=True)
class MismatchView:
    """An ERP shipment whose Magento invoice differs from the ERP's amount."""

    shipment_id: str
    order_number: str
    reason: str


@dataclass(frozen=True)
class DeliveryView:
    """An ERP delivery that needs a look: uncertain, in conflict or not invoiced."""

    shipment_id: str
    order_number: str
    detail: str


@dataclass(frozen=True)
class LeaseView:
    """Who works on what, until when: a file, an ERP shipment, the order export.

    ``name`` is ``file:<kind>/<work name>``, ``shipment:<id>``, ``order:<entity id>``
    or the export's own lease; ``owner`` is ``host:pid:random`` of the process.
    """

    name: str
    owner: str
    acquired_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class SftpView:
    """The SFTP endpoint: who it is and its last known state (None: not contacted)."""

    name: str
    state: str | None
    since: datetime | None = None
    error: str | None = None


@dataclass(frozen=True)
class ServiceView:
    """Whether a ``bridge run`` is alive (its heartbeat) and whether it is paused.

    Attributes:
        running: A service's heartbeat is fresh.
        host: The host of the latest heartbeat (None: no service ever ran).
        pid: Its process id.
        last_beat: When it was written (UTC).
        interval_seconds: The service's pause between passes.
        paused_until: Magento flows paused until then (UTC), or None.
        pause_reason: Why.
    """

    running: bool
    host: str | None = None
    pid: int | None = None
    last_beat: datetime | None = None
    interval_seconds: float | None = None
    paused_until: datetime | None = None
    pause_reason: str = ""

    @property
    def stale(self) -> bool:
        """A service wrote heartbeats and stopped (never one: run by hand or cron)."""
        return self.host is not None and not self.running


@dataclass(frozen=True)
class StatusView:
    """Everything ``bridge status`` shows."""

    root: Path
    folders: tuple[FolderCounts, ...]
    files_by_status: dict[str, int]
    last_files: tuple[FileEntry, ...]
    last_errors: tuple[ErrorEvent, ...]
    export: ExportView
    mismatches: tuple[MismatchView, ...]
    attention: tuple[FileEntry, ...]
    attention_total: int
    sftp: SftpView | None = None
    uncertain: tuple[DeliveryView, ...] = ()
    """Ship/invoice calls without a clear answer, waiting for Magento to show them."""
    conflicts: tuple[DeliveryView, ...] = ()
    """Delivery notes that came back with other lines or another order."""
    not_invoiced: tuple[DeliveryView, ...] = ()
    """Deliveries shipped whose invoice Magento refused (they stay open)."""
    held: tuple[DeliveryView, ...] = ()
    """Deliveries shipped whose invoice is held: the ERP's amount differs."""
    leases: tuple[LeaseView, ...] = ()
    """Work held by a process now (expired leases are left out)."""
    service: ServiceView = ServiceView(running=False)
    at: datetime | None = None

    @property
    def pending_files(self) -> int:
        """Files waiting in an inbox or claimed and not finished."""
        return sum(c.pending + c.processing for c in self.folders)

    @property
    def attention_reasons(self) -> tuple[str, ...]:
        """What needs an operator, one phrase each; empty when healthy."""
        rejects = sum(e.records_rejected for e in self.attention if e.records)
        reasons = [
            f"{self.attention_total} failed or partly applied file(s) unresolved"
            if self.attention_total
            else "",
            f"{rejects} rejected record(s) not yet applied" if rejects else "",
            f"{len(self.export.failures)} order(s) not exportable"
            if self.export.failures
            else "",
            f"{len(self.mismatches)} invoice amount mismatch(es)"
            if self.mismatches
            else "",
            f"{len(self.uncertain)} delivery call(s) without a clear answer"
            if self.uncertain
            else "",
            f"{len(self.conflicts)} delivery note conflict(s)"
            if self.conflicts
            else "",
            f"{len(self.not_invoiced)} delivery(ies) shipped but not invoiced"
            if self.not_invoiced
            else "",
            f"{len(self.held)} invoice(s) held for an operator (bridge resolve)"
            if self.held
            else "",
            f"Magento flows paused: {self.service.pause_reason}"
            if self.service.paused_until is not None
            else "",
            f"{self.pending_files} file(s) pending but the service stopped"
            if self.pending_files and self.service.stale
            else "",
        ]
        return tuple(r for r in reasons if r)

    @property
    def needs_attention(self) -> bool:
        """True while anything in ``attention_reasons`` holds."""
        return bool(self.attention_reasons)


# -- audit -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordHistory:
    """One per-record outcome of a business key, with the file it came from."""

    at: datetime
    kind: str
    outcome: str
    file_name: str
    file_id: int
    line: int | None
    record_key: str
    message: str


@dataclass(frozen=True)
class ProductStateView:
    """What the last file applying a SKU's core data did."""

    action: str
    applied_at: datetime
    file_id: int | None
    fields: str


@dataclass(frozen=True)
class SkuAudit:
    """``audit sku``: the SKU's record history and its product state."""

    sku: str
    history: tuple[RecordHistory, ...]
    product: ProductStateView | None

    @property
    def found(self) -> bool:
        """True when anything is known about the SKU."""
        return bool(self.history) or self.product is not None


@dataclass(frozen=True)
class OrderExportEntry:
    """How an order was written to the outbox."""

    exported_at: datetime
    file_name: str
    sha256: str
    entity_id: int
    comment_state: str


@dataclass(frozen=True)
class ShipmentStepView:
    """How far one ERP shipment of an order got."""

    shipment_id: str
    state: str
    magento_shipment_id: int | None
    ship_file: str | None
    invoice_id: int | None
    invoice_file: str | None
    grand_total: str | None
    shipping_amount: str | None
    fee: str | None
    mismatch: bool
    mismatch_reason: str | None


@dataclass(frozen=True)
class OrderAudit:
    """``audit order``: its export, its ERP shipments and their records."""

    number: str
    export: OrderExportEntry | None
    shipments: tuple[ShipmentStepView, ...]
    history: tuple[RecordHistory, ...]

    @property
    def found(self) -> bool:
        """True when anything is known about the order."""
        return self.export is not None or bool(self.shipments or self.history)


@dataclass(frozen=True)
class FileCalls:
    """``audit file``: a file's Magento calls in short: counts, writes and failures.

    Attributes:
        file_id: The file.
        recorded: Calls stored for it.
        dropped: Calls made but not stored (over the ledger's cap per file).
        failed: Stored calls that ended in an error.
        shown: The first writes (any method but GET) and failed calls, oldest first.
        more: Writes and failed calls stored but not in ``shown``.
    """

    file_id: int
    recorded: int
    dropped: int
    failed: int
    shown: tuple[CallEntry, ...]
    more: int


@dataclass(frozen=True)
class FileAudit:
    """``audit file``: every file received under one name, oldest first."""

    name: str
    files: tuple[FileEntry, ...]
    calls: tuple[FileCalls, ...] = ()

    @property
    def found(self) -> bool:
        """True when a file of that name was received."""
        return bool(self.files)


AuditView = SkuAudit | OrderAudit | FileAudit
"""Any of the three audit views; each has ``found``."""


# -- actions -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanEntry:
    """What a dry run says one record would do (``bridge process --dry-run``).

    ``action``: create / update / unchanged / stock / ship / reject; ``changes`` are
    ``(field, Magento's value, the ERP's value)``; ``detail`` a reason or summary.
    """

    line: int
    key: str
    action: str
    changes: tuple[tuple[str, str | None, str | None], ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class ProcessView:
    """What became of one file applied now (``bridge process``).

    ``status`` is the pipeline's outcome (``done | partial | failed | duplicate |
    pending``), or ``taken`` when another bridge process claimed the file first.
    """

    name: str
    kind: str
    status: str
    file_id: int | None = None
    final_path: Path | None = None
    report_path: Path | None = None
    rejects_path: Path | None = None
    issues: tuple[FileIssue, ...] = ()
    error: str | None = None
    plan: tuple[PlanEntry, ...] = ()

    @property
    def had_problems(self) -> bool:
        """True when the file was not (completely) applied."""
        return self.status in (
            "failed",
            "partial",
            "pending",
            "taken",
            "held",
            "would-reject",
        )


@dataclass(frozen=True)
class RetryView:
    """A failed file copied back into its inbox, or why it was not.

    Attributes:
        file_id: The failed file's ledger id.
        refused: Why nothing was done, or None.
        copy: The new file in the inbox (the normal pipeline takes it).
        evidence: The failed file, left where it is.
    """

    file_id: int
    refused: str | None = None
    copy: Path | None = None
    evidence: Path | None = None


@dataclass(frozen=True)
class ResolveView:
    """A failure marked resolved, or why it was not."""

    file_id: int
    refused: str | None = None
    name: str | None = None
    resolution: ResolutionView | None = None
