"""Apply ERP products to Magento: create new SKUs disabled, update only changed fields.

Script of ``apply()``: stage every record with its core-data fingerprint (and its
``qty`` with the stock writer) → mark duplicates (the last occurrence of a SKU wins,
and the earlier ones are noted; their ``qty`` goes too) → page through the winners
with their product state → skip those whose fingerprint is unchanged → ask Magento
which of the rest it has (never guessed: ``PUT`` on an unknown SKU would create it
*enabled*) → create the unknown ones disabled, update the known ones with only the
changed core fields, with the configured concurrency → record each success at once →
apply the staged ``qty`` values with the stock writer (not those of rejected products).

Updates never carry status, visibility, websites, categories, stock, images or any
attribute outside the core data, so what staff set in Magento stays as they left it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from bridge.config import Settings
from bridge.errors import BridgeError, MagentoUnavailableError, RecordRejectedError
from bridge.flows._attempts import RecordAttempts
from bridge.flows._staged import decode_data, encode_payload, record_of
from bridge.flows.base import FileContext, FlowResult, gather
from bridge.flows.stock_writer import StockWriter
from bridge.ledger import Ledger
from bridge.ledger.products import AppliedProduct, ProductCandidate
from bridge.ledger.staging import StagedRow
from bridge.magento.products import LOOKUP_CHUNK, ProductsAdapter
from bridge.magento.stock import StockAdapter
from bridge.mapping.products import (
    changed_fields,
    core_fields,
    ean_not_kept,
    fingerprint,
    is_url_key_clash,
    slugify,
    to_magento_product_create,
    to_magento_product_update,
    url_key_for,
)
from bridge.mapping.stock import as_of, as_of_micros
from bridge.models.erp import ErpProduct, Kind, ParsedRecord
from bridge.models.status import ProductAction, RecordOutcome
from bridge.support.calls import for_record, in_context

__all__ = ["ApplyProductsFlow"]

#: The staging lane of product records.
LANE = "products"
#: Staged winners handled per page: one fingerprint query, one existence lookup.
PAGE = 500
#: Duplicate notes kept per file; the rest are counted in a warning.
MAX_NOTES = 1000


@dataclass(frozen=True)
class _Outcome:
    """What writing one product did: the applied state, or the refusal."""

    row: StagedRow
    applied: AppliedProduct | None = None
    rejection: str | None = None
    warning: str | None = None
    transient: MagentoUnavailableError | None = None


class ApplyProductsFlow:
    """ERP products file → Magento catalog (core data only), plus ``qty`` as stock.

    Args:
        settings: The bridge settings (``magento.attribute_set_id``, ...).
        ledger: The ledger holding the product and stock state.
        products: The Magento products adapter.
        stock: The stock writer that applies ``qty`` (or the stock adapter to build
            one with).
    """

    kind: Kind = "products"

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        products: ProductsAdapter,
        stock: StockWriter | StockAdapter,
    ) -> None:
        """Keep the collaborators; nothing is called yet."""
        self._settings = settings
        self._ledger = ledger
        self._products = products
        self._stock = (
            stock
            if isinstance(stock, StockWriter)
            else StockWriter(settings, ledger, stock)
        )
        self._lock = threading.Lock()
        self._attempts = RecordAttempts(settings, ledger, LANE)
        #: Product writes (POST/PUT) made by the last ``apply``.
        self.writes = 0

    def apply(self, ctx: FileContext, records: Iterable[ParsedRecord]) -> FlowResult:
        """Apply one products file's validated records.

        Args:
            ctx: The file being applied.
            records: A fresh stream of its records.

        Returns:
            Counts of applied and unchanged records, notes on duplicates, rejections.

        Raises:
            MagentoUnavailableError: Magento is down; what was applied is recorded,
                so the retried file skips it.
        """
        result = FlowResult()
        self.writes = 0
        staging = self._ledger.staging
        staging.clear(ctx.file_id, LANE)
        self._stock.start(ctx)
        try:
            staging.stage(ctx.file_id, LANE, self._stage_rows(ctx, records))
            staging.mark_superseded(ctx.file_id, LANE)
            self._stock.discard_beaten(ctx, LANE)
            self._note_duplicates(ctx, result)
            self._apply_winners(ctx, result)
            stock = self._stock.apply(ctx, note_duplicates=False)
        except BaseException:
            # A stop or an outage mid-file: the stock values are staged again on
            # retry, and the connection holding them goes back to the pool now.
            self._stock.release()
            raise
        # The product records are this file's records: its qty values add their
        # stale records and refusals, not counts of their own.
        result.stale += stock.stale
        result.rejected += stock.rejected
        result.notes += stock.notes
        result.warnings += stock.warnings
        self._settle(ctx, result)
        staging.clear(ctx.file_id, LANE)
        self._stock.finish(ctx)
        self._attempts.clear(ctx.file_id)
        return result

    def _settle(self, ctx: FileContext, result: FlowResult) -> None:
        """Count as applied every record any attempt applied (core data or ``qty``)."""
        applied = self._ledger.files.applied_count(ctx.file_id, ctx.kind)
        result.unchanged = max(0, result.unchanged - (applied - result.applied))
        result.applied = applied

    def _stage_rows(
        self, ctx: FileContext, records: Iterable[ParsedRecord]
    ) -> Iterator[StagedRow]:
        """Yield product staging rows, staging each ``qty`` with the writer too."""
        when = as_of_micros(as_of(None, ctx.generated, ctx.mtime))
        stock_rows: list[StagedRow] = []
        for record in records:
            model = record.model
            if not isinstance(model, ErpProduct):
                continue
            fields = core_fields(model, ean_attribute=self._ean)
            data = json.dumps(fields, ensure_ascii=False)
            yield StagedRow(
                idx=record.index,
                line=record.line,
                record_key=record.key,
                key=model.sku,
                subkey="",
                as_of=when,
                value=fingerprint(fields),
                payload=encode_payload(record, data),
            )
            if (stock_row := self._stock.row(ctx, record)) is not None:
                stock_rows.append(stock_row)
            if len(stock_rows) >= PAGE:
                self._stock.stage(ctx, stock_rows)
                stock_rows.clear()
        self._stock.stage(ctx, stock_rows)

    @property
    def _ean(self) -> str:
        return self._settings.magento.ean_attribute

    def _note_duplicates(self, ctx: FileContext, result: FlowResult) -> None:
        staging = self._ledger.staging
        for beaten in staging.superseded(ctx.file_id, LANE, limit=MAX_NOTES):
            result.note(
                record_of(beaten.row),
                RecordOutcome.DUPLICATE,
                f"SKU {beaten.row.key} appears again on line {beaten.winner_line}; "
                "the last occurrence wins",
            )
        total = staging.count_superseded(ctx.file_id, LANE)
        if total > MAX_NOTES:
            result.warnings.append(
                f"{total} product records were superseded by a later record for the "
                f"same SKU; the first {MAX_NOTES} are listed"
            )

    def _apply_winners(self, ctx: FileContext, result: FlowResult) -> None:
        last = -1
        with ThreadPoolExecutor(self._settings.magento.concurrency) as pool:
            while page := self._ledger.products.candidates(
                ctx.file_id, LANE, after_idx=last, limit=PAGE
            ):
                last = page[-1].staged.idx
                changed = [
                    c
                    for c in page
                    if ctx.force
                    or c.state is None
                    or c.state.fingerprint != c.staged.value
                ]
                result.unchanged += len(page) - len(changed)
                self._write_page(ctx, result, changed, pool)

    def _write_page(
        self,
        ctx: FileContext,
        result: FlowResult,
        cands: Sequence[ProductCandidate],
        pool: ThreadPoolExecutor,
    ) -> None:
        """Create or update a page of changed products; record every outcome."""
        if not cands:
            return
        outcomes, error = self._send_page(ctx, cands, pool)
        outcomes, error = self._count_failures(ctx, outcomes, error)
        applied: list[AppliedProduct] = []
        rejected: list[str] = []
        for outcome in outcomes:
            if outcome.transient is not None:
                continue  # sent again when the file is retried
            if outcome.warning is not None:
                result.note(
                    record_of(outcome.row), RecordOutcome.WARNING, outcome.warning
                )
            if outcome.applied is not None:
                applied.append(outcome.applied)
            else:
                rejected.append(outcome.row.key)
                result.reject(record_of(outcome.row), outcome.rejection or "")
        self._ledger.products.save(ctx.file_id, applied)
        changed = sum(1 for a in applied if a.action != ProductAction.UNCHANGED)
        result.applied += changed
        result.unchanged += len(applied) - changed
        self._stock.discard(ctx, rejected)
        if error is not None:
            raise error

    def _send_page(
        self,
        ctx: FileContext,
        cands: Sequence[ProductCandidate],
        pool: ThreadPoolExecutor,
    ) -> tuple[list[_Outcome], BridgeError | None]:
        """Look up which SKUs Magento has and write them, overlapping the two.

        Every chunk's existence search is in flight at once; a chunk's writes are
        queued as soon as its own search answers, so writing starts after one search
        instead of after all of them. A failed search leaves its chunk and the later
        ones for the file's retry; the writes already queued are still gathered.
        """
        chunks = [
            cands[start : start + LOOKUP_CHUNK]
            for start in range(0, len(cands), LOOKUP_CHUNK)
        ]
        lookups = [
            pool.submit(
                in_context(self._products.existing_skus), [c.staged.key for c in chunk]
            )
            for chunk in chunks
        ]
        writes: list[Future[_Outcome]] = []
        failed: BridgeError | None = None
        try:
            for chunk, lookup in zip(chunks, lookups, strict=True):
                try:
                    known = lookup.result()
                except BridgeError as exc:
                    failed = exc
                    break
                writes += [
                    pool.submit(in_context(self._write), c, c.staged.key in known, ctx)
                    for c in chunk
                ]
        finally:
            outcomes, error = gather(writes)
        return outcomes, error or failed

    def _count_failures(
        self,
        ctx: FileContext,
        outcomes: list[_Outcome],
        error: BridgeError | None,
    ) -> tuple[list[_Outcome], BridgeError | None]:
        """Count the transient failures of a page; reject those out of attempts.

        Returns the outcomes (the exhausted ones now rejections) and the error that
        leaves the file pending, if any record is still to be sent again.
        """
        failed = [o for o in outcomes if o.transient is not None]
        if not failed:
            return outcomes, error
        sku = failed[0].row.key
        counts = self._attempts.failed(
            ctx.file_id,
            [o.row.idx for o in failed],
            lambda: self._products.existing_skus([sku]),
        )
        out: list[_Outcome] = []
        for o in outcomes:
            count = 0 if counts is None else counts.get(o.row.idx, 0)
            if o.transient is None or not self._attempts.exhausted(count):
                error = error or o.transient
                out.append(o)
                continue
            reason = self._attempts.reason(count, o.transient)
            out.append(
                _Outcome(o.row, rejection=f"SKU {o.row.key} not written: {reason}")
            )
        return out, error

    def _write(self, cand: ProductCandidate, known: bool, ctx: FileContext) -> _Outcome:
        """Create or update one product (runs in a worker thread; no ledger access)."""
        ctx.check_stop()  # SIGTERM: the products not yet sent wait for the restart
        with for_record(cand.staged.key):
            return self._write_product(cand, known, ctx.force)

    def _write_product(
        self, cand: ProductCandidate, known: bool, force: bool
    ) -> _Outcome:
        row = cand.staged
        fields: dict[str, str | None] = decode_data(row)
        try:
            if known:
                action, lost = self._update(cand, fields, force)
            else:
                lost = self._create(fields)
                action = ProductAction.CREATED
        except RecordRejectedError as exc:
            verb = "updated" if known else "created"
            reason = exc.magento_message or str(exc)
            return _Outcome(row, rejection=f"SKU {row.key} not {verb}: {reason}")
        except MagentoUnavailableError as exc:
            # Counted by _count_failures (runtime.max_record_attempts).
            return _Outcome(row, transient=exc)
        warning = None
        kept = fields
        if lost is not None:
            # Not recorded as applied: the next file with this EAN sends it again.
            kept = {**fields, "ean": None}
            warning = (
                f"SKU {row.key}: EAN {lost} not kept by Magento (is the attribute "
                f"{self._ean!r} in the product's attribute set?); the other fields "
                "were applied"
            )
        applied = AppliedProduct(
            sku=row.key,
            fingerprint=row.value if lost is None else fingerprint(kept),
            fields=json.dumps(kept, ensure_ascii=False),
            action=action,
            idx=row.idx,
            line=row.line,
            record_key=row.record_key,
        )
        return _Outcome(row, applied=applied, warning=warning)

    def _update(
        self, cand: ProductCandidate, fields: dict[str, str | None], force: bool
    ) -> tuple[ProductAction, str | None]:
        """Send the changed core fields; return the action and any EAN not kept."""
        state = cand.state
        old = None if force or state is None else json.loads(state.fields)
        changes = changed_fields(old, fields)
        sku = cand.staged.key
        payload = to_magento_product_update(sku, changes, ean_attribute=self._ean)
        if payload is None:
            return ProductAction.UNCHANGED, None
        self._count_write()
        saved = self._products.update(sku, payload)
        lost = ean_not_kept(payload, saved, ean_attribute=self._ean)
        return ProductAction.UPDATED, lost

    def _create(self, fields: dict[str, str | None]) -> str | None:
        """Create the product disabled; return the EAN Magento did not keep, if any."""
        sku = str(fields["sku"])
        keys = [url_key_for(str(fields["name"] or ""), sku), slugify(sku)]
        for attempt, key in enumerate(keys):
            payload = to_magento_product_create(
                fields,
                attribute_set_id=self._settings.magento.attribute_set_id,
                website_ids=self._settings.magento.website_ids,
                ean_attribute=self._ean,
                url_key=key,
            )
            self._count_write()
            try:
                saved = self._products.create(payload)
            except RecordRejectedError as exc:
                message = exc.magento_message or str(exc)
                # Another product holds the url_key: retry once with the SKU alone.
                if attempt == 0 and key != keys[1] and is_url_key_clash(message):
                    continue
                raise
            return ean_not_kept(payload, saved, ean_attribute=self._ean)
        return None

    def _count_write(self) -> None:
        with self._lock:
            self.writes += 1
