"""Lines naming their item only by a GTIN, resolved through the EAN attribute (issue 15).

Against the sandbox: Peppol's despatch use case 3 (four lines, GTINs only; its fourth
15-digit "GTIN" cut to 14 digits) and an InventoryReport line without a seller's id.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bridge.config import Settings, load_config
from bridge.ledger._schema import gtin_items
from bridge.runtime.wiring import Components, build
from bridge.usecases.process import process
from tests.conftest import SANDBOX_TOKEN, SHARED

STANDARDS = SHARED / "reference" / "standards"
USE_CASE_3 = (
    STANDARDS
    / "peppol-bis3-poacc/rules/examples/Despatch Advice use cases"
    / "DespatchAdvice-BIS3_UseCase3.xml"
)
INVENTORY = STANDARDS / "oasis-ubl-2.1/xml/UBL-InventoryReport-2.1-Example.xml"
#: GTIN as the document writes it → (SKU, EAN as the shop stores it, quantity).
ITEMS = {
    "05702938473625": ("SPLINT-S", "5702938473625", 10),
    "7611104117051": ("SPLINT-M", "7611104117051", 23),
    "08886765117054": ("SPLINT-L", "08886765117054", 500),
    "05709898765654": ("BANDAGE", "5709898765654", 12),
}


def _rest(sandbox: Any, method: str, path: str, **kwargs: Any) -> Any:
    answer = httpx.request(
        method,
        f"{sandbox.url}/rest{path}",
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        timeout=10,
        **kwargs,
    )
    answer.raise_for_status()
    return answer.json()


def _product(sandbox: Any, sku: str, ean: str) -> None:
    body = {
        "product": {
            "sku": sku,
            "name": sku.title(),
            "price": 10,
            "attribute_set_id": 4,
            "custom_attributes": [{"attribute_code": "ean", "value": ean}],
        }
    }
    _rest(sandbox, "POST", "/all/V1/products", json=body)
    items = [{"sku": sku, "source_code": "default", "quantity": 1000, "status": 1}]
    _rest(sandbox, "POST", "/V1/inventory/source-items", json={"sourceItems": items})


def _order(sandbox: Any, number: str, skus: dict[str, int]) -> dict[str, Any]:
    spec = {
        "increment_id": number,
        "customer": {"email": "buyer@example.com", "firstname": "Fred"},
        "items": [
            {"sku": sku, "qty": qty, "price": 10, "tax_percent": 25}
            for sku, qty in skus.items()
        ],
        "shipping_amount": 5,
    }
    answer = httpx.post(f"{sandbox.url}/sandbox/orders", json=spec, timeout=10)
    answer.raise_for_status()
    order: dict[str, Any] = answer.json()
    return order


def _shipped(sandbox: Any, order_id: int) -> list[dict[str, Any]]:
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "order_id",
        "searchCriteria[filter_groups][0][filters][0][value]": str(order_id),
    }
    return list(_rest(sandbox, "GET", "/V1/shipments", params=params)["items"])


def _ean_searches(sandbox: Any) -> int:
    seen = httpx.get(f"{sandbox.url}/sandbox/requests", timeout=10).json()
    return sum(
        1
        for r in seen
        if r["path"].endswith("/V1/products")
        and "ean" in (r.get("query") or {}).values()
    )


def _despatch(tmp_path: Path, number: str, order: str) -> Path:
    source = USE_CASE_3.read_bytes().replace(b"057098987656543", b"05709898765654")
    source = source.replace(
        b"<cbc:ID>1238</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode()
    )
    source = source.replace(
        b"<cbc:ID>4321</cbc:ID>", f"<cbc:ID>{order}</cbc:ID>".encode()
    )
    path = tmp_path / f"despatch-{number}.xml"
    path.write_bytes(source)
    return path


@pytest.fixture
def comps(sandbox: Any, tmp_path: Path) -> Iterator[Components]:
    """The bridge wired to the sandbox, its folders under tmp_path."""
    settings: Settings = load_config(
        None,
        overrides={
            "magento": {"base_url": sandbox.url, "token": SANDBOX_TOKEN},
            "folders": {"root": str(tmp_path / "bridge"), "stable_seconds": 0},
        },
    )
    wired = build(settings)
    try:
        yield wired
    finally:
        wired.close()


def test_gtin_only_lines_ship_the_skus_found_by_ean_once(
    sandbox: Any, comps: Components, tmp_path: Path
) -> None:
    """Each GTIN finds its SKU (EAN-13 or GTIN-14 stored); a second file asks Magento no more."""
    for sku, ean, _ in ITEMS.values():
        _product(sandbox, sku, ean)
    skus = {sku: qty for sku, _, qty in ITEMS.values()}
    first = _order(sandbox, "4321", skus)
    second = _order(sandbox, "4322", skus)

    view = process(comps, _despatch(tmp_path, "1238", "4321"), "shipments")
    assert (view.status, view.issues) == ("done", ())
    [shipment] = _shipped(sandbox, first["entity_id"])
    assert {i["sku"]: i["qty"] for i in shipment["items"]} == skus
    assert _ean_searches(sandbox) == 1
    assert comps.ledger.items.skus(["07611104117051"]) == {"07611104117051": "SPLINT-M"}

    view = process(comps, _despatch(tmp_path, "1239", "4322"), "shipments")
    assert (view.status, view.issues) == ("done", ())
    assert len(_shipped(sandbox, second["entity_id"])) == 1
    assert _ean_searches(sandbox) == 1  # remembered in the ledger


def test_gtin_matching_no_product_or_several_is_rejected_with_the_reason(
    sandbox: Any, comps: Components, tmp_path: Path
) -> None:
    """An unknown or ambiguous GTIN rejects its shipment saying why; nothing is shipped."""
    for sku, ean, _ in list(ITEMS.values())[:3]:
        _product(sandbox, sku, ean)
    _product(sandbox, "SPLINT-S-OLD", "05702938473625")  # a second product, same EAN
    placed = _order(sandbox, "4321", {sku: qty for sku, _, qty in ITEMS.values()})
    view = process(comps, _despatch(tmp_path, "1238", "4321"), "shipments")
    assert view.status == "partial"  # the document, its one shipment, is rejected
    assert view.report_path is not None
    assert view.rejects_path is not None
    report = view.report_path.read_text(encoding="utf-8")
    assert "GTIN 05709898765654 matches no product's 'ean' attribute" in report
    assert (
        "GTIN 05702938473625 matches several products (SPLINT-S, SPLINT-S-OLD)"
        in report
    )
    assert _shipped(sandbox, placed["entity_id"]) == []
    assert comps.ledger.items.skus(["05702938473625", "05709898765654"]) == {}


def test_inventory_line_with_only_a_gtin_sets_the_stock_of_its_sku(
    sandbox: Any, comps: Components, tmp_path: Path
) -> None:
    """A stock line naming its item by GTIN only sets the source quantity of that SKU."""
    _product(sandbox, "KOPP-1", "7311100000047")
    source = INVENTORY.read_bytes()
    start = source.index(b"<cac:SellersItemIdentification>")
    end = source.index(b"</cac:SellersItemIdentification>") + len(
        b"</cac:SellersItemIdentification>"
    )
    gtin = (
        b"<cac:StandardItemIdentification><cbc:ID>07311100000047</cbc:ID>"
        b"</cac:StandardItemIdentification>"
    )
    path = tmp_path / "inventory.xml"
    path.write_bytes(source[:start] + gtin + source[end:])
    view = process(comps, path, "stock")
    assert view.status in ("done", "partial"), view.issues
    items = _rest(
        sandbox,
        "GET",
        "/V1/inventory/source-items",
        params={
            "searchCriteria[filter_groups][0][filters][0][field]": "sku",
            "searchCriteria[filter_groups][0][filters][0][value]": "KOPP-1",
        },
    )["items"]
    assert [i["quantity"] for i in items if i["source_code"] == "default"] == [10]


def test_peppol_use_case_4_ships_weights_of_decimal_items_found_by_gtin(
    sandbox: Any, comps: Components, tmp_path: Path
) -> None:
    """Use case 4: two weighed lines named by GTIN and two in pieces ship as one shipment."""
    _product(sandbox, "MINCE", "7311104114566")
    _product(sandbox, "FILLET", "07311100000030")
    spec = {
        "increment_id": "4321",
        "customer": {"email": "buyer@example.com", "firstname": "Fred"},
        "items": [
            {
                "sku": "MINCE",
                "qty": 5,
                "price": 10,
                "tax_percent": 12,
                "is_qty_decimal": True,
            },
            {
                "sku": "FILLET",
                "qty": 6,
                "price": 10,
                "tax_percent": 12,
                "is_qty_decimal": True,
            },
            {"sku": "87774744", "qty": 8, "price": 10, "tax_percent": 25},
            {"sku": "010120789", "qty": 3, "price": 10, "tax_percent": 25},
        ],
        "shipping_amount": 5,
    }
    answer = httpx.post(f"{sandbox.url}/sandbox/orders", json=spec, timeout=10)
    answer.raise_for_status()
    placed = answer.json()
    path = tmp_path / "use-case-4.xml"
    path.write_bytes(
        (USE_CASE_3.parent / "DespatchAdvice-BIS3_UseCase4.xml").read_bytes()
    )
    view = process(comps, path, "shipments")
    assert (view.status, view.issues) == ("done", ())
    [shipment] = _shipped(sandbox, placed["entity_id"])
    assert {i["sku"]: i["qty"] for i in shipment["items"]} == {
        "MINCE": 4.25,
        "FILLET": 5.97,
        "87774744": 8,
        "010120789": 3,
    }


def test_dry_run_plans_the_skus_found_by_gtin_and_names_an_unknown_one(
    sandbox: Any, comps: Components, tmp_path: Path
) -> None:
    """``--dry-run`` looks GTINs up as the run does: the plan ships SKUs or says why not."""
    for sku, ean, _ in ITEMS.values():
        _product(sandbox, sku, ean)
    _order(sandbox, "4321", {sku: qty for sku, _, qty in ITEMS.values()})
    view = process(
        comps, _despatch(tmp_path, "1238", "4321"), "shipments", dry_run=True
    )
    [entry] = view.plan
    assert entry.action == "ship", entry.detail
    assert "SPLINT-M x 23" in entry.detail
    assert comps.ledger.items.skus(["07611104117051"]) == {}  # a dry run writes nothing
    unknown = _despatch(tmp_path, "1240", "4321")
    unknown.write_bytes(
        unknown.read_bytes().replace(b"7611104117051", b"7611104117099")
    )
    [entry] = process(comps, unknown, "shipments", dry_run=True).plan
    assert (entry.action, entry.detail) == (
        "reject",
        "GTIN 07611104117099 matches no product's 'ean' attribute",
    )


def test_an_ean_moved_in_magento_is_followed_once_the_answer_is_old(
    sandbox: Any, comps: Components, tmp_path: Path
) -> None:
    """Staff move an EAN to another product: past gtin_cache_seconds the GTIN finds it."""
    for sku, ean, _ in ITEMS.values():
        _product(sandbox, sku, ean)
    skus = {sku: qty for sku, _, qty in ITEMS.values()}
    _order(sandbox, "4321", skus)
    view = process(comps, _despatch(tmp_path, "1238", "4321"), "shipments")
    assert (view.status, view.issues) == ("done", ())
    # By hand in the admin: SPLINT-M loses its EAN to its successor SPLINT-M2.
    retired = {"attribute_code": "ean", "value": "7611104117099"}
    _rest(
        sandbox,
        "PUT",
        "/all/V1/products/SPLINT-M",
        json={"product": {"sku": "SPLINT-M", "custom_attributes": [retired]}},
    )
    _product(sandbox, "SPLINT-M2", "7611104117051")
    renamed = {("SPLINT-M2" if s == "SPLINT-M" else s): q for s, q in skus.items()}
    second = _order(sandbox, "4322", renamed)
    with comps.ledger.begin() as conn:  # the remembered answers are two hours old
        conn.execute(
            sa.update(gtin_items).values(
                resolved_at=comps.ledger.now() - timedelta(hours=2)
            )
        )
    view = process(comps, _despatch(tmp_path, "1239", "4322"), "shipments")
    assert (view.status, view.issues) == ("done", ())
    [shipment] = _shipped(sandbox, second["entity_id"])
    assert {i["sku"]: i["qty"] for i in shipment["items"]} == renamed
    assert comps.ledger.items.skus(["07611104117051"]) == {
        "07611104117051": "SPLINT-M2"
    }
