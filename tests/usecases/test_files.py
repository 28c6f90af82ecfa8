"""The console's file use cases: search and paging, a file's page, downloads, uploads."""

from __future__ import annotations

import httpx

from bridge.usecases import FileQuery
from bridge.usecases.files import safe_name
from tests.usecases.conftest import Home, products_xml

STOCK_WITH_UNKNOWN = "sku,qty\nFIL-1,4\nFIL-NOPE,2\n"


def test_files_are_searched_by_kind_outcome_and_name_and_paged(home: Home) -> None:
    """Search narrows by kind, outcome and name part; pages follow one another."""
    for i in range(3):
        home.ops.process(
            home.drop("products", f"p{i}.xml", products_xml(f"FIL-{i}")), "products"
        )
    home.ops.process(home.drop("stock", "s.csv", STOCK_WITH_UNKNOWN), "stock")
    everything = home.ops.files(FileQuery(limit=2))
    assert everything.total == 4
    assert [f.name for f in everything.files] == ["s.csv", "p2.xml"]
    assert everything.has_next
    assert not everything.has_previous
    second = home.ops.files(FileQuery(limit=2, offset=2))
    assert [f.name for f in second.files] == ["p1.xml", "p0.xml"]
    assert not second.has_next
    partial = home.ops.files(FileQuery(kind="stock", status="partial"))
    assert [f.name for f in partial.files] == ["s.csv"]
    assert home.ops.files(FileQuery(name="P1")).total == 1
    assert home.ops.files(FileQuery(name="%")).total == 0


def test_a_partial_files_page_has_its_report_records_and_rejects(home: Home) -> None:
    """A partly applied file's page shows the rejected record and offers its rejects."""
    home.ops.process(home.drop("products", "p.xml", products_xml("FIL-1")), "products")
    view = home.ops.process(home.drop("stock", "s.csv", STOCK_WITH_UNKNOWN), "stock")
    assert view.file_id is not None
    detail = home.ops.file_detail(view.file_id)
    assert detail is not None
    assert detail.file.status == "partial"
    assert detail.report is not None
    assert "FIL-NOPE" in detail.report
    assert ("FIL-NOPE", "rejected") in [(r.key, r.outcome) for r in detail.file.records]
    assert detail.has_original
    assert detail.has_rejects
    rejects = home.ops.download(view.file_id, "rejects")
    assert rejects is not None
    assert rejects.filename == "s.rejects.csv"
    assert "FIL-NOPE" in rejects.path.read_text()
    assert "FIL-1," not in rejects.path.read_text()
    assert home.ops.download(view.file_id, "../../bridge.toml") is None
    assert home.ops.download(999, "original") is None
    assert home.ops.file_detail(999) is None


def test_a_download_outside_the_folder_root_is_refused(home: Home) -> None:
    """A ledger path that no longer lies under the folder root is never served."""
    view = home.ops.process(
        home.drop("products", "p.xml", products_xml("FIL-1")), "products"
    )
    assert view.file_id is not None
    assert home.ops.download(view.file_id, "original") is not None
    outside = home.root.parent / f"{home.root.name}-elsewhere"
    home.reconfigure({"folders": {"root": str(outside)}})
    assert home.ops.download(view.file_id, "original") is None


def test_an_upload_lands_in_the_inbox_under_a_safe_name_with_its_uploader(
    home: Home,
) -> None:
    """An upload keeps a safe base name, never overwrites, and records who sent it."""
    first = home.ops.upload(
        "stock", "../../etc/s tock.csv", b"sku,qty\nX,1\n", who="ann"
    )
    assert first.refused is None
    assert first.path == home.root / "inbox" / "stock" / "s_tock.csv"
    again = home.ops.upload("stock", "s tock.csv", b"sku,qty\nX,2\n", who="ann")
    assert again.path is not None
    assert again.path.name == "s_tock~1.csv"
    assert first.path.read_bytes() == b"sku,qty\nX,1\n"
    processed = home.ops.process(first.path, "stock")
    assert processed.file_id is not None
    detail = home.ops.file_detail(processed.file_id)
    assert detail is not None
    assert detail.uploaded is not None
    assert detail.uploaded.who == "ann"


def test_an_upload_is_refused_when_empty_unnamed_or_of_an_unknown_kind(
    home: Home,
) -> None:
    """Refusals come back in the view and nothing is written."""
    assert home.ops.upload("stock", "a.csv", b"", who="x").refused
    assert home.ops.upload("stock", "...", b"x", who="x").refused
    assert home.ops.upload("orders", "a.csv", b"x", who="x").refused
    assert safe_name("C:\\\\x\\\\y z.csv") == "y_z.csv"
    assert not (home.root / "inbox" / "stock").exists()
    assert not (home.root / "inbox" / "orders").exists()


def test_a_shipped_but_not_invoiced_delivery_is_listed_as_unfinished(
    home: Home,
) -> None:
    """A delivery whose invoice call keeps failing is listed until it is invoiced."""
    home.ops.process(
        home.drop("products", "p.xml", products_xml("FIL-S", qty=10)), "products"
    )
    answer = httpx.post(
        f"{home.sandbox_url}/sandbox/orders",
        json={
            "customer": {"email": "anna@example.com", "firstname": "Anna"},
            "items": [{"sku": "FIL-S", "qty": 2, "price": 100, "tax_percent": 25}],
            "shipping_amount": 49,
            "payment_method": "checkmo",
            "invoice_fee": 0,
        },
        timeout=10,
    )
    answer.raise_for_status()
    number = str(answer.json()["increment_id"])
    assert home.ops.unfinished_shipments() == ()
    httpx.post(
        f"{home.sandbox_url}/sandbox/faults",
        json={"status": 503, "count": 1000, "paths": r"/invoice$"},
        timeout=10,
    ).raise_for_status()
    csv = f"shipment_id,order_number,sku,qty,tracking_number\nDN-9,{number},FIL-S,2,T\n"
    try:
        view = home.ops.process(home.drop("shipments", "s.csv", csv), "shipments")
    finally:
        httpx.post(f"{home.sandbox_url}/sandbox/faults", json={}, timeout=10)
    assert view.status == "pending"
    [step] = home.ops.unfinished_shipments()
    assert (step.shipment_id, step.order_number) == ("DN-9", number)
    assert step.state == "shipped"
    assert step.magento_shipment_id is not None
