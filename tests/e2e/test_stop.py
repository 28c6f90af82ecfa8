"""SIGTERM stops `bridge run` within a few seconds, between files and between records."""

from __future__ import annotations

import signal
import time
from typing import Any

from bridge.sandbox._seed import _product as seed_product
from tests.e2e.conftest import BridgeHome

PENDING = 3000


def test_sigterm_with_3000_pending_files_stops_within_2_seconds(
    home: BridgeHome,
) -> None:
    """With 3,000 small files pending, SIGTERM to exit takes under 2 s; none is lost."""
    home.magento(
        "POST",
        "/rest/all/V1/products",
        json={"product": {"sku": "STOP-1", "name": "N", "price": 1}},
    )
    for i in range(PENDING):
        home.drop("stock", f"s{i:04d}.csv", f"sku;qty\nSTOP-1;{i}\n")
    proc = home.popen("run")
    log = home.root / "bridge-run.log"
    try:
        deadline = time.monotonic() + 60
        while len(home.files("archive")) < 3:
            assert time.monotonic() < deadline, log.read_text()
            assert proc.poll() is None, log.read_text()
            time.sleep(0.02)
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    archived = len(home.files("archive"))
    assert archived < PENDING, "the signal came too late to test anything"
    assert took < 2.0, f"stopped {took:.1f}s after SIGTERM ({archived} archived)"
    left = len(home.files("inbox")) + len(home.files("var/work"))
    assert archived + left >= PENDING


ROWS = 4000


def _applied_skus(home: BridgeHome) -> list[str]:
    """The SKUs of every source item Magento accepted, once per accepted call."""
    return [
        item["sku"]
        for r in home.requests()
        if r["method"] == "POST"
        and r["path"].endswith("/inventory/source-items")
        and r["status"] == 200
        for item in r["body"]["sourceItems"]
    ]


def test_sigterm_mid_file_stops_between_batches_and_the_restart_resumes(
    home: BridgeHome, sandbox: Any
) -> None:
    """SIGTERM inside a big stock file exits within 3 s; the restart applies the rest once."""
    skus = [f"BIG-{i:07d}" for i in range(ROWS)]
    with sandbox.shop.lock:
        for sku in skus:
            seed_product(sandbox.shop, sku, f"Product {sku}", "10.00")
    lines = "".join(f"{sku};{i % 97 + 1}\n" for i, sku in enumerate(skus))
    home.drop("stock", "big.csv", "sku;qty\n" + lines)
    # 200 batches at 2 in flight and 100 ms each: about 10 s for the whole file.
    home.faults({"latency_ms": 100, "paths": "/inventory/source-items$"})
    proc = home.popen("run")
    log = home.root / "bridge-run.log"
    try:
        deadline = time.monotonic() + 120
        while len(_applied_skus(home)) < 200:
            assert time.monotonic() < deadline, log.read_text()
            assert proc.poll() is None, log.read_text()
            time.sleep(0.05)
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    before = _applied_skus(home)
    assert took < 3.0, f"stopped {took:.1f}s after SIGTERM"
    assert len(before) < ROWS, "the file was finished before the signal: test nothing"
    assert home.files("archive") == []
    assert len(home.files("var/work/stock")) == 1  # still claimed, resumable
    home.faults({})
    done = home.cli("run", "--once")
    assert done.returncode == 0, done.stdout + done.stderr
    applied = _applied_skus(home)
    assert sorted(applied) == sorted(skus), "each value sent once, none twice"
    assert len(home.files("archive")) == 1
    where = "searchCriteria[filter_groups][0][filters][0]"
    items: list[dict[str, Any]] = []
    for page in range(1, ROWS // 250 + 1):
        search = {
            f"{where}[field]": "sku",
            f"{where}[value]": "BIG-%",
            f"{where}[condition_type]": "like",
            "searchCriteria[pageSize]": "250",  # Magento's maximum is 300
            "searchCriteria[currentPage]": str(page),
        }
        answer = home.magento("GET", "/rest/V1/inventory/source-items", params=search)
        items += answer["items"]
    got = {i["sku"]: i["quantity"] for i in items if i["sku"].startswith("BIG-")}
    assert got == {sku: i % 97 + 1 for i, sku in enumerate(skus)}
