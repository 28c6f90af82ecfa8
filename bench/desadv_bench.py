"""Benchmark of the ``edifact-desadv`` layout on a 100,000-line DESADV interchange.

The interchange (10,000 messages of 10 segments, one segment per line) is written
message by message, then read through ``RecordReader`` in its own interpreter so the
peak RSS is the reader's own. An interchange a tenth the size is read the same way:
the two peaks should be within a few MB (the file is cut into segments in chunks and
each message is parsed, mapped and checked on its own, then dropped).

Run: ``python bench/desadv_bench.py [--lines N]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.unit.formats._desadv_gen import LINES_PER_MESSAGE, write_interchange

_MEASURE = r"""
import json, resource, sys, time
from pathlib import Path
from bridge.config import CsvOptions
from bridge.formats import RecordReader
start = time.process_time()
count = sum(1 for _ in RecordReader(Path(sys.argv[1]), "shipments", csv=CsvOptions()))
cpu = time.process_time() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"shipments": count, "cpu_s": round(cpu, 1), "peak_mb": round(peak, 1)}))
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
    """Write both interchanges, read each, print the measurements as JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    messages = args.lines // LINES_PER_MESSAGE
    with tempfile.TemporaryDirectory() as tmp:
        for count in (messages // 10, messages):
            path = write_interchange(Path(tmp) / f"desadv-{count}.edi", count)
            lines = count * LINES_PER_MESSAGE + 3
            size = round(path.stat().st_size / 2**20, 1)
            print(json.dumps({"lines": lines, "file_mb": size, **_measure(path)}))


if __name__ == "__main__":
    main()
