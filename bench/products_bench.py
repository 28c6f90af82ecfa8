"""Product writes against the sandbox with injected latency: rate and bridge CPU.

Run: ``.venv/bin/python bench/products_bench.py [--count N] [--latency-ms 20]
[--rounds 3] [--profile C]``.

For each concurrency (1, 4, 8) a fresh sandbox and ledger get ``count`` new products
(creates) and then the same products with a new price (core-field updates), wired as
the service wires them (metrics on every call, the file's call log). Each product is
one write; the ideal rate is ``concurrency / latency``. The floor, measured in the same
run against its own fresh sandbox, sends the same create and update bodies with bare
``http.client`` (one kept-alive connection per thread, ``concurrency`` threads): it is
the CPU an exchange costs at all. Every figure is the median of ``rounds`` runs, floor
and bridge interleaved. Bridge CPU is this process's CPU time (the sandbox runs in a
child process). ``--profile C`` instead prints where one run's CPU goes, by package,
profiling every thread with its own CPU clock. With ``--write-docs`` the table is
appended to ``docs/performance.md`` under "Products".

The helpers here (a sandbox in a child process, a ledger, a file context) are shared
with ``stock_bench.py``. The sandbox runs in its own process so that the peak RSS the
bench reports is the bridge's own.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import http.client
import json
import multiprocessing as mp
import pstats
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from bridge.config import Settings, load_config
from bridge.flows.apply_products import ApplyProductsFlow
from bridge.flows.base import FileContext, FlowResult
from bridge.ledger import Ledger
from bridge.magento import MagentoClient, ProductsAdapter, StockAdapter
from bridge.mapping.products import core_fields, to_magento_product_create, url_key_for
from bridge.models.erp import ErpProduct, Kind, ParsedRecord
from bridge.runtime.telemetry import Telemetry
from bridge.support.calls import CallLog, recording

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
    """Create then update ``count`` products through the flow; rates and CPU."""
    sandbox = Sandbox(latency_ms)
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger(f"sqlite:///{tmp}/bench.db")
        settings = settings_for(sandbox.url, concurrency)
        telemetry = Telemetry(settings, ledger)
        client = MagentoClient(settings.magento, on_request=telemetry.magento_request)
        flow = ApplyProductsFlow(
            settings, ledger, ProductsAdapter(client), StockAdapter(client)
        )
        now = datetime.now(UTC)
        first, second = (context(ledger, "products", n, now) for n in ("a", "b"))
        creates, updates = _records(count, "1"), _records(count, "2")

        def apply(ctx: FileContext, records: list[ParsedRecord]) -> FlowResult:
            with recording(CallLog()):
                return flow.apply(ctx, records)

        wall = time.perf_counter()
        cpu = time.process_time()
        created = apply(first, creates)
        updated = apply(second, updates)
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - wall
        assert created.applied == updated.applied == count, (created, updated)
        writes = sandbox.calls("/V1/products")
        client.close()
        ledger.close()
    sandbox.close()
    return _figures(concurrency, 2 * count, latency_ms, cpu, wall, writes)


def _figures(
    concurrency: int, writes: int, latency_ms: int, cpu: float, wall: float, seen: int
) -> dict[str, float]:
    ideal = concurrency * 1000 / latency_ms
    return {
        "cpu_ms_per_write": cpu * 1000 / writes,
        "per_s": writes / wall,
        "of_ideal": writes / wall / ideal,
        "ideal_per_s": ideal,
        "writes": seen,
    }


def _floor_bodies(count: int) -> tuple[list[tuple[str, str, bytes]], ...]:
    """The create and update requests the flow sends, as (method, path, body)."""
    settings = load_config(None)
    creates, updates = [], []
    for record in _records(count, "1"):
        model = record.model
        assert isinstance(model, ErpProduct)
        fields = core_fields(model, ean_attribute=settings.magento.ean_attribute)
        product = to_magento_product_create(
            fields,
            attribute_set_id=settings.magento.attribute_set_id,
            website_ids=settings.magento.website_ids,
            ean_attribute=settings.magento.ean_attribute,
            url_key=url_key_for(model.name, model.sku),
        )
        body = {"product": product, "saveOptions": True}
        creates.append(("POST", "/rest/all/V1/products", json.dumps(body).encode()))
        update = {"product": {"sku": model.sku, "price": 2}}
        path = f"/rest/all/V1/products/{quote(model.sku, safe='')}"
        updates.append(("PUT", path, json.dumps(update).encode()))
    return creates, updates


def floor_run(concurrency: int, count: int, latency_ms: int) -> dict[str, float]:
    """The same writes with bare ``http.client``: the CPU an exchange costs at all."""
    sandbox = Sandbox(latency_ms)
    url = urlsplit(sandbox.url)
    headers = {
        "Authorization": f"Bearer {TOKEN}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    phases = _floor_bodies(count)

    def worker(queue: list[tuple[str, str, bytes]], lock: threading.Lock) -> None:
        conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
        while True:
            with lock:
                if not queue:
                    break
                method, path, body = queue.pop()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            json.loads(response.read())
            assert response.status == 200, response.status
        conn.close()

    wall = time.perf_counter()
    cpu = time.process_time()
    for phase in phases:
        queue, lock = list(reversed(phase)), threading.Lock()
        threads = [
            threading.Thread(target=worker, args=(queue, lock))
            for _ in range(concurrency)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    writes = sandbox.calls("/V1/products")
    sandbox.close()
    return _figures(concurrency, 2 * count, latency_ms, cpu, wall, writes)


def _median(runs: Sequence[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def _package(path: str) -> str:
    """The package a profiled function's file belongs to (site-packages or bridge)."""
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    if "/bridge/" in path:
        return "bridge." + path.split("/bridge/", 1)[1].split("/", 1)[0]
    if path == "~":
        return "(builtins: sockets, locks, sqlite)"
    return "stdlib " + Path(path).name


