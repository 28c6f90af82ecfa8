"""Run Prometheus's own ``promtool`` when it is installed (Debian package ``prometheus``)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

PROMTOOL = shutil.which("promtool")


def promtool(*args: str, stdin: bytes | None = None) -> tuple[int, str]:
    """Run ``promtool ARGS``; return its exit code and combined output."""
    assert PROMTOOL is not None
    done = subprocess.run(
        [PROMTOOL, *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
        cwd=Path.cwd(),
    )
    return done.returncode, (done.stdout + done.stderr).decode()
