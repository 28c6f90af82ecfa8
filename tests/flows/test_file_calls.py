"""The Magento calls recorded for a file, through the pipeline against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.config import Settings, load_config
from bridge.ledger import Ledger
from bridge.runtime import build
from bridge.support.calls import CallRecord
from bridge.usecases import Operations
from tests.conftest import SANDBOX_TOKEN
from tests.e2e.conftest import write_config


@pytest.fixture
def settings(tmp_path: Path, sandbox: Any) -> Settings:
    """A bridge home on tmp_path wired to the freshly reset sandbox."""
    write_config(tmp_path, sandbox.url)
    return load_config(tmp_path / "bridge.toml")


@pytest.fixture
def ledger(settings: Settings) -> Iterator[Ledger]:
    """The home's ledger, for reading what was recorded."""
    opened = Ledger(settings.ledger_url)
    yield opened
    opened.close()


def _order(sandbox: Any, sku: str) -> dict[str, Any]:
    spec = {
        "customer": {"email": "anna@example.com", "firstname": "Anna"},
        "items": [{"sku": sku, "qty": 2, "price": 100, "tax_percent": 25}],
        "shipping_amount": 49,
        "payment_method": "checkmo",
    }
    answer = httpx.post(f"{sandbox.url}/sandbox/orders", json=spec, timeout=30)
    answer.raise_for_status()
    order: dict[str, Any] = answer.json()
    return order


def _delivery(sid: str, number: str, sku: str) -> str:
    return (
        f"<shipment><shipment_id>{sid}</shipment_id>"
        f"<order_number>{number}</order_number>"
        f"<lines><line><sku>{sku}</sku><qty>2</qty></line></lines>"
        f"<tracks><track><number>T-{sid}</number><carrier_code>dhl</carrier_code>"
        "</track></tracks></shipment>"
    )


def _drop(settings: Settings, kind: str, name: str, text: str) -> Path:
    path = settings.root / "inbox" / kind / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _magento_ids(sandbox: Any, what: str, order_id: int) -> list[int]:
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "order_id",
        "searchCriteria[filter_groups][0][filters][0][value]": str(order_id),
    }
    answer = httpx.get(
        f"{sandbox.url}/rest/V1/{what}",
        params=params,
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        timeout=10,
    )
    answer.raise_for_status()
    return [int(i["entity_id"]) for i in answer.json()["items"]]


def _writes(calls: tuple[CallRecord, ...]) -> list[tuple[str | None, str, int | None]]:
    return [
        (c.record_key, c.path.rsplit("/", 1)[-1], c.document_id)
        for c in calls
        if c.method == "POST"
    ]


def test_a_shipments_file_records_its_ship_and_invoice_calls_with_document_ids(
    settings: Settings, ledger: Ledger, sandbox: Any
) -> None:
    """Each delivery's ship and invoice POSTs are kept with Magento's new ids."""
    first, second = _order(sandbox, "CL-1"), _order(sandbox, "CL-2")
    body = _delivery("DN-1", first["increment_id"], "CL-1") + _delivery(
        "DN-2", second["increment_id"], "CL-2"
    )
    drop = _drop(settings, "shipments", "s.xml", f"<shipments>{body}</shipments>")
    with Operations(settings) as ops:
        view = ops.process(drop, "shipments")
    assert view.status == "done", view
    assert view.file_id is not None
    page = ledger.calls.page(view.file_id)
    ids = {
        sid: (
            _magento_ids(sandbox, "shipments", order["entity_id"]),
            _magento_ids(sandbox, "invoices", order["entity_id"]),
        )
        for sid, order in (("DN-1", first), ("DN-2", second))
    }
    assert _writes(page.calls) == [
        ("DN-1", "ship", ids["DN-1"][0][0]),
        ("DN-1", "invoice", ids["DN-1"][1][0]),
        ("DN-2", "ship", ids["DN-2"][0][0]),
        ("DN-2", "invoice", ids["DN-2"][1][0]),
    ]
    step = ledger.shipments.get("DN-2")
    assert step is not None
    assert (step.magento_shipment_id, step.invoice_id) == (
        ids["DN-2"][0][0],
        ids["DN-2"][1][0],
    )
    assert page.recorded == len(page.calls)
    assert page.dropped == 0
    assert all(c.status == 200 and c.error is None for c in page.calls)
    reads = [c for c in page.calls if c.method == "GET"]
    assert reads, "the order lookups are recorded too"
    assert all("?" not in c.path for c in page.calls)
    assert next(c.path for c in page.calls if c.method == "POST") == (
        f"/rest/V1/order/{first['entity_id']}/ship"
    )


