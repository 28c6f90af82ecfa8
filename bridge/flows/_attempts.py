"""Records that keep failing: ``runtime.max_record_attempts`` for products and stock.

A product write or a stock batch that fails with a transient error (5xx, a timeout, a
reset) leaves its file pending, and the retried file sends it again. Each such failure
is one attempt of the records it carried, counted in the ledger (named counters per
file and record index), so the count survives ticks and restarts. An attempt counts
only when Magento answers a plain read at the same moment: an outage is Magento's,
not the record's, and never turns a file's records into rejects. Once a record has
failed ``runtime.max_record_attempts`` times it is rejected with the last reason, and
the rest of its file completes.

Ship and invoice calls are not counted here: ``_delivery_guard`` rejects a delivery
only when Magento shows that nothing was written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bridge.config import Settings
from bridge.errors import MagentoUnavailableError, RecordRejectedError
from bridge.ledger import Ledger

__all__ = ["RecordAttempts"]


class RecordAttempts:
    """Counts the transient failures of one file's records across runs.

    Args:
        settings: The bridge settings (``runtime.max_record_attempts``).
        ledger: Where the counters live (they outlive the process).
        lane: The flow's name for its records (``products``, ``stock``).
    """

    def __init__(self, settings: Settings, ledger: Ledger, lane: str) -> None:
        """Keep the collaborators; nothing is counted yet."""
        self._ledger = ledger
        self._lane = lane
        self.limit = settings.runtime.max_record_attempts

    def _prefix(self, file_id: int) -> str:
        return f"attempts:{file_id}:{self._lane}:"

    def failed(
        self, file_id: int, idxs: Iterable[int], probe: Callable[[], object]
    ) -> dict[int, int] | None:
        """Count one failed attempt of these records, if Magento itself answers.

        Args:
            file_id: The file the records belong to.
            idxs: The records' indexes in the file (stable across runs).
            probe: A plain read from Magento; raising ``MagentoUnavailableError``
                means Magento is unavailable, and nothing is counted.

        Returns:
            Each record's attempt count now, or None when Magento did not answer
            the probe (the failure is an outage, not the records').
        """
        try:
            probe()
        except MagentoUnavailableError:
            return None
        except RecordRejectedError:
            pass  # a refusal is an answer: Magento is there
        prefix = self._prefix(file_id)
        wanted = list(dict.fromkeys(idxs))
        counts = self._ledger.files.count_up([f"{prefix}{i}" for i in wanted])
        return {i: counts[f"{prefix}{i}"] for i in wanted}

    def exhausted(self, count: int) -> bool:
        """Whether a record that failed ``count`` times is to be rejected now."""
        return count >= self.limit

    def reason(self, count: int, exc: Exception) -> str:
        """The rejection reason of records that failed ``count`` times with ``exc``."""
        return (
            f"gave up after {count} attempts (runtime.max_record_attempts): "
            f"{type(exc).__name__}: {exc}"
        )

    def clear(self, file_id: int) -> None:
        """Forget the file's counters (the file is complete)."""
        self._ledger.files.drop_values_under(self._prefix(file_id))
