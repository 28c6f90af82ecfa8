"""The stock writer's per-row pieces: staged tuples from records, deliveries netted.

``stock_tuples`` is the one loop a million-row snapshot runs per record, so it builds
plain tuples in the staging table's column order (``StagedStock``) straight from each
record: no staged-row object, the file's as-of computed once, the canonical text of a
quantity remembered per distinct value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from decimal import Decimal

from bridge.flows._staged import encode_payload
from bridge.flows.base import FileContext
from bridge.ledger.staging import StagedRow
from bridge.ledger.stock import Deduction, StockCandidate
from bridge.ledger.stock_staging import StagedStock
from bridge.mapping.products import format_decimal
from bridge.mapping.stock import as_of, as_of_micros
from bridge.models.erp import ErpStockLevel, ParsedRecord

__all__ = ["net_of_deliveries", "staged_values", "stock_tuples"]

#: Distinct quantities whose canonical text is remembered while staging a file.
_QTY_CACHE = 4096


def stock_tuples(
    ctx: FileContext,
    records: Iterable[ParsedRecord],
    *,
    source: str,
    other: Callable[[ParsedRecord], StagedRow | None],
) -> Iterator[StagedStock]:
    """Yield the staged tuple of each stock record's value.

    Args:
        ctx: The file being applied (its as-of and whether records are kept).
        records: The file's records.
        source: The MSI source of values that name none.
        other: The staged row of a record that is not a stock level, if any.
    """
    file_when = as_of_micros(as_of(None, ctx.generated, ctx.mtime))
    keep = ctx.reread is None
    texts: dict[Decimal, str] = {}
    for record in records:
        model = record.model
        if not isinstance(model, ErpStockLevel):
            row = other(record)
            if row is not None:
                yield staged_values(row)
            continue
        qty = model.qty
        text = texts.get(qty)
        if text is None:
            text = format_decimal(qty)
            if len(texts) < _QTY_CACHE:
                texts[qty] = text
        stamp = model.updated_at
        yield (
            record.index,
            record.line,
            record.key,
            model.sku,
            model.source or source,
            file_when if stamp is None else as_of_micros(stamp),
            text,
            encode_payload(record) if keep else "",
        )


def net_of_deliveries(
    cand: StockCandidate, shipped: dict[tuple[str, str], list[Deduction]]
) -> StockCandidate:
    """Take deliveries shipped after an ERP figure's time off that figure.

    Magento's MSI deducted those deliveries when their shipments were saved, and a
    figure dated before a delivery does not reflect it (docs/reliability.md, "Stock
    and deliveries"); a figure dated after it already does and stays as it is.
    """
    row = cand.staged
    later = sum(
        (
            d.qty
            for d in shipped.get((row.key, row.subkey), ())
            if d.shipped_at > row.as_of
        ),
        Decimal(0),
    )
    if not later:
        return cand
    net = max(Decimal(row.value) - later, Decimal(0))
    return StockCandidate(replace(row, value=format_decimal(net)), cand.state)


def staged_values(row: StagedRow) -> StagedStock:
    """The staged tuple of a staged row."""
    return (
        row.idx,
        row.line,
        row.record_key,
        row.key,
        row.subkey,
        row.as_of,
        row.value,
        row.payload,
    )
