"""`bridge validate` on every shipped sample: silence and exit 0, or the expected report and 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
VALID = sorted(p for p in SAMPLES.glob("*.*") if p.suffix in (".xml", ".csv"))
INVALID = sorted(
    p for p in (SAMPLES / "invalid").glob("*.*") if p.suffix in (".xml", ".csv")
)


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bridge", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=path.parent,
    )


def test_every_kind_has_valid_and_invalid_samples() -> None:
    """samples/ holds a valid XML and CSV and an invalid file per inbound kind."""
    for kind in ("products", "stock", "shipments"):
        assert (SAMPLES / f"{kind}.xml").is_file()
        assert (SAMPLES / f"{kind}.csv").is_file()
        assert any(p.name.startswith(kind) for p in INVALID)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_sample_prints_nothing_and_exits_0(path: Path) -> None:
    """A valid sample prints no problem and exits 0."""
    run = _validate(path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout == ""


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_sample_prints_its_expected_report_and_exits_1(path: Path) -> None:
    """An invalid sample prints exactly its expected problems and exits 1."""
    expected = path.with_name(path.name + ".expected.txt").read_text(encoding="utf-8")
    run = _validate(path)
    assert run.returncode == 1
    assert run.stdout == expected
