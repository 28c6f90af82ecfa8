"""Stock staging checks shared by the SQLite and PostgreSQL tests (one behaviour)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from bridge.ledger import Ledger
from bridge.ledger._schema import staging
from bridge.ledger.stock import AppliedStock, Deduction
from bridge.ledger.stock_staging import StagedStock

#: The horizon of the checks: values dated after it are "in the future".
HORIZON = 1_000


def _row(idx: int, sku: str, as_of: int, qty: str, source: str = "s") -> StagedStock:
    return (idx, idx + 2, sku, sku, source, as_of, qty, "")


def _state(sku: str, qty: str, as_of: int) -> AppliedStock:
    return AppliedStock(sku, "s", qty, as_of, None, 0, 0, sku)


def check_ranks_settles_and_pages(url: str) -> None:
    """Repeats are ranked, what Magento has is settled, and only the delta is paged."""
    ledger = Ledger(url)
    try:
        ledger.stock.save(
            None,
            [
                _state("SAME", "5", 10),
                _state("NEWER", "5", 10),
                _state("CHANGED", "5", 10),
                _state("STALE", "5", 50),
                _state("SHIPPED", "5", 10),
            ],
        )
        ledger.stock.record_deductions(
            "D1", [Deduction("SHIPPED", "s", Decimal(1), 30)], []
        )
        area = ledger.stock.open_staging()
        try:
            rows = [
                _row(0, "A", 10, "1"),
                _row(1, "A", 10, "2"),  # later: beats idx 0
                _row(2, "B", 20, "3"),  # newer: beats idx 3
                _row(3, "B", 5, "4"),
                _row(4, "B", 5, "5", "other"),  # another source: its own winner
                _row(5, "SAME", 10, "5"),  # settled, as-of unchanged
                _row(6, "NEWER", 40, "5"),  # settled, its as-of moved on
                _row(7, "CHANGED", 40, "6"),
                _row(8, "STALE", 20, "5"),  # same qty but older than the state
                _row(9, "FUTURE", HORIZON + 1, "1"),
                _row(10, "SHIPPED", 20, "5"),  # a delivery after it lowers it
                _row(11, "GONE", 20, "1"),
            ]
            assert area.add(iter(rows)) == 12
            assert area.mark_superseded() == 2
            beaten = area.superseded(limit=10)
            assert [(b.row.idx, b.winner_idx, b.winner_line) for b in beaten] == [
                (0, 1, 3),
                (3, 2, 4),
            ]
            assert beaten[0].row.value == "1"
            assert area.count_superseded() == 2
            area.discard_keys(["GONE"])
            assert area.settle(HORIZON) == 2
            page = area.candidates(after_idx=-1, limit=4)
            assert [c.staged.idx for c in page] == [1, 2, 4, 7]
            assert page[3].state is not None
            assert (page[3].state.qty, page[3].state.as_of) == ("5", 10)
            assert page[0].state is None
            rest = area.candidates(after_idx=7, limit=10)
            assert [c.staged.idx for c in rest] == [8, 9, 10]
            area.discard_keys(["FUTURE"])
            assert [c.staged.idx for c in area.candidates(after_idx=7, limit=10)] == [
                8,
                10,
            ]
        finally:
            area.close()
        same, newer = ledger.stock.get("SAME", "s"), ledger.stock.get("NEWER", "s")
        assert same is not None
        assert newer is not None
        assert (same.as_of, newer.as_of) == (10, 40)
        stale = ledger.stock.get("STALE", "s")
        assert stale is not None
        assert stale.as_of == 50
        with ledger.db.begin() as conn:
            shared = conn.execute(sa.select(sa.func.count()).select_from(staging))
            assert shared.scalar_one() == 0
    finally:
        ledger.close()


def check_forced_delta_and_release(url: str) -> None:
    """A forced apply pages every winner; closing gives the connection back."""
    ledger = Ledger(url)
    try:
        ledger.stock.save(None, [_state("SAME", "5", 10)])
        for _ in range(2):  # the second area reuses the pooled connection
            area = ledger.stock.open_staging()
            assert ledger.db.engine.pool.checkedout() == 1  # type: ignore[attr-defined]
            area.add([_row(0, "SAME", 10, "5"), _row(1, "NEW", 10, "1")])
            assert area.mark_superseded() == 0
            assert area.settle(None) == 0
            page = area.candidates(after_idx=-1, limit=10)
            assert [c.staged.idx for c in page] == [0, 1]
            area.close()
            area.close()
            assert ledger.db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        ledger.close()
