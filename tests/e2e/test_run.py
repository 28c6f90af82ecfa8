"""The whole bridge as a process: run --once, kill -9 mid-file, validate, status, audit."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import BridgeHome


def _products_xml(n: int, prefix: str = "E2E") -> str:
    items = "".join(
        f"<product><sku>{prefix}-{i:03d}</sku><name>Widget {i}</name>"
        f"<price>{10 + i}.50</price><short_description>Short {i}</short_description>"
        f"<qty>{i}</qty></product>\n"
        for i in range(n)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<products>\n{items}</products>\n'


def _product_posts(home: BridgeHome) -> list[dict[str, Any]]:
    return [
        r
        for r in home.requests()
        if r["method"] == "POST" and r["path"].rstrip("/").endswith("/V1/products")
    ]


def test_run_once_applies_files_and_exports_orders(home: BridgeHome) -> None:
    """One pass applies a products file, archives it, and exports an existing order."""
    httpx.post(
        home.sandbox_url + "/sandbox/orders",
        timeout=30,
        json={
            "customer": {
                "email": "anna@example.com",
                "firstname": "Anna",
                "lastname": "Berg",
            },
            "items": [{"sku": "E2E-ORDER", "qty": 1, "price": 100, "tax_percent": 25}],
            "shipping_amount": 49,
            "payment_method": "checkmo",
            "invoice_fee": 0,
        },
    ).raise_for_status()
    home.drop("products", "p.xml", _products_xml(3))
    run = home.cli("run", "--once")
    assert run.returncode == 0, run.stdout + run.stderr
    for i in range(3):
        product = home.magento("GET", f"/rest/all/V1/products/E2E-{i:03d}")
        assert product["status"] == 2
        assert product["name"] == f"Widget {i}"
    archived = home.files("archive")
    assert [p.name.split("_", 1)[1] for p in archived] == ["p.xml"]
    orders = home.files("outbox")
    assert len(orders) == 1
    assert orders[0].name.startswith("order-")
    again = home.cli("run", "--once")
    assert again.returncode == 0
    assert len(home.files("outbox")) == 1
    assert len(_product_posts(home)) == 3


def test_sigkill_mid_file_then_restart_applies_exactly_once(home: BridgeHome) -> None:
    """Killing `bridge run` while it applies a file, then restarting, applies it once."""
    n = 24
    home.faults({"latency_ms": 150})
    home.drop("products", "big.xml", _products_xml(n, "KILL"))
    proc = home.popen("run")
    try:
        deadline = time.monotonic() + 60
        while len(_product_posts(home)) < 5:
            assert time.monotonic() < deadline, (
                home.root / "bridge-run.log"
            ).read_text()
            assert proc.poll() is None, (home.root / "bridge-run.log").read_text()
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert len(_product_posts(home)) < n, "the kill came too late to test anything"
    assert list((home.root / "var" / "work" / "products").iterdir()), (
        "file should be in work"
    )
    home.faults({})
    run = home.cli("run", "--once")
    assert run.returncode == 0, run.stdout + run.stderr
    posts = _product_posts(home)
    created = [p["body"]["product"]["sku"] for p in posts if p["status"] == 200]
    assert (
        sorted(created) == sorted(set(created)) == [f"KILL-{i:03d}" for i in range(n)]
    )
    assert all(p["status"] == 200 for p in posts)
    for i in range(n):
        assert home.magento("GET", f"/rest/all/V1/products/KILL-{i:03d}")["status"] == 2
    assert [p.name.split("_", 1)[1] for p in home.files("archive")] == ["big.xml"]
    assert not any((home.root / "var" / "work" / "products").iterdir())
    status = home.cli("status")
    assert "done 1" in status.stdout


def test_validate_prints_problems_and_exit_codes(
    home: BridgeHome, tmp_path: Path
) -> None:
    """`bridge validate` prints each problem with line and field, exit 1; a good file exits 0."""
    good = tmp_path / "good.xml"
    good.write_text(_products_xml(2))
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,name,price\nA-1,Thing,12.50\nA 2,Other,-1\n")
    ok = home.cli("validate", str(good))
    assert ok.returncode == 0
    assert ok.stdout == ""
    nok = home.cli("validate", str(bad), "--kind", "products")
    assert nok.returncode == 1
    assert "bad.csv:3: sku" in nok.stdout
    assert "bad.csv:3: price" in nok.stdout
    assert nok.stdout.count("\n") == 2


def test_audit_sku_and_file(home: BridgeHome) -> None:
    """`bridge audit` tells what happened to a SKU and a file, and exits 1 for unknowns."""
    home.drop("products", "p.xml", _products_xml(1, "AUD"))
    assert home.cli("run", "--once").returncode == 0
    sku = home.cli("audit", "sku", "AUD-000")
    assert sku.returncode == 0
    assert "p.xml" in sku.stdout
    f = home.cli("audit", "file", "p.xml")
    assert f.returncode == 0
    assert "done" in f.stdout
    assert home.cli("audit", "sku", "NOPE").returncode == 1
