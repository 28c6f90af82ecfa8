"""Stock throughput against the sandbox with injected latency, and a 1,000,000-row run.

Run: ``.venv/bin/python bench/stock_bench.py [--rows N] [--snapshot 1000000]``.

Part 1: ``rows`` new stock values (all changed) at concurrency 1, 4 and 8: rows/s
against the ideal ``concurrency * batch_size / latency``.
Part 2: a ``snapshot``-row CSV of which 1 % changed, end to end as the pipeline runs
it (a validating pass, then the flow's pass over a fresh ``RecordReader``; a pass
that only reads the records is timed too, so the apply's own share shows), beside a
floor measured in the same run (``csv.reader`` into a SQLite TEMP table and one join
for the delta). The baseline (the previous snapshot) is seeded straight into the
ledger's stock state to save time; only the changed SKUs exist in the sandbox, so
any unchanged value sent by mistake would show as a rejection. MSI calls are counted
against ``ceil(changed / batch_size)``. Part 3: ``repeats`` rows over 5 SKUs, CPU per
row against the snapshot's. Parts 2 and 3 are medians of ``runs`` runs. CPU is this
process's (the sandbox runs in a child process). ``--write-docs`` appends the tables
to docs/performance.md.
"""

from __future__ import annotations

import argparse
import csv
import math
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import replace
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
from bridge.flows.base import FlowResult
from bridge.formats import RecordReader, validate_file
from bridge.ledger import Ledger
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


def _seed_baseline(db: Path, rows: int, when: datetime) -> None:
    """The previous snapshot, as if applied: straight into the stock state."""
    at = as_of_micros(when)
    stamp = when.isoformat(sep=" ")
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO stock_state (sku, source, qty, as_of, item_id, file_id,"
            " applied_at) VALUES (?, 'default', ?, ?, NULL, NULL, ?)",
            ((_sku(i), str(i % 97), at, stamp) for i in range(rows)),
        )


def _floor(path: Path, db: Path) -> float:
    """CPU seconds of the floor: csv.reader into a TEMP table, one join for the delta."""
    start = time.process_time()
    with sqlite3.connect(db) as conn, path.open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh, delimiter=";")
        next(rows)
        conn.execute("CREATE TEMP TABLE t (sku TEXT PRIMARY KEY, qty TEXT)")
        conn.executemany("INSERT OR REPLACE INTO t VALUES (?, ?)", rows)
        conn.execute(
            "SELECT count(*) FROM t JOIN stock_state s ON s.sku = t.sku"
            " AND s.source = 'default' AND s.qty != t.qty"
        ).fetchone()
    return time.process_time() - start


def _apply(
    path: Path, db: Path, sandbox: Sandbox, concurrency: int, now: datetime
) -> tuple[FlowResult, float, float]:
    """Apply ``path`` as the pipeline does; return the result, CPU and wall seconds."""
    ledger = Ledger(f"sqlite:///{db}")
    settings = settings_for(sandbox.url, concurrency, batch_size=BATCH)
    client = MagentoClient(settings.magento)
    flow = ApplyStockFlow(settings, ledger, StockAdapter(client))
    ctx = replace(
        context(ledger, "stock", path.name, now),
        path=path,
        reread=lambda: RecordReader(path, "stock", csv=CsvOptions()),
    )
    cpu, wall = time.process_time(), time.perf_counter()
    result = flow.apply(ctx, RecordReader(path, "stock", csv=CsvOptions()))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    client.close()
    ledger.close()
    return result, cpu, wall


