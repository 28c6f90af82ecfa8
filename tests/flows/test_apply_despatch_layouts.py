"""Official despatch advices and dispatch notifications applied through the sandbox.

Each test first places the order the document names, with the items it ships.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.config import Settings, load_config
from bridge.runtime.wiring import Components, build
from bridge.usecases.process import process
from tests.conftest import SANDBOX_TOKEN, SHARED

PEPPOL = SHARED / "reference" / "standards" / "peppol-bis3-poacc" / "rules" / "examples"
USE_CASES = PEPPOL / "Despatch Advice use cases"
OASIS = SHARED / "reference" / "standards" / "oasis-ubl-2.1" / "xml"
EDIFACT = (
    Path(__file__).resolve().parents[2] / "samples" / "edifact-desadv" / "desadv.edi"
)
OPENTRANS = SHARED / "reference" / "standards" / "opentrans-2.1" / "samples"
FRAUNHOFER = (
    OPENTRANS
    / "fraunhofer-official"
    / "DispatchNotifications"
    / "sample_dispatchnotification_opentrans_2_1.xml"
)
ITSCOPE = (
    OPENTRANS
    / "itscope-testdistributor"
    / "DispatchNotification"
    / "Example_DISPATCHNOTIFICATION_Testdistributor_Lieferavis.xml"
)


def _rest(sandbox: Any, method: str, path: str, **kwargs: Any) -> Any:
    answer = httpx.request(
        method,
        f"{sandbox.url}/rest/V1{path}",
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        timeout=10,
        **kwargs,
    )
    answer.raise_for_status()
    return answer.json()


def _order(sandbox: Any, number: str, skus: dict[str, int]) -> dict[str, Any]:
    """Place order ``number`` in the sandbox with these SKUs and quantities."""
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


def _shipments(sandbox: Any, order_id: int) -> list[dict[str, Any]]:
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "order_id",
        "searchCriteria[filter_groups][0][filters][0][value]": str(order_id),
    }
    return list(_rest(sandbox, "GET", "/shipments", params=params)["items"])


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


def _apply(comps: Components, src: Path, tmp_path: Path) -> Any:
    """Process a copy of ``src`` (the shared example itself is never touched)."""
    copy = tmp_path / src.name
    copy.write_bytes(src.read_bytes())
    return process(comps, copy, "shipments")


@pytest.mark.parametrize(
    ("src", "order", "skus", "tracks"),
    [
        (
            PEPPOL / "DespatchAdvice_Example.xml",
            "AEG012345",
            {"17589683": 10},
            ["456789"],
        ),
        (
            USE_CASES / "DespatchAdvice-BIS3_UseCase1.xml",
            "4321",
            {"010120401": 10, "010140403": 10},
            ["12345"],
        ),
        (
            USE_CASES / "DespatchAdvice-BIS3_UseCase2.xml",
            "4321",
            {
                "010120401": 10,
                "010120409": 6,
                "010120405": 6,
                "010120407": 6,
                "010120408": 12,
            },
            ["12345"],
        ),
        (FRAUNHOFER, "ORD112", {"SG8": 4000}, ["PACK-04943"]),
        (
            ITSCOPE,
            "GWAHJV-160131-1470",
            {"123002": 1, "123001": 2, "123003": 3},
            ["1Z7318301287125572", "00000000305474401482"],
        ),
    ],
    ids=[
        "peppol-example",
        "use-case-1",
        "use-case-2",
        "opentrans-fraunhofer",
        "opentrans-itscope",
    ],
)
def test_official_despatch_advice_ships_the_order(
    sandbox: Any,
    comps: Components,
    tmp_path: Path,
    src: Path,
    order: str,
    skus: dict[str, int],
    tracks: list[str],
) -> None:
    """The example ships its order in Magento with its lines and tracking number."""
    placed = _order(sandbox, order, skus)
    view = _apply(comps, src, tmp_path)
    assert (view.status, view.issues) == ("done", ())
    [shipment] = _shipments(sandbox, placed["entity_id"])
    shipped = {item["sku"]: item["qty"] for item in shipment["items"]}
    assert shipped == skus
    assert [t["track_number"] for t in shipment["tracks"]] == tracks


@pytest.mark.parametrize(
    ("src", "order", "skus"),
    [
        (USE_CASES / "DespatchAdvice-BIS3_UseCase3.xml", "4321", {"SPLINT": 23}),
    ],
    ids=["use-case-3-not-a-gtin"],
)
def test_examples_the_layout_cannot_take_fail_and_ship_nothing(
    sandbox: Any,
    comps: Components,
    tmp_path: Path,
    src: Path,
    order: str,
    skus: dict[str, int],
) -> None:
    """A 15-digit "GTIN" fails the file: nothing is shipped in Magento.

    Before issue 15 the OASIS example (90 KGM) and use case 4 (GTINs, KGM) failed here
    too; they are taken now (tests below and tests/flows/test_items_by_gtin.py).
    """
    placed = _order(sandbox, order, skus)
    view = _apply(comps, src, tmp_path)
    assert view.status == "failed"
    assert view.issues
    assert _shipments(sandbox, placed["entity_id"]) == []


def test_edifact_interchange_ships_each_message(
    sandbox: Any, comps: Components, tmp_path: Path
) -> None:
    """Both DESADV messages of the sample interchange ship their orders."""
    first = _order(sandbox, "000000001", {"ERP-1001": 2, "ERP-1003": 1})
    second = _order(sandbox, "000000002", {"ERP-1002": 1})
    view = _apply(comps, EDIFACT, tmp_path)
    assert (view.status, view.issues) == ("done", ())
    [one] = _shipments(sandbox, first["entity_id"])
    [two] = _shipments(sandbox, second["entity_id"])
    assert {i["sku"]: i["qty"] for i in one["items"]} == {"ERP-1001": 2, "ERP-1003": 1}
    assert [t["track_number"] for t in two["tracks"]] == ["340123450000000014"]


@pytest.mark.parametrize(
    ("decimal", "status", "shipped"),
    [(True, "done", {"17589683": 90}), (False, "partial", None)],
    ids=["decimal-item", "item-in-pieces"],
)
def test_oasis_weight_ships_only_for_an_item_with_a_decimal_quantity(
    sandbox: Any,
    comps: Components,
    tmp_path: Path,
    decimal: bool,
    status: str,
    shipped: dict[str, int] | None,
) -> None:
    """90 KGM ships 90 of an is_qty_decimal item; for an item in pieces it is rejected."""
    spec = {
        "increment_id": "AEG012345",
        "customer": {"email": "buyer@example.com", "firstname": "Fred"},
        "items": [
            {
                "sku": "17589683",
                "qty": 100,
                "price": 10,
                "tax_percent": 25,
                "is_qty_decimal": decimal,
            }
        ],
        "shipping_amount": 5,
    }
    answer = httpx.post(f"{sandbox.url}/sandbox/orders", json=spec, timeout=10)
    answer.raise_for_status()
    placed = answer.json()
    assert placed["items"][0]["is_qty_decimal"] == int(decimal)
    view = _apply(comps, OASIS / "UBL-DespatchAdvice-2.0-Example.xml", tmp_path)
    assert view.status == status
    found = _shipments(sandbox, placed["entity_id"])
    if shipped is None:
        assert found == []
        assert view.report_path is not None
        assert "is in KGM, but the order item is counted in pieces" in (
            view.report_path.read_text(encoding="utf-8")
        )
    else:
        assert [{i["sku"]: i["qty"] for i in s["items"]} for s in found] == [shipped]
