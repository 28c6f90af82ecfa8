"""The audit use cases: a SKU's, an order's and a file's history as typed views."""

from __future__ import annotations

import httpx

from bridge.cli_text import render_file_audit
from tests.usecases.conftest import Home, products_xml

STOCK_WITH_UNKNOWN = "sku,qty\nAUD-1,4\nAUD-NOPE,2\n"


def _order(home: Home, sku: str) -> str:
    answer = httpx.post(
        f"{home.sandbox_url}/sandbox/orders",
        json={
            "customer": {"email": "anna@example.com", "firstname": "Anna"},
            "items": [{"sku": sku, "qty": 2, "price": 100, "tax_percent": 25}],
            "shipping_amount": 49,
            "payment_method": "checkmo",
            "invoice_fee": 0,
        },
        timeout=10,
    )
    answer.raise_for_status()
    return str(answer.json()["increment_id"])


def test_audit_sku_lists_its_records_and_product_state(home: Home) -> None:
    """A SKU's audit names the file that created it and the product state."""
    home.ops.process(home.drop("products", "p.xml", products_xml("AUD-1")), "products")
    view = home.ops.audit_sku("AUD-1")
    assert view.found
    assert [(h.file_name, h.kind) for h in view.history] == [("p.xml", "products")]
    assert view.product is not None
    assert view.product.action == "created"
    assert view.history[0].at.tzinfo is not None
    assert not home.ops.audit_sku("AUD-UNKNOWN").found


def test_audit_file_shows_counts_and_rejected_records(home: Home) -> None:
    """A partly applied file's audit has its counts and each rejected record."""
    home.ops.process(home.drop("products", "p.xml", products_xml("AUD-1")), "products")
    stock = home.drop("stock", "s.csv", STOCK_WITH_UNKNOWN)
    assert home.ops.process(stock, "stock").status == "partial"
    view = home.ops.audit_file("s.csv")
    [entry] = view.files
    assert (entry.records_total, entry.records_applied) == (2, 1)
    assert entry.records_rejected == 1
    assert [(r.key, r.outcome) for r in entry.records] == [("AUD-NOPE", "rejected")]
    assert entry.records[0].line == 3
    assert entry.resolution is None
    assert not home.ops.audit_file("never.csv").found


def test_audit_order_follows_its_erp_shipments(home: Home) -> None:
    """An order's audit shows each ERP shipment with its Magento shipment and invoice."""
    home.ops.process(
        home.drop("products", "p.xml", products_xml("AUD-2", qty=10)), "products"
    )
    number = _order(home, "AUD-2")
    csv = (
        f"shipment_id,order_number,sku,qty,tracking_number\nDN-1,{number},AUD-2,2,T1\n"
    )
    assert home.ops.process(
        home.drop("shipments", "s.csv", csv), "shipments"
    ).status == ("done")
    view = home.ops.audit_order(number)
    assert view.found
    assert view.export is None
    [step] = view.shipments
    assert step.shipment_id == "DN-1"
    assert step.magento_shipment_id is not None
    assert step.invoice_id is not None
    assert (step.ship_file, step.invoice_file) == ("s.csv", "s.csv")
    assert step.grand_total is not None
    assert not home.ops.audit_order("000000404").found


def test_audit_file_sums_up_its_magento_calls_with_writes_and_failures(
    home: Home,
) -> None:
    """A file's audit counts its calls and lists the refused batch and the split."""
    home.ops.process(home.drop("products", "p.xml", products_xml("AUD-1")), "products")
    stock = home.drop("stock", "s.csv", STOCK_WITH_UNKNOWN)
    assert home.ops.process(stock, "stock").status == "partial"
    view = home.ops.audit_file("s.csv")
    [entry] = view.files
    [calls] = view.calls
    assert calls.file_id == entry.id
    assert calls.dropped == 0
    # The batch of two refused, then each half alone, then the lookup of the SKU.
    assert [(c.method, c.status, c.record_key) for c in calls.shown] == [
        ("POST", 400, None),
        ("POST", 200, "AUD-1"),
        ("POST", 400, "AUD-NOPE"),
        ("GET", 404, "AUD-NOPE"),
    ]
    assert calls.failed == 3
    assert calls.recorded == 4
    assert calls.more == 0
    text = render_file_audit(view)
    assert "Magento calls 4 (3 failed); writes and failures:" in text
    assert "POST /rest/V1/inventory/source-items: 400 RecordRejectedError" in text
    assert "record AUD-NOPE" in text
