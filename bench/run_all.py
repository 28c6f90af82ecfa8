"""`make bench`: run every benchmark, print its table, and record it in docs/performance.md.

Each benchmark is a script in this folder that generates its own data and prints a
markdown section. This runner times them, prints everything, and replaces the block
between the ``bench:begin`` / ``bench:end`` markers in ``docs/performance.md`` with
the output of this run and a description of the machine.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOC = HERE.parent / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

BENCHES = [
    ("formats_bench.py", []),
    ("stock_bench.py", []),
    ("products_bench.py", []),
    ("orders_bench.py", []),
    ("latency_bench.py", ["--rounds", "10"]),
    # 2,000 files x 3 runs keeps `make bench` near 15 minutes; `--files 10000` for the
    # figure of issue 17 (the rate per file does not change with the count).
    ("smallfiles_bench.py", ["--files", "2000"]),
]


def _machine() -> str:
    mem = ""
    try:
        with Path("/proc/meminfo").open() as fh:
            kb = int(fh.readline().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with Path("/proc/cpuinfo").open() as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def main() -> int:
    """Run the benchmarks in turn; exit non-zero if any failed."""
    sections: list[str] = []
    failed = 0
    for script, args in BENCHES:
        path = HERE / script
        if not path.exists():
            sections.append(f"### {script}\n\nnot present\n")
            continue
        print(f"== {script} ...", file=sys.stderr, flush=True)
        start = time.monotonic()
        proc = subprocess.run(
            [sys.executable, str(path), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        took = time.monotonic() - start
        out = proc.stdout.strip()
        if not out.startswith("#"):
            out = f"### {script}\n\n```\n{out}\n```"
        if proc.returncode != 0:
            failed += 1
            out += f"\n\n**failed** (exit {proc.returncode}):\n```\n{proc.stderr[-3000:]}\n```"
        sections.append(f"{out}\n\n_{script}: {took:.0f} s wall_\n")
        print(out, flush=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = "\n".join(
        [
            BEGIN,
            f"Recorded by `make bench` on {stamp}; machine: {_machine()}.",
            "",
            *sections,
            END,
        ]
    )
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n## Latest `make bench` output\n\n" + block + "\n"
    DOC.write_text(text)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
