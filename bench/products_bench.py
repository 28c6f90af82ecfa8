"""Products throughput against the sandbox with injected latency.

Run: ``.venv/bin/python bench/products_bench.py [--count N] [--latency-ms 20]``.

For each concurrency (1, 4, 8) a fresh sandbox and ledger get ``count`` new products
(creates) and then the same products with a new price (core-field updates). Each
product is one write; the ideal rate is ``concurrency / latency``. Prints a table and,
with ``--write-docs``, appends it to ``docs/performance.md`` under "Products".

The helpers here (a sandbox in a child process, a ledger, a file context) are shared
with ``stock_bench.py``. The sandbox runs in its own process so that the peak RSS the
bench reports is the bridge's own.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bridge.config import Settings, load_config
from bridge.flows.apply_products import ApplyProductsFlow
from bridge.flows.base import FileContext, FlowResult
from bridge.ledger import Ledger
from bridge.magento import MagentoClient, ProductsAdapter, StockAdapter
from bridge.models.erp import ErpProduct, Kind, ParsedRecord

TOKEN = "bench-token"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "performance.md"


def _serve(queue: Any, skus: list[str], latency_ms: int) -> None:
    from bridge.sandbox import SandboxServer
    from bridge.sandbox._seed import _product

    # No per-write rollback snapshot: it costs the stand-in time in proportion to its
    # catalogue (a real Magento rolls back with a database transaction), and no write
    # fails here, so with it this would measure the sandbox rather than the bridge.
    server = SandboxServer(port=0, token=TOKEN, rollback=False)
    for sku in skus:  # staff's catalogue, created directly (not what is measured)
        _product(server.shop, sku, f"Product {sku}", "10.00")
    server.start()
    httpx.post(f"{server.url}/sandbox/faults", json={"latency_ms": latency_ms})
    queue.put(server.url)
    time.sleep(10**6)


class Sandbox:
    """A sandbox in a child process, with ``latency_ms`` on every Magento call."""

    def __init__(self, latency_ms: int, skus: Iterable[str] = ()) -> None:
        ctx = mp.get_context("spawn")
        queue = ctx.Queue()
        self.proc = ctx.Process(
            target=_serve, args=(queue, list(skus), latency_ms), daemon=True
        )
        self.proc.start()
        self.url: str = queue.get(timeout=600)

    def calls(self, part: str) -> int:
        """How many non-GET Magento requests hit a path containing ``part``."""
        seen = httpx.get(f"{self.url}/sandbox/requests", timeout=120).json()
        return sum(1 for r in seen if r["method"] != "GET" and part in r["path"])

    def close(self) -> None:
        """Stop the child process."""
        self.proc.terminate()
        self.proc.join()


def settings_for(url: str, concurrency: int, **magento: Any) -> Settings:
    """Settings against the bench sandbox."""
    values = {"base_url": url, "token": TOKEN, "concurrency": concurrency}
    values.update(magento)
    return load_config(None, overrides={"magento": values})


def context(ledger: Ledger, kind: Kind, name: str, mtime: datetime) -> FileContext:
    """Register a file in the ledger and return its context, like the pipeline."""
    sha = hashlib.sha256(name.encode()).hexdigest()
    file_id = ledger.files.start(
        kind=kind,
        name=name,
        sha256=sha,
        size=0,
        source="bench",
        received_at=mtime,
        work_path=name,
    )
    return FileContext(
        file_id=file_id,
        kind=kind,
        name=name,
        sha256=sha,
        path=Path(name),
        fmt="csv",
        generated=None,
        mtime=mtime,
        force=False,
        now=lambda: mtime,
    )


def timed(fn: Callable[[], FlowResult]) -> tuple[FlowResult, float]:
    """Run ``fn`` and return its result and wall seconds."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def peak_rss_mb() -> float:
    """This process's peak resident set size in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def append_docs(section: str, text: str) -> None:
    """Append a section to docs/performance.md (created if missing)."""
    DOCS.parent.mkdir(exist_ok=True)
    head = "" if DOCS.exists() else "# Performance\n\nMeasured with `bench/`.\n"
    with DOCS.open("a", encoding="utf-8") as fh:
        fh.write(f"{head}\n## {section}\n\n{text}\n")


def _records(count: int, price: str) -> list[ParsedRecord]:
    return [
        ParsedRecord(
            i,
            i + 2,
            f"B-{i:05d}",
            ErpProduct(sku=f"B-{i:05d}", name=f"Product {i}", price=Decimal(price)),
        )
        for i in range(count)
    ]


def run(concurrency: int, count: int, latency_ms: int) -> dict[str, float]:
    """Create then update ``count`` products at ``concurrency``; return the rates."""
    sandbox = Sandbox(latency_ms)
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger(f"sqlite:///{tmp}/bench.db")
        settings = settings_for(sandbox.url, concurrency)
        client = MagentoClient(settings.magento)
        flow = ApplyProductsFlow(
            settings, ledger, ProductsAdapter(client), StockAdapter(client)
        )
        now = datetime.now(UTC)
        first, second = (context(ledger, "products", n, now) for n in ("a", "b"))
        creates, updates = _records(count, "1"), _records(count, "2")
        cpu = time.process_time()
        created, t_create = timed(lambda: flow.apply(first, creates))
        updated, t_update = timed(lambda: flow.apply(second, updates))
        cpu = time.process_time() - cpu
        assert created.applied == updated.applied == count, (created, updated)
        writes = sandbox.calls("/V1/products")
        client.close()
        ledger.close()
    sandbox.close()
    return {
        "concurrency": concurrency,
        "create_per_s": count / t_create,
        "update_per_s": count / t_update,
        "ideal_per_s": concurrency * 1000 / latency_ms,
        "writes": writes,
        "cpu_ms_per_write": cpu * 1000 / (2 * count),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the products bench and print (and optionally record) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    rows = [run(c, args.count, args.latency_ms) for c in (1, 4, 8)]
    lines = [
        "### Products",
        "",
        f"{args.count} new products created, then the same {args.count} updated "
        f"(price changed), sandbox with {args.latency_ms} ms injected latency per "
        "call; one write per product plus one existence lookup per 500 changed.",
        "",
        "| concurrency | creates/s | updates/s | ideal (c / latency) "
        "| updates / ideal | writes | bridge CPU ms per write (goal ≤ 1) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {r['concurrency']:.0f} | {r['create_per_s']:.0f} | "
            f"{r['update_per_s']:.0f} | {r['ideal_per_s']:.0f} | "
            f"{r['update_per_s'] / r['ideal_per_s']:.0%} | {r['writes']:.0f} | "
            f"{r['cpu_ms_per_write']:.2f} |"
            for r in rows
        ),
        "",
        f"Peak RSS of the bench process: {peak_rss_mb():.0f} MiB.",
    ]
    table = "\n".join(lines)
    print(table)
    if args.write_docs:
        append_docs("Products", table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
