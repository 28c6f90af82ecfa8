"""Benchmark of the ERP readers on a 1,000,000-record stock file, XML and CSV.

Each measurement runs in its own interpreter so its peak RSS is its own. Times are CPU
seconds of the reading loop (steadier than wall time on a shared machine); wall time is
shown too. Floors are the
bare parsers (lxml iterparse with clearing, csv.reader); the bridge's ``RecordReader``
adds XSD validation, models and raw records on top. Targets: XML ≤ 1.5x its floor,
CSV ≤ 4x its floor, peak RSS ≤ 200 MB.

Run: ``python bench/formats_bench.py [--records N]``
"""

from __future__ import annotations

import argparse
import json
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
from bridge.formats import RecordReader
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


def main() -> None:
    """Generate the files, measure each variant, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        xml, csv = generate(Path(tmp), args.records)
        rows = [
            ("xml", "lxml-floor", measure(xml, "lxml-floor")),
            ("xml", "RecordReader", measure(xml, "reader")),
            ("csv", "csv-floor", measure(csv, "csv-floor")),
            ("csv", "RecordReader", measure(csv, "reader")),
        ]
    floors = {fmt: r["seconds"] for fmt, name, r in rows if name.endswith("floor")}
    targets = {"xml": 1.5, "csv": 4.0}
    print(f"{args.records:,} stock records")
    print(
        f"{'format':6} {'variant':13} {'records':>9} {'cpu s':>8} {'ratio':>6} "
        f"{'target':>6} {'wall s':>7} {'peak MB':>8}"
    )
    for fmt, name, r in rows:
        ratio = r["seconds"] / floors[fmt]
        target = "" if name.endswith("floor") else f"{targets[fmt]:.1f}x"
        print(
            f"{fmt:6} {name:13} {int(r['count']):>9,} {r['seconds']:>8.2f} "
            f"{ratio:>5.2f}x {target:>6} {r['wall']:>7.2f} {r['rss_mb']:>8.1f}"
        )


if __name__ == "__main__":
    main()
