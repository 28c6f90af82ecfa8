"""Apply ERP stock levels to Magento: only changed, never stale, MSI in batches.

Script of ``apply()``: stage every record of the file on disk (memory stays flat for
million-row snapshots) → let SQL mark the records beaten by a newer or later one for
the same SKU and source → page through the winners joined with the stock state →
skip stale and unchanged values → send the rest (MSI ``source-items`` in
``batch_size`` chunks, or legacy ``stockItems`` one SKU a call) with the configured
concurrency → record each accepted value at once, from this thread only.

When Magento refuses an MSI batch (one unknown SKU makes it refuse the whole batch),
the batch is split in halves until the refused record(s) are isolated; the rest is
applied. Stock quantities in product files (``qty``) go through this same path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from bridge.config import Settings
from bridge.errors import BridgeError, RecordRejectedError
from bridge.flows.base import FileContext, FlowResult
from bridge.ledger import Ledger
from bridge.ledger._staging import StagedRow, StagingStore, record_from_row
from bridge.ledger.stock import AppliedStock, stock_state
from bridge.magento.stock import StockAdapter
from bridge.mapping.products import format_decimal
from bridge.mapping.stock import (
    as_of,
    as_of_micros,
    in_stock,
    to_magento_source_item,
)
from bridge.models.erp import ErpStockLevel, Kind, ParsedRecord

__all__ = ["ApplyStockFlow", "gather"]

T = TypeVar("T")

STOCK = "stock"
#: Staged winners read per page (bounded memory).
PAGE = 5000
#: Per-record notes kept for stale and duplicate records; the rest are counted.
MAX_NOTES = 1000


@dataclass
class _Sent:
    """What one unit of work did: accepted rows, refused rows, calls made."""

    applied: list[tuple[Any, int | None]] = field(default_factory=list)
    rejected: list[tuple[Any, str]] = field(default_factory=list)
    calls: int = 0


def gather(futures: Sequence[Future[T]]) -> tuple[list[T], BridgeError | None]:
    """Wait for every future; return the results and the first bridge error, if any.

    A flow records every finished unit before re-raising, so an outage in the middle
    of a page never loses track of what Magento already accepted.
    """
    done: list[T] = []
    error: BridgeError | None = None
    for future in futures:
        try:
            done.append(future.result())
        except BridgeError as exc:
            error = error or exc
    return done, error


def _reason(exc: RecordRejectedError) -> str:
    return exc.magento_message or str(exc)


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
        self._settings = settings
        self._ledger = ledger
        self._stock = stock
        self._staging = StagingStore(ledger.db)
        #: Magento calls made by the last ``apply`` (for benches and reports).
        self.calls = 0

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
        result = FlowResult()
        self.begin(ctx)
        self.stage(ctx, records)
        self.apply_staged(ctx, result)
        self.finish(ctx)
        return result

    def begin(self, ctx: FileContext) -> None:
        """Start (or restart, after a crash) the file from an empty staging area."""
        self.calls = 0
        self._staging.clear(ctx.file_id, STOCK)

    def finish(self, ctx: FileContext) -> None:
        """Drop the file's staging rows."""
        self._staging.clear(ctx.file_id, STOCK)

    def stage(self, ctx: FileContext, records: Iterable[ParsedRecord]) -> int:
        """Stage the stock values of ``records`` (stock levels, products with qty)."""
        return self._staging.stage(
            ctx.file_id, STOCK, (r for rec in records if (r := self.row(ctx, rec)))
        )

    def row(self, ctx: FileContext, record: ParsedRecord) -> StagedRow | None:
        """Return the staging row for a record's stock value, or None if it has none."""
        model = record.model
        updated_at = model.updated_at if isinstance(model, ErpStockLevel) else None
        source = getattr(model, "source", None) or self._settings.magento.source_code
        qty = getattr(model, "qty", None)
        if qty is None:
            return None
        when = as_of(updated_at, ctx.generated, ctx.mtime)
        return StagedRow(
            record=record,
            sku=str(getattr(model, "sku", "")),
            source=source,
            as_of=as_of_micros(when),
            value=format_decimal(qty),
        )

    def discard(self, ctx: FileContext, skus: Iterable[str]) -> None:
        """Drop the staged stock of SKUs that must not get any (rejected products)."""
        self._staging.discard(ctx.file_id, STOCK, skus)

    def apply_staged(
        self, ctx: FileContext, result: FlowResult, *, note_duplicates: bool = True
    ) -> None:
        """Apply the staged winners; note superseded and stale records.

        Args:
            ctx: The file being applied.
            result: Where counts, notes and rejections go.
            note_duplicates: False when the caller (products) already noted them.
        """
        self._staging.mark_superseded(ctx.file_id, STOCK)
        self._note_superseded(ctx, result, note_duplicates)
        last, pending = -1, []
        # Full MSI batches only: the few changed rows of each page are carried over,
        # so a snapshot costs ceil(changed / batch_size) calls, not one per page.
        unit = self._settings.magento.batch_size if self._msi else 1
        with ThreadPoolExecutor(self._settings.magento.concurrency) as pool:
            while page := self._staging.winners_page(
                ctx.file_id,
                STOCK,
                stock_state,
                ("sku", "source"),
                after_idx=last,
                limit=PAGE,
            ):
                last = page[-1].idx
                pending.extend(self._changed(ctx, result, page))
                ready = len(pending) - len(pending) % unit
                self.send(ctx, result, pending[:ready], pool)
                del pending[:ready]
            self.send(ctx, result, pending, pool)
        if ctx.kind == STOCK:
            self._staging.settle_counts(ctx.file_id, ctx.kind, result)

    def _note_superseded(
        self, ctx: FileContext, result: FlowResult, note_duplicates: bool
    ) -> None:
        for row in self._staging.superseded(ctx.file_id, STOCK, limit=MAX_NOTES):
            if row.idx > row.winner_idx:
                result.stale += 1
                result.note(
                    record_from_row(row),
                    "stale",
                    f"SKU {row.sku} at source {row.source}: qty {row.value} is older "
                    f"than the value on line {row.winner_line}; not applied",
                )
            elif note_duplicates:
                result.note(
                    record_from_row(row),
                    "duplicate",
                    f"SKU {row.sku} at source {row.source} appears again on line "
                    f"{row.winner_line}; the last occurrence wins",
                )
        total = self._staging.count_superseded(ctx.file_id, STOCK)
        if total > MAX_NOTES:
            result.warnings.append(
                f"{total} stock records were superseded by a later or newer record "
                f"for the same SKU and source; the first {MAX_NOTES} are listed"
            )

    @property
    def _msi(self) -> bool:
        return self._settings.magento.inventory == "msi"

    def _changed(
        self, ctx: FileContext, result: FlowResult, page: Sequence[Any]
    ) -> list[Any]:
        """Sort a page into stale, unchanged (as-of moved forward) and to-send rows."""
        send, bumps = [], []
        for row in page:
            state_as_of = row.state_as_of
            if state_as_of is not None and row.as_of < state_as_of:
                self._stale(result, row)
            elif not ctx.force and row.state_qty == row.value:
                # A product file counts its records itself (core data and qty).
                result.unchanged += 1 if ctx.kind == STOCK else 0
                if row.as_of > state_as_of:
                    bumps.append((row.sku, row.source, row.as_of))
            else:
                send.append(row)
        self._ledger.stock.bump_as_of(bumps)
        return send

    def _stale(self, result: FlowResult, row: Any) -> None:
        result.stale += 1
        if result.stale <= MAX_NOTES:
            result.note(
                record_from_row(row),
                "stale",
                f"SKU {row.sku} at source {row.source}: qty {row.value} is older than "
                f"the qty {row.state_qty} already applied; not applied",
            )
        elif result.stale == MAX_NOTES + 1:
            result.warnings.append(
                f"more than {MAX_NOTES} stale stock records; only the first "
                f"{MAX_NOTES} are listed"
            )

    def send(
        self,
        ctx: FileContext,
        result: FlowResult,
        rows: Sequence[Any],
        pool: ThreadPoolExecutor,
    ) -> None:
        """Send rows to Magento concurrently and record the outcome of each.

        Every unit's outcome is recorded before the first transient or auth error is
        re-raised, so a retry of the file re-sends nothing that Magento accepted.
        """
        if not rows:
            return
        work: Callable[[Sequence[Any]], _Sent]
        if self._msi:
            size = self._settings.magento.batch_size
            units = [rows[i : i + size] for i in range(0, len(rows), size)]
            work = self._save_batch
        else:
            units = [[row] for row in rows]
            work = self._save_legacy
        done, error = gather([pool.submit(work, unit) for unit in units])
        for sent in done:
            self._record(ctx, result, sent)
        if error is not None:
            raise error

    def _record(self, ctx: FileContext, result: FlowResult, sent: _Sent) -> None:
        self.calls += sent.calls
        applied = [
            AppliedStock(
                sku=row.sku,
                source=row.source,
                qty=row.value,
                as_of=row.as_of,
                item_id=item_id,
                idx=row.idx,
                line=row.line,
                record_key=row.record_key,
            )
            for row, item_id in sent.applied
        ]
        self._ledger.stock.save(ctx.file_id, applied, kind=ctx.kind)
        if ctx.kind == STOCK:
            result.applied += len(applied)
        for row, message in sent.rejected:
            result.reject(
                record_from_row(row),
                f"SKU {row.sku} at source {row.source}: stock not applied: {message}",
            )

    def _save_batch(self, rows: Sequence[Any]) -> _Sent:
        """Save one MSI batch; on refusal, split it to isolate the refused records."""
        sent = _Sent()
        self._bisect(rows, sent)
        return sent

    def _bisect(self, rows: Sequence[Any], sent: _Sent) -> None:
        items = [
            to_magento_source_item(r.sku, r.source, Decimal(r.value)) for r in rows
        ]
        sent.calls += 1
        try:
            self._stock.save_source_items(items)
        except RecordRejectedError as exc:
            if len(rows) == 1:
                sent.rejected.append((rows[0], _reason(exc)))
                return
            half = len(rows) // 2
            self._bisect(rows[:half], sent)
            self._bisect(rows[half:], sent)
            return
        sent.applied.extend((r, None) for r in rows)

    def _save_legacy(self, rows: Sequence[Any]) -> _Sent:
        """Save one legacy stock item (looking its id up once, then remembering it)."""
        sent = _Sent()
        (row,) = rows
        qty = Decimal(row.value)
        try:
            item_id = row.state_item_id
            if item_id is None:
                sent.calls += 1
                item_id = int(self._stock.get_stock_item(row.sku)["item_id"])
            sent.calls += 1
            number = int(qty) if qty == qty.to_integral_value() else float(qty)
            self._stock.update_stock_item(row.sku, item_id, number, in_stock(qty))
        except RecordRejectedError as exc:
            sent.rejected.append((row, _reason(exc)))
            return sent
        sent.applied.append((row, item_id))
        return sent
