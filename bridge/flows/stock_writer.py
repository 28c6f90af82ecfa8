"""The stock writing that the stock and products flows share: one collaborator.

A ``StockWriter`` stages the stock values of a file's records (stock levels, or
products with ``qty``), lets the ledger mark the ones beaten by a newer or later value
for the same SKU and source, lets it count (in SQL) the winners Magento already has,
pages through the rest with their state, skips stale values, sends the others (MSI
``source-items`` in ``batch_size`` chunks, or legacy ``stockItems`` one SKU a call)
with the configured concurrency, and records each accepted value at once, from the
calling thread only.

The calls themselves (and the split of a refused MSI batch) are in
``_stock_calls.py``; they stay in flight across pages. What happened comes back as a
:class:`StockReport`; each flow counts it in its own result as its file kind needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal

from bridge.config import Settings
from bridge.errors import BridgeError
from bridge.flows._attempts import RecordAttempts
from bridge.flows._staged import encode_payload, record_of
from bridge.flows._stock_calls import Sent, StockCalls
from bridge.flows._stock_rows import net_of_deliveries, staged_values, stock_tuples
from bridge.flows.base import FileContext, InlineExecutor, RecordNote, gather
from bridge.ledger import Ledger
from bridge.ledger.staging import StagedRow
from bridge.ledger.stock import AppliedStock, StockCandidate
from bridge.ledger.stock_staging import StockStaging
from bridge.magento.stock import StockAdapter
from bridge.mapping.products import format_decimal
from bridge.mapping.stock import (
    as_of,
    as_of_micros,
    from_micros,
)
from bridge.models.erp import ErpStockLevel, ParsedRecord
from bridge.models.status import RecordOutcome
from bridge.support.calls import in_context

__all__ = ["LANE", "StockReport", "StockWriter"]

#: The staging lane of stock values.
LANE = "stock"
#: Staged winners read per page (bounded memory).
PAGE = 5000
#: Units in flight at most while pages are read (beyond it the oldest are awaited).
IN_FLIGHT = 256
#: Per-record notes kept for stale and duplicate records; the rest are counted.
MAX_NOTES = 1000


@dataclass
class StockReport:
    """What writing one file's stock values did.

    Attributes:
        applied: Values Magento accepted in this run.
        unchanged: Values Magento already had (no call made).
        stale: Values older than what was already applied, or than a later record.
        rejected: Values Magento refused, each with its reason.
        notes: Stale and duplicate records worth keeping.
        warnings: File-level remarks (too many notes to list).
    """

    applied: int = 0
    unchanged: int = 0
    stale: int = 0
    rejected: list[RecordNote] = field(default_factory=list)
    notes: list[RecordNote] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class StockWriter:
    """Stage, deduplicate, send and record stock values for one file at a time.

    Args:
        settings: The bridge settings (``magento.inventory``, ``batch_size``, ...).
        ledger: The ledger holding the staging area and the stock state.
        stock: The Magento stock adapter.
    """

    def __init__(self, settings: Settings, ledger: Ledger, stock: StockAdapter) -> None:
        """Keep the collaborators; nothing is called yet."""
        self._settings = settings
        self._ledger = ledger
        self._stock = stock
        self._attempts = RecordAttempts(settings, ledger, LANE)
        self._calls = StockCalls(stock, self._attempts.reason)
        #: Units sent and not yet recorded (kept across pages).
        self._in_flight: list[Future[Sent]] = []
        #: Magento calls made since the last ``start``.
        self.calls = 0
        #: (file id, as-of micros) of records without an ``updated_at`` of their own.
        self._file_as_of = (-1, 0)
        #: Records standing in for rows staged without theirs, by index.
        self._stand_ins: dict[int, ParsedRecord] = {}
        #: The current file's staged values (between ``start`` and ``release``).
        self._area: StockStaging | None = None
        #: Rows staged since ``start`` (a one-unit file sends from this thread).
        self._count = 0

    def start(self, ctx: FileContext) -> None:
        """Start (or restart, after a crash) the file from an empty staging area."""
        self.calls = 0
        self.release()
        self._count = 0
        # Values an older release staged in the shared table are not used any more.
        self._ledger.staging.clear(ctx.file_id, LANE)
        self._area = self._ledger.stock.open_staging()

    def finish(self, ctx: FileContext) -> None:
        """Drop the file's staged stock values and its attempt counters."""
        self.release()
        self._attempts.clear(ctx.file_id)

    def release(self) -> None:
        """Drop the staged values (kept: the attempt counters); safe to repeat."""
        area, self._area = self._area, None
        if area is not None:
            area.close()

    @property
    def _staged(self) -> StockStaging:
        if self._area is None:
            msg = "StockWriter.start() was not called for this file"
            raise RuntimeError(msg)
        return self._area

    def row(self, ctx: FileContext, record: ParsedRecord) -> StagedRow | None:
        """Return the staging row of a record's stock value, or None if it has none."""
        model = record.model
        qty = getattr(model, "qty", None)
        if qty is None:
            return None
        updated_at = model.updated_at if isinstance(model, ErpStockLevel) else None
        source = getattr(model, "source", None) or self._settings.magento.source_code
        if updated_at is not None:
            when = as_of_micros(as_of(updated_at, ctx.generated, ctx.mtime))
        elif self._file_as_of[0] == ctx.file_id:
            when = self._file_as_of[1]
        else:
            when = as_of_micros(as_of(None, ctx.generated, ctx.mtime))
            self._file_as_of = (ctx.file_id, when)
        return StagedRow(
            idx=record.index,
            line=record.line,
            record_key=record.key,
            key=str(getattr(model, "sku", "")),
            subkey=source,
            as_of=when,
            value=format_decimal(qty),
            # With a way back to the file, no record is kept per row: the few that
            # are reported on are rebuilt from the file at the end (``_resolve``).
            payload="" if ctx.reread is not None else encode_payload(record),
        )

    def stage(self, ctx: FileContext, rows: Iterable[StagedRow]) -> int:
        """Stage stock rows (from :meth:`row`); return how many were staged."""
        count = self._staged.add(staged_values(r) for r in rows)
        self._count += count
        return count

    def stage_records(self, ctx: FileContext, records: Iterable[ParsedRecord]) -> int:
        """Stage the stock values of a stock file's records; return how many.

        The same values as :meth:`row` gives, built as plain tuples straight from
        each record (no staged-row object per record), which is what a
        million-row snapshot spends its per-row time on.
        """
        count = self._staged.add(
            stock_tuples(
                ctx,
                records,
                source=self._settings.magento.source_code,
                other=lambda record: self.row(ctx, record),
            )
        )
        self._count += count
        return count

    def discard(self, ctx: FileContext, skus: Iterable[str]) -> None:
        """Drop the staged values of SKUs that must not get any (rejected products)."""
        self._staged.discard_keys(skus)

    def discard_beaten(self, ctx: FileContext, lane: str) -> None:
        """Drop the values of records superseded in another lane of the same file."""
        self._staged.discard_beaten(ctx.file_id, lane)

    def apply(self, ctx: FileContext, *, note_duplicates: bool = True) -> StockReport:
        """Apply the staged winners; note superseded and stale records.

        Args:
            ctx: The file being applied.
            note_duplicates: False when the caller already noted its duplicates.

        Raises:
            MagentoUnavailableError: Magento is down; what was applied is recorded
                first, so the retried file skips it.
        """
        try:
            return self._apply(ctx, note_duplicates)
        except BaseException:
            self.release()  # the retried file stages again from scratch
            raise

    def _apply(self, ctx: FileContext, note_duplicates: bool) -> StockReport:
        report = StockReport()
        self._stand_ins.clear()
        self._in_flight = []
        staged = self._staged
        if staged.mark_superseded():
            self._note_superseded(report, note_duplicates)
        tolerance = self._settings.runtime.future_tolerance_seconds
        horizon = as_of_micros(ctx.now()) + int(tolerance * 1_000_000)
        # What Magento already has is counted (and its as-of moved on) in SQL; only
        # the delta (new, changed, stale, future, or lowered by a delivery) is paged.
        report.unchanged += staged.settle(None if ctx.force else horizon)
        last, pending = -1, []
        # Full MSI batches only: the few changed rows of each page are carried over,
        # so a snapshot costs ceil(changed / batch_size) calls, not one per page.
        unit = self._settings.magento.batch_size if self._msi else 1
        # A single unit to send (a small file) goes from this thread: no pool.
        pool: Executor = (
            ThreadPoolExecutor(self._settings.magento.concurrency)
            if self._count > unit
            else InlineExecutor()
        )
        with pool:
            while page := staged.candidates(after_idx=last, limit=PAGE):
                last = page[-1].staged.idx
                pending.extend(self._changed(ctx, report, page, horizon))
                ready = len(pending) - len(pending) % unit
                self._send(ctx, report, pending[:ready], pool)
                del pending[:ready]
                if len(page) < PAGE:
                    break  # a short page is the last one
            self._send(ctx, report, pending, pool, wait=True)
        self._resolve(ctx, report)
        return report

    def _record_of(self, row: StagedRow) -> ParsedRecord:
        """The record of a staged row; a stand-in when it was staged without it."""
        if row.payload:
            return record_of(row)
        stand_in = ParsedRecord(
            index=row.idx,
            line=row.line,
            key=row.record_key,
            model=ErpStockLevel(sku=row.key, qty=Decimal(row.value), source=row.subkey),
        )
        self._stand_ins[row.idx] = stand_in
        return stand_in

    def _resolve(self, ctx: FileContext, report: StockReport) -> None:
        """Put the file's own records in place of the stand-ins, in one pass."""
        stand_ins, self._stand_ins = self._stand_ins, {}
        if not stand_ins or ctx.reread is None:
            return
        found: dict[int, ParsedRecord] = {}
        for record in ctx.reread():
            if record.index in stand_ins:
                found[record.index] = record
                if len(found) == len(stand_ins):
                    break  # the rest of the file is not read again
        for notes in (report.notes, report.rejected):
            for i, note in enumerate(notes):
                real = found.get(note.record.index)
                if real is not None and note.record is stand_ins[real.index]:
                    notes[i] = replace(note, record=real)

    @property
    def _msi(self) -> bool:
        return self._settings.magento.inventory == "msi"

    def _note_superseded(self, report: StockReport, note_duplicates: bool) -> None:
        staged = self._staged
        for beaten in staged.superseded(limit=MAX_NOTES):
            row = beaten.row
            where = f"SKU {row.key} at source {row.subkey}"
            if row.idx > beaten.winner_idx:
                report.stale += 1
                report.notes.append(
                    RecordNote(
                        self._record_of(row),
                        RecordOutcome.STALE,
                        f"{where}: qty {row.value} is older than the value on line "
                        f"{beaten.winner_line}; not applied",
                    )
                )
            elif note_duplicates:
                report.notes.append(
                    RecordNote(
                        self._record_of(row),
                        RecordOutcome.DUPLICATE,
                        f"{where} appears again on line {beaten.winner_line}; "
                        "the last occurrence wins",
                    )
                )
        total = staged.count_superseded()
        if total > MAX_NOTES:
            report.warnings.append(
                f"{total} stock records were superseded by a later or newer record "
                f"for the same SKU and source; the first {MAX_NOTES} are listed"
            )

    def _changed(
        self,
        ctx: FileContext,
        report: StockReport,
        page: Sequence[StockCandidate],
        horizon: int,
    ) -> list[StockCandidate]:
        """Sort a page into stale, unchanged (as-of moved forward) and to-send rows."""
        send, bumps = [], []
        shipped = self._ledger.stock.deductions([c.staged.key for c in page])
        for cand in page:
            if shipped:
                cand = net_of_deliveries(cand, shipped)
            row, state = cand.staged, cand.state
            if row.as_of > horizon:
                self._future(report, cand)
            elif not ctx.force and state is not None and row.as_of < state.as_of:
                self._stale(report, cand)
            elif not ctx.force and state is not None and state.qty == row.value:
                report.unchanged += 1
                if row.as_of > state.as_of:
                    bumps.append((row.key, row.subkey, row.as_of))
            else:
                send.append(cand)
        self._ledger.stock.bump_as_of(bumps)
        return send

    def _future(self, report: StockReport, cand: StockCandidate) -> None:
        """Refuse a value dated in the future: it would make every later one stale."""
        row = cand.staged
        when = from_micros(row.as_of).isoformat()
        tolerance = self._settings.runtime.future_tolerance_seconds
        report.rejected.append(
            RecordNote(
                self._record_of(row),
                RecordOutcome.REJECTED,
                f"SKU {row.key} at source {row.subkey}: qty {row.value} is dated "
                f"{when}, in the future (more than {tolerance:g} s ahead, "
                "runtime.future_tolerance_seconds); not applied",
            )
        )

    def _stale(self, report: StockReport, cand: StockCandidate) -> None:
        report.stale += 1
        row = cand.staged
        if report.stale <= MAX_NOTES:
            old = cand.state.qty if cand.state is not None else ""
            report.notes.append(
                RecordNote(
                    self._record_of(row),
                    RecordOutcome.STALE,
                    f"SKU {row.key} at source {row.subkey}: qty {row.value} is older "
                    f"than the qty {old} already applied; not applied",
                )
            )
        elif report.stale == MAX_NOTES + 1:
            report.warnings.append(
                f"more than {MAX_NOTES} stale stock records; only the first "
                f"{MAX_NOTES} are listed"
            )

    def _send(
        self,
        ctx: FileContext,
        report: StockReport,
        rows: Sequence[StockCandidate],
        pool: Executor,
        *,
        wait: bool = False,
    ) -> None:
        """Send rows to Magento concurrently and record the outcome of what is done.

        Units stay in flight across pages (the next page is read meanwhile), so
        ``magento.concurrency`` calls keep going; ``wait`` drains them all. Every
        finished unit's outcome is recorded before the first transient or auth
        error is re-raised, so a retry of the file re-sends nothing Magento accepted.
        """

        def batch(unit: Sequence[StockCandidate]) -> Sent:
            ctx.check_stop()  # SIGTERM: stop between batches; the rest is resumed
            return self._calls.save_batch(unit)

        def legacy(cand: StockCandidate) -> Sent:
            ctx.check_stop()
            return self._calls.save_legacy(cand)

        if self._msi:
            size = self._settings.magento.batch_size
            units = [rows[i : i + size] for i in range(0, len(rows), size)]
            futures = [pool.submit(in_context(batch), u) for u in units]
        else:
            futures = [pool.submit(in_context(legacy), r) for r in rows]
        self._in_flight.extend(futures)
        ready: list[Future[Sent]] = []
        waiting: list[Future[Sent]] = []
        for future in self._in_flight:
            (ready if wait or future.done() else waiting).append(future)
        # Bounded: the oldest units are waited for rather than piling up rows.
        excess = len(waiting) - IN_FLIGHT
        if excess > 0:
            ready.extend(waiting[:excess])
            waiting = waiting[excess:]
        done, error = gather(ready)
        if error is not None:
            more, _ = gather(waiting)
            done.extend(more)
            waiting = []
        self._in_flight = waiting
        # Every finished unit in one transaction (not one per MSI call): recorded
        # before any error below is raised, so a retry re-sends nothing accepted.
        merged = Sent(calls=sum(sent.calls for sent in done))
        for sent in done:
            merged.applied.extend(sent.applied)
            merged.rejected.extend(sent.rejected)
        self._record(ctx, report, merged)
        error = self._count_failures(ctx, report, done, error)
        if error is not None:
            raise error

    def _count_failures(
        self,
        ctx: FileContext,
        report: StockReport,
        done: Sequence[Sent],
        error: BridgeError | None,
    ) -> BridgeError | None:
        """Count transient failures; give up on rows out of attempts (see _attempts).

        A batch out of attempts is split once more to find the rows at fault, so the
        others are applied; a single row out of attempts is rejected. Returns the
        error that leaves the file pending, if any row is still to be sent again.
        """
        failed = [unit for sent in done for unit in sent.failed]
        if not failed:
            return error
        sku = failed[0][0][0].staged.key
        counts = self._attempts.failed(
            ctx.file_id,
            [c.staged.idx for rows, _ in failed for c in rows],
            lambda: self._stock.product_exists(sku),
        )
        for rows, exc in failed:
            count = max(counts.get(c.staged.idx, 0) for c in rows) if counts else 0
            if not self._attempts.exhausted(count):
                error = error or exc
                continue
            last = Sent()
            if len(rows) == 1 or not self._msi:
                last.rejected.extend(
                    (c, self._attempts.reason(count, exc)) for c in rows
                )
            else:
                half = len(rows) // 2
                self._calls.bisect(rows[:half], last, give_up=count)
                self._calls.bisect(rows[half:], last, give_up=count)
            self._record(ctx, report, last)
        return error

    def _record(self, ctx: FileContext, report: StockReport, sent: Sent) -> None:
        self.calls += sent.calls
        applied = [
            AppliedStock(
                sku=c.staged.key,
                source=c.staged.subkey,
                qty=c.staged.value,
                as_of=c.staged.as_of,
                item_id=item_id,
                idx=c.staged.idx,
                line=c.staged.line,
                record_key=c.staged.record_key,
            )
            for c, item_id in sent.applied
        ]
        self._ledger.stock.save(ctx.file_id, applied, kind=ctx.kind)
        report.applied += len(applied)
        for cand, message in sent.rejected:
            row = cand.staged
            report.rejected.append(
                RecordNote(
                    self._record_of(row),
                    RecordOutcome.REJECTED,
                    f"SKU {row.key} at source {row.subkey}: stock not applied: "
                    f"{message}",
                )
            )
