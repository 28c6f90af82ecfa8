"""Many one-record stock files through a running ``bridge run`` service (issue 17).

Run: ``.venv/bin/python bench/smallfiles_bench.py [--files 10000] [--runs 3]``.

The sandbox runs in its own process (``products_bench.Sandbox``, no injected latency)
with ``files`` products seeded in one call. Each run starts ``bridge run`` as a real
service process (watchdog on, ``stable_seconds = 0``, SQLite ledger) on a fresh temp
folder root, then:

1. **one file, all records**: one stock CSV with ``files`` rows is dropped into the
   inbox; time until it is archived (the per-record cost, without per-file cost);
2. **many files**: ``files`` one-record stock CSVs are dropped the way an ERP should
   (temp name, then rename); time from the first drop until all are archived, and
   the bridge process's CPU (``/proc/<pid>/stat``) over that span.

The floor, measured in the same run on the same sandbox, is the bare work a file
needs with no bridge: list the folder, read the file, hash it, parse the CSV, one
MSI ``POST`` (keep-alive ``httpx``), rename it into an archive folder. Figures are
medians of ``runs``; the bench checks that every file was archived and recorded
``done`` in the ledger and that the sandbox received one MSI call per file.
``--profile FILE`` instead runs ``bridge run --once`` under cProfile over the
dropped files and writes the profile to ``FILE``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from products_bench import TOKEN, Sandbox

PREFIX = "SF-"
MSI = "/inventory/source-items"
TICK = os.sysconf("SC_CLK_TCK")


def _sku(i: int) -> str:
    return f"{PREFIX}{i:07d}"


def _config(root: Path, url: str) -> Path:
    cfg = root / "bridge.toml"
    cfg.write_text(
        f'[magento]\nbase_url = "{url}"\ntoken = "{TOKEN}"\n'
        "[folders]\nstable_seconds = 0\nscan_seconds = 5\n"
        "[orders]\npoll_seconds = 3600\n"
    )
    return cfg


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _archived(root: Path) -> int:
    """Input files in ``archive/stock`` (reports excluded)."""
    count = 0
    for folder, _, names in os.walk(root / "archive" / "stock"):
        del folder
        count += sum(1 for n in names if not n.endswith(".report.txt"))
    return count


def _failed(root: Path) -> int:
    folder = root / "failed" / "stock"
    return sum(1 for _ in folder.iterdir()) if folder.is_dir() else 0


def _drop(inbox: Path, name: str, text: str) -> None:
    temp = inbox / f".{name}.part"
    temp.write_text(text)
    temp.rename(inbox / name)


def _wait(root: Path, target: int, timeout: float) -> float:
    """Wait until ``target`` files are archived; return the monotonic time then."""
    deadline = time.monotonic() + timeout
    while True:
        now = time.monotonic()
        if _archived(root) >= target:
            return now
        if _failed(root):
            raise RuntimeError(f"files failed: see {root / 'failed' / 'stock'}")
        if now > deadline:
            raise RuntimeError(f"only {_archived(root)} of {target} archived in time")
        time.sleep(0.1)


class Service:
    """``bridge run`` as a service process on ``root``."""

    def __init__(self, root: Path, url: str, argv: list[str] | None = None) -> None:
        cfg = _config(root, url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
        command = argv or [sys.executable, "-m", "bridge"]
        self.log = (root / "run.log").open("w")
        self.proc = subprocess.Popen(
            [*command, "run", "--config", str(cfg)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=root,
        )
        inbox = root / "inbox" / "stock"
        deadline = time.monotonic() + 60
        while not (root / "var" / "bridge.db").exists() or not inbox.is_dir():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("bridge did not start")
            time.sleep(0.05)
        time.sleep(1.5)  # the watcher and the first tick

    def cpu(self) -> float:
        """The service's CPU seconds so far."""
        return _cpu_seconds(self.proc.pid)

    def stop(self) -> float:
        """SIGTERM; return seconds until it exited."""
        start = time.monotonic()
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()
        return time.monotonic() - start


def _done_in_ledger(root: Path) -> int:
    with sqlite3.connect(root / "var" / "bridge.db") as conn:
        row = conn.execute(
            "SELECT count(*) FROM files WHERE status = 'done'"
        ).fetchone()
    return int(row[0])


def bridge_run(url: str, files: int, qty: int, sandbox: int) -> dict[str, float]:
    """One service run: the one-big-file floor, then ``files`` one-record files.

    ``sandbox`` is the sandbox's process id: its CPU over the same span is counted.
    """
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        service = Service(root, url)
        inbox = root / "inbox" / "stock"
        try:
            rows = "".join(f"{_sku(i)},{qty}\n" for i in range(files))
            cpu0, start = service.cpu(), time.monotonic()
            _drop(inbox, "all.csv", "sku,qty\n" + rows)
            end = _wait(root, 1, 600)
            big = {"big_wall": end - start, "big_cpu": service.cpu() - cpu0}
            cpu0, start = service.cpu(), time.monotonic()
            sandbox0 = _cpu_seconds(sandbox)
            for i in range(files):
                _drop(inbox, f"s{i:06d}.csv", f"sku,qty\n{_sku(i)},{qty + 1 + i}\n")
            end = _wait(root, files + 1, max(120.0, files / 10))
            cpu = service.cpu() - cpu0
            sandbox_cpu = _cpu_seconds(sandbox) - sandbox0
        finally:
            stop = service.stop()
        done = _done_in_ledger(root)
        if done != files + 1:
            raise RuntimeError(f"ledger: {done} files done, expected {files + 1}")
    return {
        **big,
        "wall": end - start,
        "cpu": cpu,
        "sandbox": sandbox_cpu,
        "stop": stop,
    }


