"""`bridge run --once` and `bridge export-orders` export seeded orders once each."""

from __future__ import annotations

from pathlib import Path

import httpx
from lxml import etree

from tests.e2e.conftest import BridgeHome

REPO = Path(__file__).resolve().parents[2]
XSD = etree.XMLSchema(etree.parse(str(REPO / "schemas" / "orders.xsd")))


def _outbox(home: BridgeHome) -> list[Path]:
    return sorted((home.root / "outbox" / "orders").glob("order-*.xml"))


def test_25_seeded_orders_give_25_valid_files_once(home: BridgeHome) -> None:
    """25 realistic orders become 25 schema-valid files; a second run and a new order add one."""
    httpx.post(home.sandbox_url + "/sandbox/seed", json={"orders": 25}, timeout=60)
    first = home.cli("run", "--once")
    assert first.returncode == 0, first.stdout + first.stderr
    files = _outbox(home)
    assert len(files) == 25
    for path in files:
        doc = etree.parse(str(path))
        assert XSD.validate(doc), (path.name, XSD.error_log)
        number = doc.findtext("order/order_number")
        assert path.name == f"order-{number}.xml"
    assert home.cli("run", "--once").returncode == 0
    assert len(_outbox(home)) == 25
    httpx.post(home.sandbox_url + "/sandbox/seed", json={"orders": 1}, timeout=60)
    again = home.cli("export-orders")
    assert again.returncode == 0
    assert "1 exported" in again.stdout
    assert len(_outbox(home)) == 26
    status = home.cli("status")
    assert "26 exported" in status.stdout