def test_a_pending_files_calls_are_kept_and_its_resumption_adds_to_them(
    settings: Settings, ledger: Ledger, sandbox: Any
) -> None:
    """Magento down leaves the failed attempts recorded; the resumed run follows them."""
    order = _order(sandbox, "CL-3")
    text = f"<shipments>{_delivery('DN-3', order['increment_id'], 'CL-3')}</shipments>"
    _drop(settings, "shipments", "p.xml", text)
    faults = {"status": 503, "count": 3, "paths": "/V1/orders$"}
    httpx.post(f"{sandbox.url}/sandbox/faults", json=faults, timeout=10)
    comps = build(settings)
    try:
        (cand,) = comps.inbox.scan()
        claimed = comps.inbox.claim(cand, comps.pipeline.work_dir)
        assert claimed is not None
        outcome = comps.pipeline.process(claimed)
        assert outcome.status == "pending"
        assert outcome.file_id is not None
        down = ledger.calls.page(outcome.file_id)
        (resumed,) = comps.inbox.work_files(comps.pipeline.work_dir)
        assert comps.pipeline.process(resumed, resumed=True).status == "done"
    finally:
        comps.close()
    assert [(c.attempt, c.status) for c in down.calls] == [(1, 503), (2, 503), (3, 503)]
    assert {c.record_key for c in down.calls} == {"DN-3"}
    after = ledger.calls.page(outcome.file_id)
    assert after.calls[:3] == down.calls
    assert [
        c.path.rsplit("/", 1)[-1] for c in after.calls[3:] if c.method == "POST"
    ] == [
        "ship",
        "invoice",
    ]


def test_products_and_stock_files_record_creates_per_sku_and_one_call_per_batch(
    settings: Settings, ledger: Ledger
) -> None:
    """Each new product is a POST with its SKU and id; 25 stock rows are two batches."""
    skus = [f"CS-{i:02d}" for i in range(25)]
    products = "".join(
        f"<product><sku>{s}</sku><name>Widget {s}</name><price>1.50</price></product>"
        for s in skus
    )
    stock = "".join(f"{s},{i + 1}\n" for i, s in enumerate(skus))
    with Operations(settings) as ops:
        made = ops.process(
            _drop(settings, "products", "p.xml", f"<products>{products}</products>"),
            "products",
        )
        stocked = ops.process(
            _drop(settings, "stock", "s.csv", "sku,qty\n" + stock), "stock"
        )
    assert (made.status, stocked.status) == ("done", "done"), (made, stocked)
    assert made.file_id is not None
    assert stocked.file_id is not None
    creates = [c for c in ledger.calls.page(made.file_id).calls if c.method == "POST"]
    assert sorted(c.record_key or "" for c in creates) == skus
    assert {c.path for c in creates} == {"/rest/all/V1/products"}
    assert all(isinstance(c.document_id, int) for c in creates)
    assert len({c.document_id for c in creates}) == len(skus)
    posts = [c for c in ledger.calls.page(stocked.file_id).calls if c.method == "POST"]
    assert [c.path for c in posts] == ["/rest/V1/inventory/source-items"] * 2
    assert {(c.status, c.record_key, c.document_id) for c in posts} == {
        (200, None, None)
    }