def profile(concurrency: int, count: int, latency_ms: int) -> str:
    """One bridge run with every thread profiled on its own CPU clock, by package."""
    profiles: list[cProfile.Profile] = []

    def start(*_: object) -> None:
        prof = cProfile.Profile(time.thread_time)
        profiles.append(prof)
        prof.enable()  # replaces this hook for the rest of the thread

    main = cProfile.Profile(time.thread_time)
    profiles.append(main)
    threading.setprofile(start)
    main.enable()
    figures = run(concurrency, count, latency_ms)
    main.disable()
    threading.setprofile(None)
    stats = pstats.Stats(main)
    for prof in profiles[1:]:
        stats.add(prof)
    by_package: dict[str, float] = {}
    for (path, _, _), row in stats.stats.items():  # type: ignore[attr-defined]
        by_package[_package(path)] = by_package.get(_package(path), 0.0) + row[2]
    total = sum(by_package.values())
    lines = [
        f"profile, concurrency {concurrency}: {figures['cpu_ms_per_write']:.2f} ms CPU "
        f"per write under the profiler; own CPU time by package:"
    ]
    for name, seconds in sorted(by_package.items(), key=lambda kv: -kv[1])[:20]:
        lines.append(f"  {name:40s} {seconds:7.3f} s  {seconds / total:6.1%}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the products bench and print (and optionally record) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=int, metavar="CONCURRENCY")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    if args.profile:
        print(profile(args.profile, args.count, args.latency_ms))
        return 0
    rows = []
    for c in (1, 4, 8):
        floors, bridges = [], []
        for _ in range(args.rounds):
            floors.append(floor_run(c, args.count, args.latency_ms))
            bridges.append(run(c, args.count, args.latency_ms))
        rows.append((c, _median(floors), _median(bridges)))
    print(_table(args, rows))
    if args.write_docs:
        append_docs("Products", _table(args, rows))
    return 0


def _table(
    args: argparse.Namespace, rows: list[tuple[int, dict[str, float], dict[str, float]]]
) -> str:
    lines = [
        "### Products",
        "",
        f"{args.count} new products created, then the same {args.count} updated "
        f"(price changed), sandbox in its own process with {args.latency_ms} ms "
        "injected latency per call; one write per product plus one existence search "
        f"per 50 changed. Medians of {args.rounds} runs; the floor sends the same "
        "writes with bare `http.client` in the same run.",
        "",
        "| concurrency | floor CPU ms/write | bridge CPU ms/write (goal ≤ 1) "
        "| bridge / floor | floor % of c/latency | bridge % of c/latency (goal ≥ 80 %) "
        "| bridge writes/s | writes |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {c} | {f['cpu_ms_per_write']:.2f} | {b['cpu_ms_per_write']:.2f} | "
            f"{b['cpu_ms_per_write'] / f['cpu_ms_per_write']:.2f}x | "
            f"{f['of_ideal']:.0%} | {b['of_ideal']:.0%} | {b['per_s']:.0f} | "
            f"{b['writes']:.0f} |"
            for c, f, b in rows
        ),
        "",
        f"Peak RSS of the bench process: {peak_rss_mb():.0f} MiB.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
