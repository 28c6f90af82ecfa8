"""SIGTERM stops `bridge run` within a few seconds, between files, with many pending."""

from __future__ import annotations

import signal
import time

from tests.e2e.conftest import BridgeHome

PENDING = 1000


def test_sigterm_with_a_thousand_pending_files_stops_within_3_seconds(
    home: BridgeHome,
) -> None:
    """With 1,000 small files pending, SIGTERM to exit takes under 3 s; none is lost."""
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
    assert took < 3.0, f"stopped {took:.1f}s after SIGTERM ({archived} archived)"
    left = len(home.files("inbox")) + len(home.files("var/work"))
    assert archived + left >= PENDING
