"""``Operations``: the use cases over one bridge home, for any presenter.

A presenter (the CLI, the web console) holds one ``Operations`` per request or per
process, calls its methods and renders the views they return. It never opens the ledger
or the folders itself.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from bridge.config import Settings
from bridge.ledger import Ledger
from bridge.usecases import audit as _audit
from bridge.usecases import failures as _failures
from bridge.usecases import files as _files
from bridge.usecases.file_views import (
    DeliveryView,
    Download,
    FileDetail,
    FilePage,
    UploadView,
)
from bridge.usecases.files import FileQuery
from bridge.usecases.status import status as _status
from bridge.usecases.views import (
    FileAudit,
    OrderAudit,
    ProcessView,
    ResolveView,
    RetryView,
    SkuAudit,
    StatusView,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bridge.flows.reconcile_drift import DriftReport
    from bridge.runtime.pipeline import Progress
    from bridge.usecases.file_views import HeldView
    from bridge.usecases.held_invoices import HeldAction

__all__ = ["Operations"]


class Operations:
    """The bridge's use cases: status, audit, process, retry, resolve.

    Args:
        settings: The bridge settings.

    The ledger is opened on first use and released by ``close()`` (or ``with``).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._ledger: Ledger | None = None

    @property
    def _db(self) -> Ledger:
        if self._ledger is None:
            self._ledger = Ledger(self.settings.ledger_url)
        return self._ledger

    def close(self) -> None:
        """Release the ledger."""
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None

    def __enter__(self) -> Operations:
        """Use as a context manager that closes the ledger."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the ledger."""
        self.close()

    # -- read ------------------------------------------------------------------------
    def status(self) -> StatusView:
        """Folders, files by status, last runs and errors, export, SFTP, attention."""
        return _status(self.settings, self._db)

    def audit_sku(self, sku: str) -> SkuAudit:
        """History of one SKU."""
        return _audit.audit_sku(self._db, sku)

    def audit_order(self, number: str) -> OrderAudit:
        """One order: export, ERP shipments, Magento documents."""
        return _audit.audit_order(self._db, number)

    def audit_file(self, name: str) -> FileAudit:
        """Every file received under ``name``."""
        return _audit.audit_file(self._db, name)

    def unfinished_shipments(self) -> tuple[DeliveryView, ...]:
        """ERP shipments not invoiced yet: uncertain (pending) or shipped only."""
        return _audit.unfinished_shipments(self._db)

    def files(self, query: FileQuery) -> FilePage:
        """A page of received files matching ``query`` (see ``usecases.files``)."""
        return _files.list_files(self._db, query)

    def file_detail(self, file_id: int, calls_offset: int = 0) -> FileDetail | None:
        """One file with its records, report, downloads and calls; None if unknown."""
        return _files.file_detail(self.settings, self._db, file_id, calls_offset)

    def download(self, file_id: int, which: str) -> Download | None:
        """A file the ledger knows (``original``, ``rejects``, ``report``), or None."""
        return _files.download(self.settings, self._db, file_id, which)

    # -- act -------------------------------------------------------------------------
    def process(
        self,
        file: Path,
        kind: str,
        *,
        force: bool = False,
        progress: Progress | None = None,
        dry_run: bool = False,
    ) -> ProcessView:
        """Apply one file now through the service's pipeline (see ``usecases.process``).

        With ``dry_run`` nothing is applied: the plan is read from Magento (GET only).
        """
        from bridge.runtime import build
        from bridge.usecases.process import process

        comps = build(self.settings)
        try:
            return process(
                comps, file, kind, force=force, progress=progress, dry_run=dry_run
            )
        finally:
            comps.close()

    def reconcile(self, what: str, skus: Sequence[str] = ()) -> DriftReport:
        """Repair drift of ``stock`` or ``products`` (see ``usecases.reconcile``)."""
        from bridge.usecases.reconcile import reconcile

        return reconcile(self.settings, self._db, what, skus)

    def retry(self, file_id: int, *, who: str) -> RetryView:
        """Copy a failed file back into its inbox (see ``usecases.failures``)."""
        return _failures.retry(self.settings, self._db, file_id, who=who)

    def upload(self, kind: str, name: str, data: bytes, *, who: str) -> UploadView:
        """Drop an operator's file into an inbox for the pipeline (``usecases.files``)."""
        return _files.upload(
            self.settings, self._db, kind=kind, name=name, data=data, who=who
        )

    def resolve(self, file_id: int, *, note: str, who: str) -> ResolveView:
        """Mark a failed file resolved with a note (see ``usecases.failures``)."""
        return _failures.resolve(self._db, file_id, note=note, who=who)

    def resolve_held(
        self, shipment_id: str, action: HeldAction, *, note: str, who: str
    ) -> HeldView:
        """Release (invoice anyway) or close a held invoice (``usecases.held_invoices``)."""
        from bridge.usecases.held_invoices import resolve_held

        return resolve_held(
            self.settings, self._db, shipment_id, action, note=note, who=who
        )
