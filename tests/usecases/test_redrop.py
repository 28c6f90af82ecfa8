"""Re-drops against the sandbox: a fixed cause, the same file again, only its rejects."""

from __future__ import annotations

from typing import Any

import httpx

from tests.usecases.conftest import Home, products_xml

STOCK = "sku,qty\nRD-1,4\nRD-2,1\n"


def _source_item_skus(home: Home) -> list[str]:
    seen: list[dict[str, Any]] = httpx.get(
        home.sandbox_url + "/sandbox/requests", timeout=30
    ).json()
    return [
        item["sku"]
        for r in seen
        if r["method"] == "POST" and r["path"].endswith("/V1/inventory/source-items")
        for item in (r.get("body") or {}).get("sourceItems", [])
    ]


def test_same_stock_file_again_applies_only_what_was_rejected(home: Home) -> None:
    """After the missing SKU is created, the same stock file applies only that SKU."""
    home.ops.process(home.drop("products", "p1.xml", products_xml("RD-1")), "products")
    first = home.ops.process(home.drop("stock", "s.csv", STOCK), "stock")
    assert first.status == "partial"
    home.ops.process(home.drop("products", "p2.xml", products_xml("RD-2")), "products")
    before = len(_source_item_skus(home))
    again = home.ops.process(home.drop("stock", "s.csv", STOCK), "stock")
    assert again.status == "done"
    assert _source_item_skus(home)[before:] == ["RD-2"]
    third = home.ops.process(home.drop("stock", "s.csv", STOCK), "stock")
    assert third.status == "duplicate"
