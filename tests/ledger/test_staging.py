"""The ledger's schema at import, and the neutral staging area with typed rows."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from bridge.flows._staged import decode_data, encode_payload, record_of
from bridge.ledger import Ledger
from bridge.ledger.staging import StagedRow
from bridge.ledger.stock import AppliedStock
from bridge.models.erp import ErpProduct, ErpStockLevel, ParsedRecord

TABLES = {
    "erp_shipments",
    "events",
    "file_call_counts",
    "file_calls",
    "files",
    "gtin_items",
    "kv",
    "leases",
    "order_export_failures",
    "order_exports",
    "product_state",
    "records",
    "remote_deliveries",
    "remote_files",
    "staging",
    "stock_deductions",
    "stock_state",
}


def test_metadata_is_complete_when_the_package_is_imported() -> None:
    """Importing ``bridge.ledger`` declares every table; no Ledger has to run first."""
    code = (
        "import bridge.ledger\n"
        "from bridge.ledger._schema import metadata\n"
        "print(' '.join(sorted(metadata.tables)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert set(out.stdout.split()) == TABLES


def _row(idx: int, key: str, as_of: int, value: str, subkey: str = "") -> StagedRow:
    record = ParsedRecord(
        index=idx,
        line=idx + 2,
        key=key,
        model=ErpStockLevel(sku=key, qty=Decimal(value)),
        raw_form=((key, value),),
    )
    return StagedRow(
        idx, idx + 2, key, key, subkey, as_of, value, encode_payload(record)
    )


def test_staging_keeps_the_last_or_newest_row_per_key(tmp_path: Path) -> None:
    """Later and newer rows of a key supersede the others; winners come with state."""
    ledger = Ledger(f"sqlite:///{tmp_path}/s.db")
    try:
        staging = ledger.staging
        rows = [
            _row(0, "A", 10, "1", "default"),
            _row(1, "A", 10, "2", "default"),  # later: wins over idx 0
            _row(2, "B", 20, "3", "default"),  # newer: wins over idx 3
            _row(3, "B", 5, "4", "default"),
            _row(4, "B", 5, "5", "other"),  # another subkey: its own winner
        ]
        assert staging.stage(7, "stock", rows) == 5
        assert staging.mark_superseded(7, "stock") == 2
        beaten = staging.superseded(7, "stock", limit=10)
        assert [(b.row.idx, b.winner_idx) for b in beaten] == [(0, 1), (3, 2)]
        assert beaten[0].row == rows[0]
        ledger.stock.save(None, [AppliedStock("A", "default", "2", 9, None, 0, 2, "A")])
        page = ledger.stock.candidates(7, "stock", after_idx=-1, limit=10)
        assert [c.staged.idx for c in page] == [1, 2, 4]
        assert page[0].state is not None
        assert page[0].state.qty == "2"
        assert page[1].state is None
        staging.discard_keys(7, "stock", ["B"])
        page = ledger.stock.candidates(7, "stock", after_idx=-1, limit=10)
        assert [c.staged.idx for c in page] == [1]
        staging.clear(7, "stock")
        assert ledger.stock.candidates(7, "stock", after_idx=-1, limit=10) == []
    finally:
        ledger.close()


def test_payload_gives_back_the_record_and_the_flows_data() -> None:
    """A staged payload turns back into the same record (XML or CSV) and data."""
    model = ErpProduct(sku="ÅÄÖ-1", name="Kopp <30 cl>", price=Decimal("129.00"))
    xml = ParsedRecord(3, 9, "ÅÄÖ-1", model, "<product>Å\n</product>".encode())
    csv = ParsedRecord(4, 5, "ÅÄÖ-1", model, (("ÅÄÖ-1", "Kopp", "129.00"),))
    for record in (xml, csv):
        payload = encode_payload(record, '{"name": "Kopp"}')
        row = StagedRow(record.index, record.line, record.key, "k", "", 0, "v", payload)
        assert record_of(row) == record
        assert decode_data(row) == {"name": "Kopp"}
    stamp = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    level = ParsedRecord(
        1, 2, "S", ErpStockLevel(sku="S", qty=Decimal(1), updated_at=stamp)
    )
    back = record_of(StagedRow(1, 2, "S", "S", "", 0, "1", encode_payload(level)))
    assert back == level
