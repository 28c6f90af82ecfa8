"""Benchmark of the ERP readers on a 1,000,000-record stock file, XML and CSV.

Each measurement runs in its own interpreter so its peak RSS is its own. Times are CPU
seconds of the reading loop (steadier than wall time on a shared machine); wall time is
shown too. Every variant runs ``--rounds`` times (default 3), interleaved so a busy
spell on a shared machine falls on all of them alike, and the medians are shown.
Floors are the bare parsers (lxml iterparse with clearing, csv.reader) measured in
the same run; ``validate`` is the validation pass (``validate_file``, ``bridge
validate``), ``RecordReader`` the reading pass that also builds the records. Goals
(issue 17): validation pass ≤ 1x its floor for both formats; validation + records
≤ 1.5x (XML) and ≤ 4x (CSV); peak RSS ≤ 60 MB, flat.

Run: ``python bench/formats_bench.py [--records N] [--rounds N]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_MEASURE = r"""
import json, resource, sys, time
path, variant = sys.argv[1], sys.argv[2]
import csv
from pathlib import Path
from lxml import etree
from bridge.config import CsvOptions
from bridge.formats import RecordReader, validate_file
from bridge.formats._xsd import kind_schema
kind_schema("stock")  # compiled once per process, not part of the per-file cost
start = time.perf_counter()
cpu_start = time.process_time()
count = 0
if variant == "lxml-floor":
    for _, el in etree.iterparse(path, events=("end",), tag="item"):
        count += 1
        el.clear()
        while el.getprevious() is not None:
            del el.getparent()[0]
elif variant == "csv-floor":
    with open(path, newline="", encoding="utf-8") as fh:
        for _ in csv.reader(fh, delimiter=";"):
            count += 1
    count -= 1
elif variant == "validate":
    result = validate_file(Path(path), "stock", csv=CsvOptions())
    count = result.record_count
    assert result.valid, result.issues[:3]
else:
    reader = RecordReader(Path(path), "stock", csv=CsvOptions())
    for _ in reader:
        count += 1
    assert not reader.issues, reader.issues[:3]
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = time.process_time() - cpu_start
rss_mb = usage.ru_maxrss / 1024
print(json.dumps({"count": count, "seconds": cpu, "wall": wall, "rss_mb": rss_mb}))
"""


def generate(folder: Path, records: int) -> tuple[Path, Path]:
    """Write a stock XML and CSV file of ``records`` items each."""
    xml, csv = folder / "stock.xml", folder / "stock.csv"
    with xml.open("w", encoding="utf-8") as fx, csv.open("w", encoding="utf-8") as fc:
        fx.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        fx.write('<stock generated="2026-11-26T06:00:00Z">\n')
        fc.write("sku;qty;source;updated_at\n")
        for i in range(records):
            sku, qty = f"ERP-{i:08d}", f"{i % 5000}.{i % 7}"
            stamp = "2026-11-26T05:00:00Z" if i % 10 == 0 else ""
            extra = f"<updated_at>{stamp}</updated_at>" if stamp else ""
            fx.write(f"  <item><sku>{sku}</sku><qty>{qty}</qty>{extra}</item>\n")
            fc.write(f"{sku};{qty};;{stamp}\n")
        fx.write("</stock>\n")
    return xml, csv


def measure(path: Path, variant: str) -> dict[str, float]:
    """Run one variant in a fresh interpreter and return its figures."""
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), variant],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


_VARIANTS = {
    "xml": (
        ("lxml-floor", "lxml-floor"),
        ("validate", "validate"),
        ("records", "reader"),
    ),
    "csv": (
        ("csv-floor", "csv-floor"),
        ("validate", "validate"),
        ("records", "reader"),
    ),
}
_GOALS = {("xml", "validate"): 1.0, ("xml", "records"): 1.5}
_GOALS |= {("csv", "validate"): 1.0, ("csv", "records"): 4.0}
_MEMORY_GOAL_MB = 60


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def main() -> None:
    """Generate the files, measure each variant, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        files = dict(
            zip(("xml", "csv"), generate(Path(tmp), args.records), strict=True)
        )
        for _ in range(args.rounds):
            for fmt, variants in _VARIANTS.items():
                for name, variant in variants:
                    result = measure(files[fmt], variant)
                    runs.setdefault((fmt, name), []).append(result)
    medians = {key: _median(r) for key, r in runs.items()}
    print(f"{args.records:,} stock records, medians of {args.rounds} runs")
    print(
        f"{'format':6} {'variant':10} {'records':>9} {'cpu s':>7} {'ratio':>6} "
        f"{'goal':>5} {'met':>4} {'wall s':>7} {'peak MB':>8}"
    )
    for (fmt, name), r in medians.items():
        floor = medians[(fmt, _VARIANTS[fmt][0][0])]["seconds"]
        ratio = r["seconds"] / floor
        goal = _GOALS.get((fmt, name))
        shown = f"{goal:.1f}x" if goal else ""
        met = "" if goal is None else ("yes" if ratio <= goal else "no")
        print(
            f"{fmt:6} {name:10} {int(r['count']):>9,} {r['seconds']:>7.2f} "
            f"{ratio:>5.2f}x {shown:>5} {met:>4} {r['wall']:>7.2f} {r['rss_mb']:>8.1f}"
        )
    peak = max(r["rss_mb"] for r in medians.values())
    verdict = "met" if peak <= _MEMORY_GOAL_MB else "missed"
    print(f"peak RSS {peak:.1f} MB (goal <= {_MEMORY_GOAL_MB} MB): {verdict}")


if __name__ == "__main__":
    main()
