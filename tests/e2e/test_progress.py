"""Long one-shot work shows a progress bar on a terminal and stays quiet otherwise."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path


def _stock_csv(path: Path, rows: int) -> Path:
    with path.open("w") as fh:
        fh.write("sku,qty\n")
        for i in range(rows):
            fh.write(f"PB-{i},{i % 9}\n")
    return path


def _run_on_pty(args: list[str]) -> str:
    pid, fd = pty.fork()
    if pid == 0:  # child: stdin/stdout/stderr are the pseudo-terminal
        os.execv(sys.executable, [sys.executable, "-m", "bridge", *args])
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    os.close(fd)
    return out.decode(errors="replace")


def test_validate_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    """`bridge validate` draws a bar on a tty and prints no bar when piped."""
    big = _stock_csv(tmp_path / "big.csv", 5000)
    on_tty = _run_on_pty(["validate", str(big), "--kind", "stock"])
    assert "checking big.csv" in on_tty
    assert "5000" in on_tty
    piped = subprocess.run(
        [sys.executable, "-m", "bridge", "validate", str(big), "--kind", "stock"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert piped.returncode == 0
    assert "checking" not in piped.stdout + piped.stderr
    assert "valid stock file, 5000 record(s)" in piped.stderr
