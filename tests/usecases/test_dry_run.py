"""`process(..., dry_run=True)`: the plan from Magento with GETs only, nothing written."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bridge.usecases.views import ProcessView
from tests.usecases.conftest import Home, products_xml


def _requests(home: Home) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = httpx.get(
        home.sandbox_url + "/sandbox/requests", timeout=30
    ).json()
    return [r for r in seen if r["path"].startswith("/rest/")]


def _ledger_rows(home: Home) -> tuple[int, int, int]:
    if not (home.root / "var" / "bridge.db").exists():
        return (0, 0, 0)
    with sqlite3.connect(home.root / "var" / "bridge.db") as db:
        return tuple(
            db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("files", "records", "events")
        )


def _dry_run(home: Home, file: Path, kind: str) -> ProcessView:
    """Dry-run ``file`` and check that nothing but GETs and no ledger row happened."""
    before, rows, data = len(_requests(home)), _ledger_rows(home), file.read_bytes()
    view = home.ops.process(file, kind, dry_run=True)
    assert {r["method"] for r in _requests(home)[before:]} == {"GET"}
    assert _ledger_rows(home) == rows
    assert file.read_bytes() == data  # still there, unchanged
    return view


def test_products_plan_creates_and_updates_with_each_changed_field(
    home: Home,
) -> None:
    """A known SKU shows each changed field Magento → ERP; a new SKU is a create."""
    home.ops.process(home.drop("products", "p.xml", products_xml("DR-1")), "products")
    changed = products_xml("DR-1", "DR-2").replace(
        "<name>Widget DR-1</name><price>12.50</price>",
        "<name>Big widget</name><price>14</price>",
    )
    view = _dry_run(home, home.drop("products", "q.xml", changed), "products")
    assert view.status == "planned"
    assert not view.had_problems
    [one, two] = view.plan
    assert (one.key, one.action) == ("DR-1", "update")
    assert one.changes == (
        ("name", "Widget DR-1", "Big widget"),
        ("price", "12.5", "14"),
    )
    assert (two.key, two.action) == ("DR-2", "create")
    again = _dry_run(
        home, home.drop("products", "r.xml", products_xml("DR-1")), "products"
    )
    assert [e.action for e in again.plan] == ["unchanged"]


def test_stock_plan_shows_old_and_new_and_the_rejects(home: Home) -> None:
    """Stock shows Magento's quantity → the ERP's; an unknown SKU would be rejected."""
    home.ops.process(home.drop("products", "p.xml", products_xml("DS-1")), "products")
    home.ops.process(home.drop("stock", "s.csv", "sku,qty\nDS-1,5\n"), "stock")
    view = _dry_run(
        home, home.drop("stock", "t.csv", "sku,qty\nDS-1,7\nNOPE,1\n"), "stock"
    )
    assert view.status == "would-reject"
    assert view.had_problems
    [known, unknown] = view.plan
    assert (known.action, known.changes) == ("stock", (("qty", "5", "7"),))
    assert unknown.action == "reject"
    assert "NOPE" in unknown.detail


def _order(home: Home) -> str:
    answer = httpx.post(
        f"{home.sandbox_url}/sandbox/orders",
        json={
            "customer": {"email": "anna@example.com", "firstname": "Anna"},
            "items": [
                {"sku": "DSH-1", "qty": 2, "price": 100, "tax_percent": 25},
                {"sku": "DSH-2", "qty": 1, "price": 40, "tax_percent": 25},
            ],
            "shipping_amount": 49,
            "payment_method": "checkmo",
            "invoice_fee": 0,
        },
        timeout=10,
    )
    answer.raise_for_status()
    return str(answer.json()["increment_id"])


def _shipment(number: str, dn: str, lines: str) -> str:
    return (
        f"<shipments><shipment><shipment_id>{dn}</shipment_id>"
        f"<order_number>{number}</order_number><lines>{lines}</lines>"
        "<tracks><track><number>TRK-1</number></track></tracks>"
        "</shipment></shipments>"
    )


def _invoiced(home: Home, number: str) -> list[Decimal]:
    found = httpx.get(
        f"{home.sandbox_url}/rest/V1/invoices",
        params={"searchCriteria[pageSize]": "50"},
        headers={
            "Authorization": f"Bearer {home.settings.magento.token.get_secret_value()}"
        },
        timeout=10,
    ).json()
    return [Decimal(str(i["grand_total"])) for i in found.get("items", [])]


def test_shipment_plan_names_items_tracks_and_what_magento_will_invoice(
    home: Home,
) -> None:
    """The planned invoice amounts equal what Magento then captures, freight first."""
    number = _order(home)
    first = home.drop(
        "shipments",
        "d1.xml",
        _shipment(number, "DN-1", "<line><sku>DSH-1</sku><qty>1</qty></line>"),
    )
    view = _dry_run(home, first, "shipments")
    assert view.status == "planned"
    [entry] = view.plan
    assert entry.action == "ship"
    assert "DSH-1 x 1" in entry.detail
    assert "TRK-1" in entry.detail
    planned_first = Decimal(entry.detail.split("invoice ")[1].split(" ")[0])
    home.ops.process(first, "shipments")
    second = home.drop(
        "shipments",
        "d2.xml",
        _shipment(
            number,
            "DN-2",
            "<line><sku>DSH-1</sku><qty>1</qty></line><line><sku>DSH-2</sku><qty>1</qty></line>",
        ),
    )
    [entry2] = _dry_run(home, second, "shipments").plan
    planned_second = Decimal(entry2.detail.split("invoice ")[1].split(" ")[0])
    assert "products only" in entry2.detail
    home.ops.process(second, "shipments")
    assert _invoiced(home, number) == [planned_first, planned_second]
    unknown = home.drop(
        "shipments",
        "d3.xml",
        _shipment("999999", "DN-3", "<line><sku>X</sku><qty>1</qty></line>"),
    )
    assert [e.action for e in _dry_run(home, unknown, "shipments").plan] == ["reject"]
