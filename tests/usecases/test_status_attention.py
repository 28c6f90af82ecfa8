"""Status says what needs attention: each unresolved failure once, rejects, service."""

from __future__ import annotations

from datetime import timedelta

from bridge.ledger import Ledger, utcnow
from bridge.runtime.heartbeat import write_heartbeat
from tests.usecases.conftest import Home, products_xml


def test_failed_file_counts_once_and_is_cleared_when_resolved(home: Home) -> None:
    """A failed file counts once (not with its report) and leaves status when resolved."""
    bad = home.ops.process(home.drop("products", "bad.xml", "<products>"), "products")
    assert bad.file_id is not None
    counts = {c.kind: c.failed_entries for c in home.ops.status().folders}
    assert counts["products"] == 1
    home.ops.resolve(bad.file_id, note="ERP re-sends it", who="ann")
    view = home.ops.status()
    assert {c.kind: c.failed_entries for c in view.folders}["products"] == 0
    assert view.attention == ()


def test_rejected_records_are_listed_until_resolved(home: Home) -> None:
    """A partly applied file lists its rejected records, with reasons, until resolved."""
    home.ops.process(home.drop("products", "p.xml", products_xml("ST-1")), "products")
    stock = home.drop("stock", "s.csv", "sku,qty\nST-1,4\nNOPE-9,1\n")
    out = home.ops.process(stock, "stock")
    assert out.status == "partial"
    assert out.file_id is not None
    view = home.ops.status()
    [entry] = view.attention
    assert [(r.key, r.outcome, r.line) for r in entry.records] == [
        ("NOPE-9", "rejected", 3)
    ]
    assert entry.records[0].message
    assert "1 rejected record(s) not yet applied" in view.attention_reasons
    assert view.needs_attention
    home.ops.resolve(out.file_id, note="SKU dropped in the ERP", who="ann")
    after = home.ops.status()
    assert after.attention == ()
    assert not after.needs_attention


def test_fresh_heartbeat_says_running_and_its_pause(home: Home) -> None:
    """A service's fresh heartbeat reads as running, with its Magento pause and reason."""
    ledger = Ledger(home.settings.ledger_url)
    try:
        until = utcnow() + timedelta(seconds=60)
        write_heartbeat(
            ledger, 5.0, paused_until=until, pause_reason="credentials refused"
        )
    finally:
        ledger.close()
    svc = home.ops.status().service
    assert svc.running
    assert svc.interval_seconds == 5.0
    assert svc.paused_until is not None
    assert svc.pause_reason == "credentials refused"


def test_stale_heartbeat_with_pending_files_needs_attention(home: Home) -> None:
    """A heartbeat older than a few intervals is not running; pending files then alarm."""
    ten_minutes_ago = utcnow() - timedelta(minutes=10)
    ledger = Ledger(home.settings.ledger_url, now=lambda: ten_minutes_ago)
    try:
        write_heartbeat(ledger, 5.0)
    finally:
        ledger.close()
    quiet = home.ops.status()
    assert quiet.service.host is not None
    assert not quiet.service.running
    assert not quiet.needs_attention  # nothing waits, so a stopped service is fine
    home.drop("stock", "waiting.csv", "sku,qty\nST-1,1\n")
    view = home.ops.status()
    assert view.needs_attention
    assert view.attention_reasons == ("1 file(s) pending but the service stopped",)


def test_pending_files_without_any_service_heartbeat_are_no_alarm(home: Home) -> None:
    """Files waiting where no service ever ran (manual or cron use) need no operator."""
    home.drop("stock", "waiting.csv", "sku,qty\nST-1,1\n")
    view = home.ops.status()
    assert view.service.host is None
    assert view.pending_files == 1
    assert not view.needs_attention
