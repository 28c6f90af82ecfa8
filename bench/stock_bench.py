"""Stock throughput against the sandbox with injected latency, and a 1,000,000-row run.

Run: ``.venv/bin/python bench/stock_bench.py [--rows N] [--snapshot 1000000]``.

Part 1: ``rows`` new stock values (all changed) at concurrency 1, 4 and 8: rows/s
against the ideal ``concurrency * batch_size / latency``.
Part 2: a ``snapshot``-row CSV of which 1 % changed, end to end as the pipeline runs
it (a validating pass, then the flow's pass over a fresh ``RecordReader``). The
baseline (the previous snapshot) is seeded straight into the ledger's stock state to
save time; only the changed SKUs exist in the sandbox, so any unchanged value sent
by mistake would show as a rejection. MSI calls are counted against
``ceil(changed / batch_size)``. Peak RSS is this process's (the sandbox runs in a
child process). ``--write-docs`` appends the tables to docs/performance.md.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from products_bench import (
    Sandbox,
    append_docs,
    context,
    peak_rss_mb,
    settings_for,
    timed,
)

from bridge.config import CsvOptions
from bridge.flows.apply_stock import ApplyStockFlow
from bridge.formats import RecordReader, validate_file
from bridge.ledger import Ledger
from bridge.ledger.stock import AppliedStock
from bridge.magento import MagentoClient, StockAdapter
from bridge.mapping.stock import as_of_micros

BATCH = 20
MSI = "/inventory/source-items"


def _sku(i: int) -> str:
    return f"STK-{i:07d}"


def _write_csv(path: Path, rows: int, changed: set[int]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("sku;qty\n")
        for i in range(rows):
            fh.write(f"{_sku(i)};{(i % 97) + (1000 if i in changed else 0)}\n")


def throughput(concurrency: int, rows: int, latency_ms: int) -> dict[str, float]:
    """Apply ``rows`` changed stock values at ``concurrency``; return rows/s."""
    skus = [_sku(i) for i in range(rows)]
    sandbox = Sandbox(latency_ms, skus)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stock.csv"
        _write_csv(path, rows, set())
        ledger = Ledger(f"sqlite:///{tmp}/bench.db")
        settings = settings_for(sandbox.url, concurrency, batch_size=BATCH)
        client = MagentoClient(settings.magento)
        flow = ApplyStockFlow(settings, ledger, StockAdapter(client))
        ctx = context(ledger, "stock", "stock.csv", datetime.now(UTC))
        result, seconds = timed(
            lambda: flow.apply(ctx, RecordReader(path, "stock", csv=CsvOptions()))
        )
        assert result.applied == rows, result
        assert not result.rejected, result.rejected[:3]
        calls = sandbox.calls(MSI)
        client.close()
        ledger.close()
    sandbox.close()
    return {
        "concurrency": concurrency,
        "rows_per_s": rows / seconds,
        "ideal": concurrency * BATCH * 1000 / latency_ms,
        "calls": calls,
    }


def _seed_baseline(ledger: Ledger, rows: int, when: datetime) -> None:
    """The previous snapshot, as if applied: straight into the stock state."""
    at = as_of_micros(when)
    chunk: list[AppliedStock] = []
    for i in range(rows):
        chunk.append(
            AppliedStock(_sku(i), "default", str(i % 97), at, None, i, i + 2, _sku(i))
        )
        if len(chunk) == 10_000:
            ledger.stock.save(None, chunk)
            chunk.clear()
    ledger.stock.save(None, chunk)


def snapshot(rows: int, latency_ms: int, concurrency: int) -> dict[str, float]:
    """Apply a ``rows``-row snapshot with 1 % changed, end to end."""
    changed = set(range(0, rows, 100))
    sandbox = Sandbox(latency_ms, [_sku(i) for i in sorted(changed)])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snapshot.csv"
        _write_csv(path, rows, changed)
        ledger = Ledger(f"sqlite:///{tmp}/bench.db")
        now = datetime.now(UTC)
        _seed_baseline(ledger, rows, now - timedelta(hours=1))
        settings = settings_for(sandbox.url, concurrency, batch_size=BATCH)
        client = MagentoClient(settings.magento)
        flow = ApplyStockFlow(settings, ledger, StockAdapter(client))
        ctx = context(ledger, "stock", "snapshot.csv", now)
        start = time.perf_counter()
        checked = validate_file(path, "stock", csv=CsvOptions())
        t_validate = time.perf_counter() - start
        assert not checked.issues, checked.issues[:3]
        result, t_apply = timed(
            lambda: flow.apply(ctx, RecordReader(path, "stock", csv=CsvOptions()))
        )
        assert not result.rejected, result.rejected[:3]
        assert (result.applied, result.unchanged) == (len(changed), rows - len(changed))
        calls = sandbox.calls(MSI)
        client.close()
        ledger.close()
    sandbox.close()
    return {
        "rows": rows,
        "changed": len(changed),
        "validate_s": t_validate,
        "apply_s": t_apply,
        "rows_per_s": rows / (t_validate + t_apply),
        "calls": calls,
        "ideal_calls": math.ceil(len(changed) / BATCH),
        "rss": peak_rss_mb(),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the stock bench and print (and optionally record) the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--snapshot", type=int, default=1_000_000)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    rows = [throughput(c, args.rows, args.latency_ms) for c in (1, 4, 8)]
    snap = snapshot(args.snapshot, args.latency_ms, args.concurrency)
    lines = [
        "### Stock",
        "",
        f"{args.rows} changed stock rows (MSI, batch_size {BATCH}), sandbox with "
        f"{args.latency_ms} ms injected latency per call.",
        "",
        "| concurrency | rows/s | ideal (c x batch / latency) | MSI calls |",
        "|---:|---:|---:|---:|",
        *(
            f"| {r['concurrency']:.0f} | {r['rows_per_s']:.0f} | {r['ideal']:.0f} | "
            f"{r['calls']:.0f} |"
            for r in rows
        ),
        "",
        f"Snapshot: {snap['rows']:,.0f} rows, {snap['changed']:,.0f} changed (1 %), "
        f"concurrency {args.concurrency}, end to end (validating pass + apply pass; "
        "the baseline was seeded directly into the ledger's stock state).",
        "",
        "| validate s | apply s | rows/s overall | MSI calls | ceil(changed/batch) "
        "| peak RSS MiB |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {snap['validate_s']:.1f} | {snap['apply_s']:.1f} | "
        f"{snap['rows_per_s']:,.0f} | {snap['calls']:.0f} | {snap['ideal_calls']:.0f} "
        f"| {snap['rss']:.0f} |",
    ]
    table = "\n".join(lines)
    print(table)
    if args.write_docs:
        append_docs("Stock", table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
