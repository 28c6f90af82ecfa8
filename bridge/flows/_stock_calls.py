"""The Magento calls of the stock writer: one MSI batch or one legacy stock item.

Run on the writer's worker threads: nothing here touches the ledger. When Magento
refuses an MSI batch (one unknown SKU makes it refuse the whole batch), the batch is
split in halves until the refused record(s) are isolated; the rest is applied. A
call that fails without an answer (outage, 5xx) is handed back as *failed* for the
writer to count against ``runtime.max_record_attempts``; a batch out of attempts is
split the same way with ``give_up`` so the rows Magento accepts are still applied.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from bridge.errors import MagentoUnavailableError, RecordRejectedError
from bridge.ledger.stock import StockCandidate
from bridge.magento.stock import StockAdapter
from bridge.mapping.stock import in_stock, to_magento_source_item
from bridge.support.calls import for_record
from bridge.support.jsonvalues import json_number

__all__ = ["Sent", "StockCalls"]


@dataclass
class Sent:
    """What one unit of work did: accepted, refused and failed rows, calls made."""

    applied: list[tuple[StockCandidate, int | None]] = field(default_factory=list)
    rejected: list[tuple[StockCandidate, str]] = field(default_factory=list)
    #: Rows whose call failed with a transient error, per call.
    failed: list[tuple[Sequence[StockCandidate], MagentoUnavailableError]] = field(
        default_factory=list
    )
    calls: int = 0


#: Magento's answer for any refused source item (``SourceItemsSaveHandler``).
_SOURCE_ITEM_REFUSED = re.compile(r"Could not save Source Item", re.IGNORECASE)


def _reason(exc: RecordRejectedError) -> str:
    return exc.magento_message or str(exc)


class StockCalls:
    """Send stock values through the stock adapter.

    Args:
        stock: The Magento stock adapter.
        give_up_reason: The rejection text for a row out of attempts, from its
            attempt count and the last error (``RecordAttempts.reason``).
    """

    def __init__(
        self, stock: StockAdapter, give_up_reason: Callable[[int, Exception], str]
    ) -> None:
        """Keep the adapter."""
        self._stock = stock
        self._give_up_reason = give_up_reason

    def save_batch(self, rows: Sequence[StockCandidate]) -> Sent:
        """Save one MSI batch; on refusal, split it to isolate the refused records."""
        sent = Sent()
        self.bisect(rows, sent)
        return sent

    def bisect(
        self, rows: Sequence[StockCandidate], sent: Sent, give_up: int = 0
    ) -> None:
        """Send rows; split a refused call (or, with ``give_up``, a failed one)."""
        items = [
            to_magento_source_item(
                c.staged.key, c.staged.subkey, Decimal(c.staged.value)
            )
            for c in rows
        ]
        # A batch of one is that record's call (bisection isolates refused records).
        key = rows[0].staged.key if len(rows) == 1 else None
        sent.calls += 1
        try:
            with for_record(key):
                self._stock.save_source_items(items)
        except RecordRejectedError as exc:
            if len(rows) == 1:
                sent.calls += 1
                with for_record(key):
                    sent.rejected.append((rows[0], self._cause(rows[0], exc)))
                return
            half = len(rows) // 2
            self.bisect(rows[:half], sent, give_up)
            self.bisect(rows[half:], sent, give_up)
            return
        except MagentoUnavailableError as exc:
            if not give_up:
                sent.failed.append((rows, exc))
            elif len(rows) == 1:
                sent.rejected.append((rows[0], self._give_up_reason(give_up, exc)))
            else:
                half = len(rows) // 2
                self.bisect(rows[:half], sent, give_up)
                self.bisect(rows[half:], sent, give_up)
            return
        sent.applied.extend((c, None) for c in rows)

    def _cause(self, cand: StockCandidate, exc: RecordRejectedError) -> str:
        """Name why Magento refused one source item (issue 13).

        MSI answers an unknown SKU and an unknown source alike ("Could not save
        Source Item"), so the product is looked up: when it exists, the source is
        what Magento does not know.
        """
        reason = _reason(exc)
        if not _SOURCE_ITEM_REFUSED.search(reason):
            return reason
        row = cand.staged
        if not self._stock.product_exists(row.key):
            return f"unknown SKU: no product {row.key} in Magento ({reason})"
        return (
            f"unknown source: Magento has no source {row.subkey!r} for SKU "
            f"{row.key} (the product exists; {reason})"
        )

    def save_legacy(self, cand: StockCandidate) -> Sent:
        """Save one legacy stock item (looking its id up once, then remembering it)."""
        with for_record(cand.staged.key):
            return self._save_legacy_item(cand)

    def _save_legacy_item(self, cand: StockCandidate) -> Sent:
        sent = Sent()
        row = cand.staged
        qty = Decimal(row.value)
        try:
            item_id = cand.state.item_id if cand.state is not None else None
            if item_id is None:
                sent.calls += 1
                item_id = int(self._stock.get_stock_item(row.key)["item_id"])
            sent.calls += 1
            self._stock.update_stock_item(
                row.key, item_id, json_number(qty), in_stock(qty)
            )
        except RecordRejectedError as exc:
            sent.rejected.append((cand, _reason(exc)))
            return sent
        except MagentoUnavailableError as exc:
            sent.failed.append(([cand], exc))
            return sent
        sent.applied.append((cand, item_id))
        return sent
