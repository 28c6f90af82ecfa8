"""Apply ERP stock levels to Magento: only changed, never stale, MSI in batches.

Script of ``apply()``: stage every record's stock value (memory stays flat for
million-row snapshots) → apply the winners (the :class:`StockWriter` deduplicates,
skips stale and unchanged values, sends the rest and records each accepted value at
once) → count, including what an earlier attempt at the same file applied → drop the
staged values. Stock quantities in product files (``qty``) go through the same
writer, used by the products flow.
"""

from __future__ import annotations

from collections.abc import Iterable

from bridge.config import Settings
from bridge.flows.base import FileContext, FlowResult
from bridge.flows.stock_writer import StockWriter
from bridge.ledger import Ledger
from bridge.magento.stock import StockAdapter
from bridge.models.erp import Kind, ParsedRecord

__all__ = ["ApplyStockFlow"]


class ApplyStockFlow:
    """ERP stock file → Magento stock (MSI source items or legacy stock items).

    Args:
        settings: The bridge settings (``magento.inventory``, ``batch_size``, ...).
        ledger: The ledger holding the stock state.
        stock: The Magento stock adapter.
    """

    kind: Kind = "stock"

    def __init__(self, settings: Settings, ledger: Ledger, stock: StockAdapter) -> None:
        """Keep the collaborators; nothing is called yet."""
        self._ledger = ledger
        self._writer = StockWriter(settings, ledger, stock)

    @property
    def calls(self) -> int:
        """Magento calls made by the last ``apply`` (for benches and reports)."""
        return self._writer.calls

    def apply(self, ctx: FileContext, records: Iterable[ParsedRecord]) -> FlowResult:
        """Apply one stock file's validated records.

        Args:
            ctx: The file being applied.
            records: A fresh stream of its records.

        Returns:
            Counts of applied, unchanged and stale records, and the rejections.

        Raises:
            MagentoUnavailableError: Magento is down; what was applied is recorded,
                so the retried file skips it.
        """
        writer = self._writer
        writer.start(ctx)
        try:
            writer.stage_records(ctx, records)
            report = writer.apply(ctx)
        finally:
            writer.release()  # a stop or an error mid-file: staged again on retry
        writer.finish(ctx)
        # A resumed file finds what its first attempt applied unchanged; the records
        # log says those were applied, and so should the report.
        applied = self._ledger.files.applied_count(ctx.file_id, ctx.kind)
        return FlowResult(
            applied=applied,
            unchanged=max(0, report.unchanged - (applied - report.applied)),
            stale=report.stale,
            rejected=report.rejected,
            notes=report.notes,
            warnings=report.warnings,
        )
