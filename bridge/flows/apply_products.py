"""Apply ERP products to Magento: create new SKUs disabled, update only changed fields.

Script of ``apply()``: stage every record on disk with its core-data fingerprint
(and its ``qty`` in the stock staging) → mark duplicates (the last occurrence of a SKU
wins, and the earlier ones are noted) → page through the winners joined with the
product state → skip those whose fingerprint is unchanged → ask Magento which of the
rest it has (never guessed: ``PUT`` on an unknown SKU would create it *enabled*) →
create the unknown ones disabled, update the known ones with only the changed core
fields, with the configured concurrency → record each success at once → apply the
staged ``qty`` values through the stock flow.

Updates never carry status, visibility, websites, categories, stock, images or any
attribute outside the core data, so what staff set in Magento stays as they left it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bridge.config import Settings
from bridge.errors import RecordRejectedError
from bridge.flows.apply_stock import STOCK, ApplyStockFlow, gather
from bridge.flows.base import FileContext, FlowResult
from bridge.ledger import Ledger
from bridge.ledger._staging import StagedRow, StagingStore, record_from_row
from bridge.ledger.products import AppliedProduct, product_state
from bridge.magento.products import ProductsAdapter
from bridge.magento.stock import StockAdapter
from bridge.mapping.products import (
    changed_fields,
    core_fields,
    fingerprint,
    is_url_key_clash,
    slugify,
    to_magento_product_create,
    to_magento_product_update,
    url_key_for,
)
from bridge.mapping.stock import as_of, as_of_micros
from bridge.models.erp import ErpProduct, Kind, ParsedRecord

__all__ = ["ApplyProductsFlow"]

PRODUCTS = "products"
#: Staged winners handled per page: one fingerprint query, one existence lookup.
PAGE = 500
#: Duplicate notes kept per file; the rest are counted in a warning.
MAX_NOTES = 1000


@dataclass(frozen=True)
class _Outcome:
    """What writing one product did: the applied state, or the refusal."""

    row: Any
    applied: AppliedProduct | None = None
    rejection: str | None = None


class ApplyProductsFlow:
    """ERP products file → Magento catalog (core data only), plus ``qty`` as stock.

    Args:
        settings: The bridge settings (``magento.attribute_set_id``, ...).
        ledger: The ledger holding the product and stock state.
        products: The Magento products adapter.
        stock: The stock flow that applies ``qty`` (or the stock adapter to build
            one with).
    """

    kind: Kind = "products"

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        products: ProductsAdapter,
        stock: ApplyStockFlow | StockAdapter,
    ) -> None:
        """Keep the collaborators; nothing is called yet."""
        self._settings = settings
        self._ledger = ledger
        self._products = products
        self._stock = (
            stock
            if isinstance(stock, ApplyStockFlow)
            else ApplyStockFlow(settings, ledger, stock)
        )
        self._staging = StagingStore(ledger.db)
        self._lock = threading.Lock()
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
        self._staging.clear(ctx.file_id, PRODUCTS)
        self._stock.begin(ctx)
        self._staging.stage(ctx.file_id, PRODUCTS, self._stage_rows(ctx, records))
        self._staging.mark_superseded(ctx.file_id, PRODUCTS)
        self._staging.discard_superseded(ctx.file_id, STOCK, PRODUCTS)
        self._note_duplicates(ctx, result)
        self._apply_winners(ctx, result)
        self._stock.apply_staged(ctx, result, note_duplicates=False)
        self._staging.settle_counts(ctx.file_id, PRODUCTS, result)
        self._staging.clear(ctx.file_id, PRODUCTS)
        self._stock.finish(ctx)
        return result

    def _stage_rows(
        self, ctx: FileContext, records: Iterable[ParsedRecord]
    ) -> Iterator[StagedRow]:
        """Yield product staging rows, staging each ``qty`` for the stock path too."""
        when = as_of_micros(as_of(None, ctx.generated, ctx.mtime))
        stock_rows: list[StagedRow] = []
        for record in records:
            model = record.model
            if not isinstance(model, ErpProduct):
                continue
            fields = core_fields(model, ean_attribute=self._ean)
            yield StagedRow(
                record=record,
                sku=model.sku,
                source="",
                as_of=when,
                value=fingerprint(fields),
                data=json.dumps(fields, ensure_ascii=False),
            )
            if (stock_row := self._stock.row(ctx, record)) is not None:
                stock_rows.append(stock_row)
            if len(stock_rows) >= PAGE:
                self._staging.stage(ctx.file_id, STOCK, stock_rows)
                stock_rows.clear()
        self._staging.stage(ctx.file_id, STOCK, stock_rows)

    @property
    def _ean(self) -> str:
        return self._settings.magento.ean_attribute

    def _note_duplicates(self, ctx: FileContext, result: FlowResult) -> None:
        for row in self._staging.superseded(ctx.file_id, PRODUCTS, limit=MAX_NOTES):
            result.note(
                record_from_row(row),
                "duplicate",
                f"SKU {row.sku} appears again on line {row.winner_line}; "
                "the last occurrence wins",
            )
        total = self._staging.count_superseded(ctx.file_id, PRODUCTS)
        if total > MAX_NOTES:
            result.warnings.append(
                f"{total} product records were superseded by a later record for the "
                f"same SKU; the first {MAX_NOTES} are listed"
            )

    def _apply_winners(self, ctx: FileContext, result: FlowResult) -> None:
        last = -1
        with ThreadPoolExecutor(self._settings.magento.concurrency) as pool:
            while page := self._staging.winners_page(
                ctx.file_id,
                PRODUCTS,
                product_state,
                ("sku",),
                after_idx=last,
                limit=PAGE,
            ):
                last = page[-1].idx
                changed = [
                    r for r in page if ctx.force or r.state_fingerprint != r.value
                ]
                result.unchanged += len(page) - len(changed)
                self._write_page(ctx, result, changed, pool)

    def _write_page(
        self,
        ctx: FileContext,
        result: FlowResult,
        rows: Sequence[Any],
        pool: ThreadPoolExecutor,
    ) -> None:
        """Create or update a page of changed products; record every outcome."""
        if not rows:
            return
        known = self._products.existing_skus([r.sku for r in rows])
        outcomes, error = gather(
            [pool.submit(self._write, r, r.sku in known, ctx.force) for r in rows]
        )
        applied: list[AppliedProduct] = []
        rejected: list[str] = []
        for outcome in outcomes:
            if outcome.applied is not None:
                applied.append(outcome.applied)
            else:
                rejected.append(outcome.row.sku)
                result.reject(record_from_row(outcome.row), outcome.rejection or "")
        self._ledger.products.save(ctx.file_id, applied)
        result.applied += sum(1 for a in applied if a.action != "unchanged")
        result.unchanged += sum(1 for a in applied if a.action == "unchanged")
        self._stock.discard(ctx, rejected)
        if error is not None:
            raise error

    def _write(self, row: Any, known: bool, force: bool) -> _Outcome:
        """Create or update one product (runs in a worker thread; no ledger access)."""
        fields = json.loads(row.data)
        try:
            if known:
                action = self._update(row, fields, force)
            else:
                self._create(fields)
                action = "created"
        except RecordRejectedError as exc:
            verb = "updated" if known else "created"
            reason = exc.magento_message or str(exc)
            return _Outcome(row, rejection=f"SKU {row.sku} not {verb}: {reason}")
        applied = AppliedProduct(
            sku=row.sku,
            fingerprint=row.value,
            fields=row.data,
            action=action,
            idx=row.idx,
            line=row.line,
            record_key=row.record_key,
        )
        return _Outcome(row, applied=applied)

    def _update(self, row: Any, fields: dict[str, str | None], force: bool) -> str:
        old = (
            None if force or row.state_fields is None else json.loads(row.state_fields)
        )
        changes = changed_fields(old, fields)
        payload = to_magento_product_update(row.sku, changes, ean_attribute=self._ean)
        if payload is None:
            return "unchanged"
        self._count_write()
        self._products.update(row.sku, payload)
        return "updated"

    def _create(self, fields: dict[str, str | None]) -> None:
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
                self._products.create(payload)
            except RecordRejectedError as exc:
                message = exc.magento_message or str(exc)
                # Another product holds the url_key: retry once with the SKU alone.
                if attempt == 0 and key != keys[1] and is_url_key_clash(message):
                    continue
                raise
            return

    def _count_write(self) -> None:
        with self._lock:
            self.writes += 1
