"""`bridge validate` on every built-in layout's samples, and `bridge layouts`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
LAYOUTS = {
    "ubl-despatch-advice": "shipments",
    "opentrans-dispatchnotification": "shipments",
    "ubl-inventory-report": "stock",
    "bmecat": "products",
    "edifact-desadv": "shipments",
}


def _bridge(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bridge", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layout_samples_validate_by_content(layout: str) -> None:
    """The valid sample passes with its kind told by content; the invalid one fails."""
    folder = SAMPLES / layout
    [valid] = [p for p in folder.glob("*.*") if "invalid" not in p.name]
    [invalid] = list(folder.glob("*-invalid.*"))
    good = _bridge("validate", str(valid), cwd=folder)
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout == ""
    assert f"valid {LAYOUTS[layout]} file" in good.stderr
    bad = _bridge("validate", str(invalid), cwd=folder)
    assert bad.returncode == 1
    assert bad.stdout.startswith(f"{invalid.name}:")


def test_layouts_lists_builtins_and_the_configured_user_layouts(tmp_path: Path) -> None:
    """`bridge layouts` shows each kind's layouts, a user layout first in its kind."""
    (tmp_path / "bridge.toml").write_text(
        '[[layouts]]\nname = "lager-saldo"\nkind = "stock"\nmatch = "saldo_*.csv"\n'
        'columns = { sku = "Artikelnr", qty = "Saldo" }\n',
        encoding="utf-8",
    )
    run = _bridge("layouts", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    rows = [line.split()[:3] for line in run.stdout.splitlines()]
    stock = [r for r in rows if r[0] == "stock"]
    assert stock[0] == ["stock", "lager-saldo", "csv"]
    assert ["stock", "ubl-inventory-report", "xml"] in stock
    for layout, kind in LAYOUTS.items():
        fmt = "csv" if layout.startswith("edifact") else "xml"
        assert [kind, layout, fmt] in rows


def test_layouts_lists_the_order_formats_with_the_configured_one(
    tmp_path: Path,
) -> None:
    """`bridge layouts` also lists each orders.format, marking the configured one."""
    (tmp_path / "bridge.toml").write_text(
        '[orders]\nformat = "edifact"\n', encoding="utf-8"
    )
    run = _bridge("layouts", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    orders = [
        line.split()[:3]
        for line in run.stdout.splitlines()
        if line.startswith("orders")
    ]
    assert orders == [
        ["orders", "xml", "xml"],
        ["orders", "csv", "csv"],
        ["orders", "ubl", "xml"],
        ["orders", "opentrans", "xml"],
        ["orders", "idoc", "xml"],
        ["orders", "edifact", "edi"],
    ]
    [chosen] = [line for line in run.stdout.splitlines() if "(configured)" in line]
    assert chosen.split()[:2] == ["orders", "edifact"]
