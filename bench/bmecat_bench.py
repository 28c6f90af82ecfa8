"""Benchmark of the ``bmecat`` layout on a 100,000-product BMEcat 2005 catalogue.

The catalogue is written product by product, then read through ``RecordReader`` in
its own interpreter so the peak RSS is the reader's own. A catalogue a tenth the size
is read the same way: the two peaks should be within a few MB (products are streamed,
each checked against the BMEcat schema in batches and dropped).

Run: ``python bench/bmecat_bench.py [--products N]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.unit.formats._bmecat_gen import write_catalogue

_MEASURE = r"""
import json, resource, sys, time
from pathlib import Path
from bridge.config import CsvOptions
from bridge.formats import RecordReader
start = time.process_time()
count = sum(1 for _ in RecordReader(Path(sys.argv[1]), "products", csv=CsvOptions()))
cpu = time.process_time() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"products": count, "cpu_s": round(cpu, 1), "peak_mb": round(peak, 1)}))
"""


def _measure(path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main() -> None:
    """Write both catalogues, read each, print the measurements as JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for count in (args.products // 10, args.products):
            path = write_catalogue(Path(tmp) / f"catalogue-{count}.xml", count)
            print(
                json.dumps(
                    {"file_mb": round(path.stat().st_size / 2**20, 1), **_measure(path)}
                )
            )


if __name__ == "__main__":
    main()
