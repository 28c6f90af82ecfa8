"""The status use case: folders, files, errors, export and attention as one view."""

from __future__ import annotations

import json

from bridge.cli_text import render_status, render_status_json
from bridge.ledger import Ledger
from tests.usecases.conftest import Home, products_xml


def test_status_of_a_new_home_is_empty(home: Home) -> None:
    """A home that received nothing has zero counts, no files and needs nothing."""
    view = home.ops.status()
    assert view.root == home.root
    assert [
        (c.kind, c.pending, c.processing, c.failed_entries) for c in view.folders
    ] == [
        ("products", 0, 0, 0),
        ("stock", 0, 0, 0),
        ("shipments", 0, 0, 0),
    ]
    assert view.files_by_status == {}
    assert view.last_files == ()
    assert view.export.cursor is None
    assert view.export.exported == 0
    assert view.sftp is None
    assert not view.needs_attention


def test_status_counts_files_errors_and_what_needs_attention(home: Home) -> None:
    """After a good, a bad and a waiting file, status shows each where it belongs."""
    home.ops.process(home.drop("products", "ok.xml", products_xml("ST-1")), "products")
    bad = home.ops.process(home.drop("products", "bad.xml", "<products>"), "products")
    home.drop("stock", "waiting.csv", "sku,qty\nST-1,1\n")
    view = home.ops.status()
    assert view.files_by_status == {"done": 1, "failed": 1}
    assert [f.name for f in view.last_files] == ["bad.xml", "ok.xml"]
    counts = {c.kind: c for c in view.folders}
    assert counts["stock"].pending == 1
    assert counts["products"].failed_entries == 1  # once: not its report too
    assert [e.event for e in view.last_errors] == ["file_failed"]
    assert [f.id for f in view.attention] == [bad.file_id]
    assert view.attention_total == 1


def test_status_names_the_sftp_endpoint_before_first_contact(home: Home) -> None:
    """With SFTP configured but never polled, status names it as not contacted."""
    home.reconfigure({"sftp": {"host": "127.0.0.1", "port": 2222, "username": "erp"}})
    view = home.ops.status()
    assert view.sftp is not None
    assert view.sftp.name == "erp@127.0.0.1:2222"
    assert view.sftp.state is None


def test_status_lists_the_leases_held_with_owner_and_expiry(home: Home) -> None:
    """Held leases appear in status, text and JSON, with owner and expiry; expired not."""
    ledger = Ledger(home.settings.ledger_url)
    try:
        ledger.leases.acquire("file:stock/20261128T000000Z_s.csv", "hostA:11:ab", 30)
        ledger.leases.acquire("shipment:DN-1", "hostB:22:cd", 30)
        ledger.leases.acquire("order:7", "hostB:22:cd", -1)  # expired already
    finally:
        ledger.close()
    view = home.ops.status()
    assert [(x.name, x.owner) for x in view.leases] == [
        ("file:stock/20261128T000000Z_s.csv", "hostA:11:ab"),
        ("shipment:DN-1", "hostB:22:cd"),
    ]
    assert all(x.expires_at > x.acquired_at for x in view.leases)
    text = render_status(view)
    assert "leases (work a process holds now):" in text
    assert "  shipment:DN-1: hostB:22:cd since " in text
    facts = json.loads(render_status_json(view))
    assert [x["owner"] for x in facts["leases"]] == ["hostA:11:ab", "hostB:22:cd"]
    assert facts["leases"][1]["expires_at"].endswith("+00:00")
