"""Order export benchmark: N seeded sandbox orders exported to a temporary outbox.

Usage::

    .venv/bin/python bench/orders_bench.py [--orders N] [--page-size N] [--format xml]

Starts the sandbox Magento in this process on 127.0.0.1 (an ephemeral port, real
HTTP), seeds the orders, runs one ``ExportOrdersFlow.run()`` against a fresh ledger
and outbox, and prints wall time, the Magento calls made (list pages vs comment
posts, counted by the sandbox's request log), the files written and the peak RSS of
the process (which holds the sandbox's shop and request log too). A second run then
shows the cost of a poll that finds nothing new.
"""

from __future__ import annotations

import argparse
import copy
import logging
import resource
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import structlog

from bridge.config import load_config
from bridge.flows.export_orders import ExportOrdersFlow
from bridge.folders.outbox import LocalOutbox
from bridge.ledger import Ledger
from bridge.magento import MagentoClient, OrdersAdapter
from bridge.sandbox import SandboxServer

TOKEN = "bench-token"


class TimingTransport(httpx.HTTPTransport):
    """Measures the time spent waiting for Magento (request sent → body read)."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds = 0.0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        t0 = time.perf_counter()
        response = super().handle_request(request)
        response.read()
        self.seconds += time.perf_counter() - t0
        return response


def _without_rollback_snapshots(server: SandboxServer) -> bool:
    """Skip the sandbox's per-write rollback snapshot (a pickle of the whole shop).

    The snapshot lets a failing sandbox handler roll back; it costs time in
    proportion to the shop (about 0.5 s per write at 10,000 orders), so with it a
    10,000-order export measures the sandbox, not the bridge. No handler fails in
    this benchmark, so nothing needs rolling back.

    Returns:
        False if the sandbox no longer has the hook (then it runs unchanged).
    """
    app = server.app
    if not hasattr(app, "_run"):
        return False

    def run(handler: Any, req: Any, params: dict[str, str]) -> Any:
        with app.shop.lock:
            return copy.deepcopy(handler(app.shop, req, **params))

    app._run = run  # type: ignore[method-assign]
    return True


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _calls(server: SandboxServer) -> Counter[str]:
    counts: Counter[str] = Counter()
    for entry in server.requests():
        path = str(entry["path"])
        if entry["method"] == "GET" and path.endswith("/V1/orders"):
            counts["list pages"] += 1
        elif entry["method"] == "GET":
            counts["single GETs"] += 1
        elif path.endswith("/comments"):
            counts["comments"] += 1
        else:
            counts["other"] += 1
    return counts


def main() -> None:
    """Seed, export, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--format", choices=("xml", "csv"), default="xml")
    parser.add_argument(
        "--sandbox-snapshots",
        action="store_true",
        help="keep the sandbox's per-write rollback snapshot (slow for big shops)",
    )
    args = parser.parse_args()
    # One log line per order would time the terminal, not the export.
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING)
    )

    started = time.perf_counter()
    server = SandboxServer(port=0, token=TOKEN, seed_orders=args.orders)
    if not args.sandbox_snapshots:
        patched = _without_rollback_snapshots(server)
        print(f"sandbox rollback snapshots: {'off' if patched else 'on (no hook)'}")
    server.start()
    print(f"seeded {args.orders} orders in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory(prefix="orders-bench-") as tmp:
        root = Path(tmp)
        settings = load_config(
            None,
            overrides={
                "magento": {"base_url": server.url, "token": TOKEN},
                "folders": {"root": str(root)},
                "orders": {"page_size": args.page_size, "format": args.format},
            },
        )
        ledger = Ledger(settings.ledger_url)
        outbox = LocalOutbox(root / "outbox" / "orders")
        try:
            transport = TimingTransport()
            with MagentoClient(settings.magento, transport=transport) as client:
                flow = ExportOrdersFlow(settings, ledger, OrdersAdapter(client), outbox)
                server.app.requests.clear()
                t0 = time.perf_counter()
                result = flow.run()
                elapsed = time.perf_counter() - t0
                calls = _calls(server)
                files = len(list(outbox.directory.glob(f"order-*.{args.format}")))
                print(
                    f"export: {len(result.exported)} orders, {files} files, "
                    f"{len(result.failed)} failed in {elapsed:.1f} s "
                    f"({len(result.exported) / elapsed:.0f} orders/s)"
                )
                print(f"calls: {result.calls} ({dict(calls)}); pages {result.pages}")
                bridge_side = elapsed - transport.seconds
                per_order = 1000 * bridge_side / max(len(result.exported), 1)
                print(
                    f"waiting for Magento: {transport.seconds:.1f} s; bridge side: "
                    f"{bridge_side:.1f} s ({per_order:.2f} ms/order)"
                )
                server.app.requests.clear()
                t1 = time.perf_counter()
                again = flow.run()
                print(
                    f"second poll: {len(again.exported)} exported, "
                    f"{again.pages} pages, {again.calls} calls "
                    f"in {time.perf_counter() - t1:.1f} s"
                )
        finally:
            ledger.close()
            server.stop()
    print(f"peak RSS: {_peak_rss_mb():.0f} MB (bridge + in-process sandbox)")


if __name__ == "__main__":
    main()
