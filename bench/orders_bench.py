"""Order export benchmark: N seeded sandbox orders exported to a temporary outbox.

Usage::

    .venv/bin/python bench/orders_bench.py [--orders N] [--page-size N] [--format xml]

Starts the sandbox Magento in a child process on 127.0.0.1 (an ephemeral port, real
HTTP), seeds the orders there, runs one ``ExportOrdersFlow.run()`` in this process
against a fresh ledger and outbox, and prints wall time, the time spent waiting for
Magento, the Magento calls made (list pages vs comment posts, counted by the HTTP
transport), the files written and the peak RSS of the bridge process and of the
sandbox process. A second run then shows the cost of a poll that finds nothing new
(every order is still inside the overlap window, so it re-reads all pages).
"""

from __future__ import annotations

import argparse
import logging
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path

import httpx
import structlog

from bridge.config import load_config
from bridge.flows.export_orders import ExportOrdersFlow
from bridge.folders.outbox import LocalOutbox
from bridge.ledger import Ledger
from bridge.magento import MagentoClient, OrdersAdapter

TOKEN = "bench-token"

# The sandbox, in its own process so that its memory and CPU are not the bridge's.
# Unless --sandbox-snapshots is given, its per-write rollback snapshot (a pickle of
# the whole shop, about 0.3-0.5 s per write at 10,000 orders) is skipped: no
# handler fails in this benchmark, so nothing needs rolling back, and with it the
# benchmark would measure the sandbox rather than the bridge.
_SANDBOX = textwrap.dedent(
    """
    import sys
    from bridge.sandbox import SandboxServer

    count, token, snapshots = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
    server = SandboxServer(
        port=0, token=token, seed_orders=count, rollback=snapshots
    )
    note = "on" if snapshots else "off"
    print(server.url, note, flush=True)
    server.serve_forever()
    """
)


class CountingTransport(httpx.HTTPTransport):
    """Counts Magento calls by kind and the time spent waiting for the answers."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds = 0.0
        self.calls: Counter[str] = Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        t0 = time.perf_counter()
        response = super().handle_request(request)
        response.read()
        self.seconds += time.perf_counter() - t0
        path = request.url.path
        if request.method == "GET" and path.endswith("/V1/orders"):
            self.calls["list pages"] += 1
        elif request.method == "GET":
            self.calls["single GETs"] += 1
        elif path.endswith("/comments"):
            self.calls["comments"] += 1
        else:
            self.calls["other"] += 1
        return response

    def reset(self) -> None:
        self.seconds = 0.0
        self.calls.clear()


def _own_peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _start_sandbox(count: int, snapshots: bool) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen(
        [sys.executable, "-c", _SANDBOX, str(count), TOKEN, "1" if snapshots else "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    url, note = child.stdout.readline().split()
    print(f"sandbox at {url}, rollback snapshots {note}")
    return child, url


def _export(url: str, root: Path, args: argparse.Namespace) -> None:
    settings = load_config(
        None,
        overrides={
            "magento": {"base_url": url, "token": TOKEN},
            "folders": {"root": str(root)},
            "orders": {"page_size": args.page_size, "format": args.format},
        },
    )
    ledger = Ledger(settings.ledger_url)
    outbox = LocalOutbox(root / "outbox" / "orders")
    transport = CountingTransport()
    try:
        with MagentoClient(settings.magento, transport=transport) as client:
            flow = ExportOrdersFlow(settings, ledger, OrdersAdapter(client), outbox)
            t0 = time.perf_counter()
            result = flow.run()
            elapsed = time.perf_counter() - t0
            files = len(list(outbox.directory.glob(f"order-*.{args.format}")))
            print(
                f"export: {len(result.exported)} orders, {files} files, "
                f"{len(result.failed)} failed in {elapsed:.1f} s "
                f"({len(result.exported) / elapsed:.0f} orders/s)"
            )
            print(f"calls: {result.calls} {dict(transport.calls)}")
            bridge_side = elapsed - transport.seconds
            per_order = 1000 * bridge_side / max(len(result.exported), 1)
            print(
                f"waiting for Magento: {transport.seconds:.1f} s; bridge side: "
                f"{bridge_side:.1f} s ({per_order:.2f} ms/order)"
            )
            transport.reset()
            t1 = time.perf_counter()
            again = flow.run()
            print(
                f"second poll: {len(again.exported)} exported, {dict(transport.calls)} "
                f"in {time.perf_counter() - t1:.1f} s "
                f"({transport.seconds:.1f} s waiting for Magento)"
            )
    finally:
        ledger.close()


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
    child, url = _start_sandbox(args.orders, args.sandbox_snapshots)
    print(f"seeded {args.orders} orders in {time.perf_counter() - started:.1f} s")
    try:
        with tempfile.TemporaryDirectory(prefix="orders-bench-") as tmp:
            _export(url, Path(tmp), args)
        sandbox_rss = _peak_rss_mb(child.pid)
    finally:
        child.terminate()
        child.wait(timeout=10)
        if child.stdout is not None:
            child.stdout.close()
    print(f"peak RSS: bridge {_own_peak_rss_mb():.0f} MB, sandbox {sandbox_rss:.0f} MB")


if __name__ == "__main__":
    main()