def floor_run(url: str, files: int, qty: int, sandbox: int) -> dict[str, float]:
    """The bare per-file work without the bridge: list, read, hash, parse, POST, move."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with tempfile.TemporaryDirectory() as tmp, httpx.Client(headers=headers) as http:
        inbox, archive = Path(tmp) / "inbox", Path(tmp) / "archive"
        inbox.mkdir()
        archive.mkdir()
        for i in range(files):
            _drop(inbox, f"s{i:06d}.csv", f"sku,qty\n{_sku(i)},{qty + i}\n")
        cpu0, start = time.process_time(), time.monotonic()
        sandbox0 = _cpu_seconds(sandbox)
        for entry in sorted(os.scandir(inbox), key=lambda e: e.name):
            data = Path(entry.path).read_bytes()
            hashlib.sha256(data).hexdigest()
            rows = list(csv.reader(data.decode("utf-8").splitlines()))
            sku, value = rows[1]
            item = {"sku": sku, "source_code": "default", "quantity": float(value)}
            item["status"] = 1
            answer = http.post(
                f"{url}/rest/V1{MSI}", json={"sourceItems": [item]}, timeout=30
            )
            answer.raise_for_status()
            Path(entry.path).rename(archive / entry.name)
        return {
            "wall": time.monotonic() - start,
            "cpu": time.process_time() - cpu0,
            "sandbox": _cpu_seconds(sandbox) - sandbox0,
        }


def profile(url: str, files: int, out: Path) -> None:
    """Run ``bridge run --once`` under cProfile over ``files`` dropped files."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cfg = _config(root, url)
        inbox = root / "inbox" / "stock"
        inbox.mkdir(parents=True)
        for i in range(files):
            _drop(inbox, f"s{i:06d}.csv", f"sku,qty\n{_sku(i)},{7 + i}\n")
        command = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "bridge"]
        start = time.monotonic()
        subprocess.run(
            [*command, "run", "--once", "--config", str(cfg)],
            check=False,
            capture_output=True,
            cwd=root,
        )
        took = time.monotonic() - start
        print(f"profiled {files} files in {took:.1f} s: {files / took:.0f} files/s")
        print(f"archived {_archived(root)}; profile in {out}")


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def _table(
    files: int, bridge: list[dict[str, float]], floor: list[dict[str, float]]
) -> None:
    wall, cpu = _median(bridge, "wall"), _median(bridge, "cpu")
    fwall, fcpu = _median(floor, "wall"), _median(floor, "cpu")
    sandbox, fsandbox = _median(bridge, "sandbox"), _median(floor, "sandbox")
    big, big_cpu = _median(bridge, "big_wall"), _median(bridge, "big_cpu")
    rate, frate = files / wall, files / fwall
    ms = 1000 / files
    print(f"### Many small files ({files:,} one-record stock files, `bridge run`)\n")
    print(
        f"Medians of {len(bridge)} runs, floor and bridge interleaved; machine shared "
        "with other work, so the ratios and CPU per file are what to compare.\n"
    )
    print(
        "| what | wall s | files/s | CPU ms per file | sandbox CPU ms per file | vs floor |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| floor: list, read, hash, parse, 1 MSI POST, rename | {fwall:.1f} | "
        f"{frate:.0f} | {fcpu * ms:.2f} (bench process) | {fsandbox * ms:.2f} | 1.00x |"
    )
    print(
        f"| bridge service, {files:,} one-record files | {wall:.1f} | {rate:.0f} | "
        f"{cpu * ms:.2f} | {sandbox * ms:.2f} | {wall / fwall:.2f}x |"
    )
    print(
        f"| bridge service, 1 file of {files:,} records | {big:.1f} | — | "
        f"{big_cpu * ms:.3f} per record | — | {big / fwall:.2f}x |"
    )
    stops = [r["stop"] for r in bridge]
    print(
        f"\nGoal ≥ 150 files/s: {'met' if rate >= 150 else 'missed'} "
        f"({rate:.0f} files/s; on a free core the bridge's CPU alone allows "
        f"{1000 / (cpu * ms):.0f}). SIGTERM after each run took at most "
        f"{max(stops):.2f} s."
    )


def main() -> None:
    """Print a markdown table: the floor and the bridge, medians of ``--runs``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args()
    sandbox = Sandbox(0)
    try:
        httpx.post(
            f"{sandbox.url}/sandbox/seed",
            json={"products": args.files, "sku_prefix": PREFIX},
            timeout=600,
        ).raise_for_status()
        if args.profile is not None:
            profile(sandbox.url, args.files, args.profile)
            return
        bridge: list[dict[str, float]] = []
        floor: list[dict[str, float]] = []
        for run in range(args.runs):
            qty = 100 * (run + 1) * args.files
            steps: list[tuple[list[dict[str, float]], Callable[..., Any]]] = [
                (floor, floor_run),
                (bridge, bridge_run),
            ]
            for into, step in steps:
                into.append(step(sandbox.url, args.files, qty, sandbox.proc.pid))
                print(f"run {run + 1} {step.__name__}: {into[-1]}", file=sys.stderr)
        calls = sandbox.calls(MSI)
        want = args.runs * (2 * args.files + (args.files + 19) // 20)
        if calls < args.runs * 2 * args.files:
            raise RuntimeError(f"{calls} MSI calls, expected about {want}")
        _table(args.files, bridge, floor)
    finally:
        sandbox.close()


if __name__ == "__main__":
    main()
