"""Drop-to-applied latency of a one-record stock file through a running `bridge run`.

Starts the sandbox in-process and the bridge as a real service process (watchdog
wake-ups on), drops a one-record stock file the way an ERP should (temp name, then
rename), and measures until the sandbox has received the MSI source-items call.
Run: ``python bench/latency_bench.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bridge.sandbox import SandboxServer

TOKEN = "bench-token"


def _config(root: Path, url: str, stable: float) -> Path:
    cfg = root / "bridge.toml"
    cfg.write_text(
        f'[magento]\nbase_url = "{url}"\ntoken = "{TOKEN}"\n'
        f"[folders]\nstable_seconds = {stable}\nscan_seconds = 5\n"
        "[orders]\npoll_seconds = 3600\n"
    )
    return cfg


def _source_item_posts(url: str) -> int:
    reqs = httpx.get(url + "/sandbox/requests", timeout=30).json()
    return sum(1 for r in reqs if r["path"].endswith("/inventory/source-items"))


def measure(rounds: int, stable: float) -> list[float]:
    """Return the latencies (seconds) of ``rounds`` one-record drops."""
    server = SandboxServer(host="127.0.0.1", port=0, token=TOKEN)
    server.start()
    latencies: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cfg = _config(root, server.url, stable)
        for i in range(rounds):
            httpx.put(
                server.url + f"/rest/all/V1/products/LAT-{i}",
                headers={"Authorization": f"Bearer {TOKEN}"},
                json={
                    "product": {
                        "sku": f"LAT-{i}",
                        "name": f"Latency {i}",
                        "price": 1,
                        "attribute_set_id": 4,
                        "type_id": "simple",
                    }
                },
                timeout=30,
            ).raise_for_status()
        env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
        with (root / "run.log").open("w") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bridge", "run", "--config", str(cfg)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        try:
            inbox = root / "inbox" / "stock"
            deadline = time.monotonic() + 30
            while not inbox.is_dir():
                if time.monotonic() > deadline:
                    raise RuntimeError("bridge did not start")
                time.sleep(0.05)
            time.sleep(1.0)  # let the watcher start
            for i in range(rounds):
                before = _source_item_posts(server.url)
                tmp_file = inbox / f".s{i}.csv.part"
                tmp_file.write_text(f"sku,qty\nLAT-{i},{i + 1}\n")
                start = time.monotonic()
                tmp_file.replace(inbox / f"s{i}.csv")
                while _source_item_posts(server.url) == before:
                    if time.monotonic() - start > 30:
                        raise RuntimeError("file was not applied within 30 s")
                    time.sleep(0.005)
                latencies.append(time.monotonic() - start)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    server.stop()
    return latencies


def main() -> None:
    """Print a markdown table of drop-to-applied latencies."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    print("### Drop-to-applied latency (one-record stock file, `bridge run` service)\n")
    print("| folders.stable_seconds | rounds | median | p90 | max |")
    print("|---:|---:|---:|---:|---:|")
    for stable in (0.0, 2.0):
        lat = sorted(measure(args.rounds, stable))
        p90 = lat[min(len(lat) - 1, int(0.9 * len(lat)))]
        print(
            f"| {stable:g} | {len(lat)} | {statistics.median(lat) * 1000:.0f} ms | "
            f"{p90 * 1000:.0f} ms | {lat[-1] * 1000:.0f} ms |"
        )
    print(
        "\nWith the default read lock a file is taken once its mtime is "
        "`stable_seconds` old, so latency is bounded below by that setting; "
        "a done file (`folders.done_suffix`) or `stable_seconds = 0` for "
        "writers that rename into place removes that wait."
    )


if __name__ == "__main__":
    main()
