"""Where the stock snapshot apply spends its CPU: phases, or a cProfile listing.

Run: ``.venv/bin/python bench/stock_profile.py [--rows 1000000] [--cprofile]``.

The records are read into a list first (reading is the readers' part and measured
by ``formats_bench.py``), then one snapshot with 1 % changed is applied as in
``stock_bench.py`` (sandbox in its own process at 0 ms, SQLite ledger, baseline seeded
into the stock state). Without ``--cprofile`` the ledger and writer methods are
wrapped with CPU timers (no profiler overhead) and their totals printed.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import functools
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from products_bench import Sandbox, context, settings_for
from stock_bench import BATCH, _seed_baseline, _sku, _write_csv

from bridge.config import CsvOptions
from bridge.flows import stock_writer
from bridge.flows.apply_stock import ApplyStockFlow
from bridge.formats import RecordReader
from bridge.ledger import Ledger, staging, stock, stock_staging
from bridge.magento import MagentoClient, StockAdapter

TIMES: collections.defaultdict[str, float] = collections.defaultdict(float)
CALLS: collections.Counter[str] = collections.Counter()


def _timed(cls: type, name: str) -> None:
    fn: Callable[..., Any] = getattr(cls, name)
    label = f"{cls.__name__}.{name}"

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[label] += time.process_time() - start
            CALLS[label] += 1

    setattr(cls, name, wrapper)


def _instrument() -> None:
    for cls in (
        staging.StagingStore,
        stock.StockStateStore,
        stock_staging.StockStaging,
        stock_writer.StockWriter,
    ):
        for name, member in list(vars(cls).items()):
            if callable(member) and name not in ("__init__", "_tx"):
                _timed(cls, name)


def main(argv: list[str] | None = None) -> int:
    """Apply one snapshot and print where its CPU went."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args(argv)
    rows = args.rows
    changed = set(range(0, rows, 100))
    sandbox = Sandbox(0, [_sku(i) for i in sorted(changed)])
    if not args.cprofile:
        _instrument()
    with tempfile.TemporaryDirectory() as tmp:
        path, db = Path(tmp) / "snapshot.csv", Path(tmp) / "bench.db"
        _write_csv(path, rows, changed)
        Ledger(f"sqlite:///{db}").close()
        now = datetime.now(UTC)
        _seed_baseline(db, rows, now - timedelta(hours=1))
        ledger = Ledger(f"sqlite:///{db}")
        settings = settings_for(sandbox.url, 4, batch_size=BATCH)
        client = MagentoClient(settings.magento)
        flow = ApplyStockFlow(settings, ledger, StockAdapter(client))
        ctx = replace(
            context(ledger, "stock", path.name, now),
            path=path,
            reread=lambda: RecordReader(path, "stock", csv=CsvOptions()),
        )
        records = list(RecordReader(path, "stock", csv=CsvOptions()))
        TIMES.clear()
        CALLS.clear()
        profile = cProfile.Profile() if args.cprofile else None
        cpu = time.process_time()
        if profile is not None:
            profile.enable()
        result = flow.apply(ctx, records)
        if profile is not None:
            profile.disable()
        cpu = time.process_time() - cpu
        client.close()
        ledger.close()
    sandbox.close()
    print(
        f"{rows:,} rows: applied {result.applied}, unchanged {result.unchanged}, "
        f"rejected {len(result.rejected)}; {cpu:.2f} s CPU = "
        f"{cpu / rows * 1e6:.1f} µs per row (reading excluded)"
    )
    if profile is not None:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    for label, seconds in sorted(TIMES.items(), key=lambda kv: -kv[1]):
        print(
            f"{label:42s} {seconds:8.3f} s {seconds / rows * 1e6:6.1f} µs/row "
            f"{CALLS[label]:9d} calls"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
