"""Official catalogue and inventory documents applied through the sandbox over HTTP."""

from __future__ import annotations

from typing import Any

from bridge.sandbox._seed import _product as seed_product
from tests.conftest import SHARED
from tests.flows._catalog_env import CatalogEnv, env

__all__ = ["env"]  # the fixture, imported for pytest

STANDARDS = SHARED / "reference" / "standards"
BMECAT = STANDARDS / "bmecat-2005" / "samples" / "bmecat-sample.xml"
INVENTORY = STANDARDS / "oasis-ubl-2.1" / "xml" / "UBL-InventoryReport-2.1-Example.xml"


def _catalog(sandbox: Any, skus: list[str]) -> None:
    """Products that exist in Magento before any stock arrives."""
    with sandbox.shop.lock:
        for sku in skus:
            seed_product(sandbox.shop, sku, f"Product {sku}", "10.00")


def test_oasis_inventory_report_sets_the_stock_it_names(
    env: CatalogEnv, sandbox: Any
) -> None:
    """Each report line's quantity lands on its SKU's default source."""
    _catalog(sandbox, ["DD88", "DA008", "BA058"])
    path = env.write(INVENTORY.name, INVENTORY.read_text("utf-8"))
    result = env.run(env.stock_flow(), path)
    assert (result.applied, result.rejected) == (3, [])
    assert [env.source_qty(s)[0] for s in ("DD88", "DA008", "BA058")] == [
        10.0,
        15.0,
        5.0,
    ]


def test_bmecat_sample_creates_its_product(env: CatalogEnv, sandbox: Any) -> None:
    """The shared BMEcat catalogue creates its product with the net list price and name."""
    path = env.write(BMECAT.name, BMECAT.read_text("utf-8-sig"))
    result = env.run(env.products_flow(), path)
    assert (result.applied, result.rejected) == (1, [])
    product = env.product("Q20-P09")
    assert (product["name"], product["price"]) == (
        "Post-Safe Polythene Envelopes",
        16.49,
    )