def snapshot(rows: int, latency_ms: int, concurrency: int) -> dict[str, float]:
    """Apply a ``rows``-row snapshot with 1 % changed, end to end."""
    changed = set(range(0, rows, 100))
    sandbox = Sandbox(latency_ms, [_sku(i) for i in sorted(changed)])
    with tempfile.TemporaryDirectory() as tmp:
        path, db = Path(tmp) / "snapshot.csv", Path(tmp) / "bench.db"
        _write_csv(path, rows, changed)
        Ledger(f"sqlite:///{db}").close()
        now = datetime.now(UTC)
        _seed_baseline(db, rows, now - timedelta(hours=1))
        floor = _floor(path, db)
        cpu = time.process_time()
        for _ in RecordReader(path, "stock", csv=CsvOptions()):
            pass
        t_read = time.process_time() - cpu
        cpu = time.process_time()
        checked = validate_file(path, "stock", csv=CsvOptions())
        t_validate = time.process_time() - cpu
        assert not checked.issues, checked.issues[:3]
        result, t_apply, wall = _apply(path, db, sandbox, concurrency, now)
        assert not result.rejected, result.rejected[:3]
        assert (result.applied, result.unchanged) == (len(changed), rows - len(changed))
        calls = sandbox.calls(MSI)
    sandbox.close()
    return {
        "rows": rows,
        "changed": len(changed),
        "validate_s": t_validate,
        "apply_s": t_apply,
        "read_s": t_read,
        "wall_s": wall,
        "floor_s": floor,
        "us_per_row": t_apply / rows * 1e6,
        "own_us_per_row": (t_apply - t_read) / rows * 1e6,
        "calls": calls,
        "ideal_calls": math.ceil(len(changed) / BATCH),
        "rss": peak_rss_mb(),
    }


def repeats(rows: int, skus: int, latency_ms: int) -> dict[str, float]:
    """Apply ``rows`` rows over only ``skus`` SKUs (each repeated); CPU per row."""
    names = [_sku(i) for i in range(skus)]
    sandbox = Sandbox(latency_ms, names)
    with tempfile.TemporaryDirectory() as tmp:
        path, db = Path(tmp) / "repeats.csv", Path(tmp) / "bench.db"
        with path.open("w", encoding="utf-8") as fh:
            fh.write("sku;qty\n")
            fh.writelines(f"{names[i % skus]};{i % 97}\n" for i in range(rows))
        Ledger(f"sqlite:///{db}").close()
        result, cpu, wall = _apply(path, db, sandbox, 4, datetime.now(UTC))
        assert result.applied == skus, result
    sandbox.close()
    return {"rows": rows, "skus": skus, "us_per_row": cpu / rows * 1e6, "wall_s": wall}


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main(argv: list[str] | None = None) -> int:
    """Run the stock bench and print (and optionally record) the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--snapshot", type=int, default=1_000_000)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    rows = [throughput(c, args.rows, args.latency_ms) for c in (1, 4, 8)]
    snaps = [
        snapshot(args.snapshot, args.latency_ms, args.concurrency)
        for _ in range(args.runs)
    ]
    reps = [repeats(args.repeats, 5, args.latency_ms) for _ in range(args.runs)]
    snap = {k: _median(snaps, k) for k in snaps[0]}
    rep = {k: _median(reps, k) for k in reps[0]}
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
        f"concurrency {args.concurrency}, medians of {args.runs} runs; CPU seconds of "
        "this process (the sandbox runs in its own). Apply = staging, delta, as-of, "
        "sends, records (a fresh reader, as the pipeline hands it). Floor: "
        "`csv.reader` into a SQLite TEMP table and one join for the delta.",
        "",
        "| validate CPU s | reading alone CPU s | apply CPU s "
        "| apply µs/row (goal ≤ 20) | of it not reading | floor CPU s "
        "| apply / floor | apply wall s | MSI calls | ceil(changed/batch) "
        "| peak RSS MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {snap['validate_s']:.1f} | {snap['read_s']:.1f} | {snap['apply_s']:.1f} | "
        f"{snap['us_per_row']:.1f} | {snap['own_us_per_row']:.1f} | "
        f"{snap['floor_s']:.2f} | "
        f"{snap['apply_s'] / snap['floor_s']:.1f}x | {snap['wall_s']:.1f} | "
        f"{snap['calls']:.0f} | {snap['ideal_calls']:.0f} | {snap['rss']:.0f} |",
        "",
        f"One SKU repeated: {rep['rows']:,.0f} rows over {rep['skus']:.0f} SKUs: "
        f"{rep['us_per_row']:.1f} µs of CPU per row = "
        f"**{rep['us_per_row'] / snap['us_per_row']:.2f}x** the snapshot's per-row "
        f"cost (goal ≤ 2x); {rep['wall_s']:.1f} s wall.",
    ]
    table = "\n".join(lines)
    print(table)
    if args.write_docs:
        append_docs("Stock", table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
