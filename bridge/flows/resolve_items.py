"""Items by GTIN: GTIN references become SKUs before a shipments or stock flow applies.

A layout writes a line that names its item only by a GTIN as ``gtin:<GTIN-14>``
(``bridge.models.gtin``). ``ItemsByGtinFlow`` wraps the flow of the kind and, for each
batch of records, looks every referenced GTIN up: first in the ledger (``gtin_items``),
then in Magento through the EAN attribute (one search per batch), remembering what it
found. A record whose GTIN matches no product, or several, is rejected with the
reason, the rest of the file continues (SPEC §2, §7); the other records reach the
wrapped flow with the SKU in place of the reference, as if the file had named it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from itertools import islice
from typing import TYPE_CHECKING

import structlog

from bridge.flows.base import ApplyFlow, FileContext, FlowResult, RecordNote
from bridge.models.erp import ErpShipment, ErpStockLevel, Kind, ParsedRecord
from bridge.models.gtin import referenced_gtin
from bridge.models.status import RecordOutcome

if TYPE_CHECKING:
    from bridge.ledger import Ledger
    from bridge.magento import ProductsAdapter

__all__ = ["ItemsByGtinFlow", "gtin_problem", "gtin_references", "with_skus"]

log = structlog.get_logger(__name__)

_BATCH = 200


def gtin_references(record: ParsedRecord) -> list[str]:
    """The GTIN-14s a record's lines name instead of a SKU."""
    model = record.model
    if isinstance(model, ErpShipment):
        skus = [line.sku for line in model.lines]
    elif isinstance(model, ErpStockLevel):
        skus = [model.sku]
    else:
        return []
    return [g for g in (referenced_gtin(s) for s in skus) if g is not None]


def with_skus(record: ParsedRecord, skus: dict[str, str]) -> ParsedRecord:
    """The record with each GTIN reference replaced by its SKU (key included)."""
    model = record.model

    def sku_of(sku: str) -> str:
        gtin = referenced_gtin(sku)
        return skus[gtin] if gtin is not None else sku

    key = record.key
    if isinstance(model, ErpShipment):
        lines = tuple(
            ln.model_copy(update={"sku": sku_of(ln.sku)}) for ln in model.lines
        )
        new: ErpShipment | ErpStockLevel = model.model_copy(update={"lines": lines})
    else:
        assert isinstance(model, ErpStockLevel)
        new = model.model_copy(update={"sku": sku_of(model.sku)})
        if key.startswith(model.sku):  # stock keys are "SKU@source"
            key = new.sku + key[len(model.sku) :]
    return record.with_model(key, new)


def gtin_problem(gtin: str, skus: list[str], attribute: str) -> str | None:
    """Why ``gtin`` has no SKU, given the SKUs the search found; None when it has one."""
    if not skus:
        return f"GTIN {gtin} matches no product's {attribute!r} attribute"
    if len(skus) > 1:
        return (
            f"GTIN {gtin} matches several products ({', '.join(skus)})"
            f" by their {attribute!r} attribute"
        )
    return None


class ItemsByGtinFlow:
    """Wraps a flow so that GTIN references are resolved to SKUs first.

    Args:
        inner: The shipments or stock flow.
        ledger: The ledger (``ledger.items`` remembers GTIN → SKU).
        products: Magento's products, searched by the EAN attribute.
        ean_attribute: The EAN attribute's code; ``""`` means none is kept, and a
            record naming an item only by GTIN is rejected saying so.
        max_age_seconds: A remembered answer older than this is asked again
            (``magento.gtin_cache_seconds``; 0: always ask).
    """

    def __init__(
        self,
        inner: ApplyFlow,
        ledger: Ledger,
        products: ProductsAdapter,
        ean_attribute: str,
        max_age_seconds: float = 3600,
    ) -> None:
        """Wrap ``inner``; its kind is this flow's kind."""
        self._max_age = timedelta(seconds=max_age_seconds)
        self.inner = inner
        self.kind: Kind = inner.kind
        self._ledger = ledger
        self._products = products
        self._attribute = ean_attribute

    def apply(self, ctx: FileContext, records: Iterable[ParsedRecord]) -> FlowResult:
        """Resolve GTIN references, reject what cannot be, apply the rest.

        Raises:
            TransientError: Magento or the ledger is unavailable (as the inner flow).
        """
        refused: list[RecordNote] = []
        result = self.inner.apply(ctx, self._resolve(ctx, records, refused))
        if refused:
            result.rejected = sorted(
                [*refused, *result.rejected], key=lambda n: n.record.index
            )
        return result

    def _resolve(
        self,
        ctx: FileContext,
        records: Iterable[ParsedRecord],
        refused: list[RecordNote],
    ) -> Iterator[ParsedRecord]:
        stream = iter(records)
        while batch := list(islice(stream, _BATCH)):
            wanted = {g for rec in batch for g in gtin_references(rec)}
            found, problems = self._lookup(wanted) if wanted else ({}, {})
            for rec in batch:
                missing = [g for g in gtin_references(rec) if g not in found]
                if not missing:
                    yield with_skus(rec, found) if wanted else rec
                    continue
                reason = "; ".join(problems[g] for g in dict.fromkeys(missing))
                refused.append(RecordNote(rec, RecordOutcome.REJECTED, reason))
                log.info(
                    "record_rejected",
                    flow=ctx.kind,
                    file=ctx.name,
                    record_key=rec.key,
                    status="gtin_unknown",
                )

    def _lookup(self, gtins: set[str]) -> tuple[dict[str, str], dict[str, str]]:
        """SKUs for ``gtins`` (ledger first, then Magento) and why others have none."""
        since = self._ledger.now() - self._max_age
        found = self._ledger.items.skus(gtins, since=since)
        asked = sorted(gtins - found.keys())
        problems: dict[str, str] = {}
        if asked and not self._attribute:
            for g in asked:
                problems[g] = (
                    f"GTIN {g} cannot be looked up: no EAN attribute is configured"
                    " (magento.ean_attribute)"
                )
            return found, problems
        answers = self._products.skus_by_gtin(asked, self._attribute) if asked else {}
        learned = {g: skus[0] for g, skus in answers.items() if len(skus) == 1}
        self._ledger.items.remember(learned)
        found.update(learned)
        for g in asked:
            problem = gtin_problem(g, answers.get(g, []), self._attribute)
            if problem is not None:
                problems[g] = problem
        return found, problems
