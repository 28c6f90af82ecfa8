"""runtime.max_record_attempts for products and stock, against the sandbox over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.errors import MagentoUnavailableError
from bridge.sandbox._seed import _product as seed_product
from tests.flows._catalog_env import CatalogEnv, env, products_xml

__all__ = ["env"]  # the fixture, imported for pytest


def _catalog(sandbox: Any, skus: list[str]) -> None:
    """Products staff made in Magento before the ERP's files arrive."""
    with sandbox.shop.lock:
        for sku in skus:
            seed_product(sandbox.shop, sku, f"Product {sku}", "10.00")


def _limit(env: CatalogEnv, attempts: int) -> None:
    """Set runtime.max_record_attempts on the env's settings."""
    runtime = env.settings.runtime.model_copy(update={"max_record_attempts": attempts})
    env.settings = env.settings.model_copy(update={"runtime": runtime})


def _stock_xml(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<item><sku>{s}</sku><qty>{q}</qty></item>\n" for s, q in rows)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<stock>\n{body}</stock>\n'


def test_product_failing_with_5xx_is_rejected_after_max_attempts(
    env: CatalogEnv, sandbox: Any
) -> None:
    """A product whose write keeps answering 503 is rejected on its third attempt."""
    _catalog(sandbox, ["P-1", "P-2"])
    _limit(env, 3)
    env.faults(status=503, count=1000, paths=r"/products/P-2$")
    rows = [
        {"sku": "P-1", "name": "Renamed one", "price": "11.00"},
        {"sku": "P-2", "name": "Renamed two", "price": "12.00"},
    ]
    path = env.write("p.xml", products_xml(rows))
    file_id = env.start(path, "products")
    for _ in range(2):
        # A fresh flow each time: the count lives in the ledger, not in the process.
        with pytest.raises(MagentoUnavailableError):
            env.run(env.products_flow(), path, file_id=file_id)
    result = env.run(env.products_flow(), path, file_id=file_id)
    assert [n.record.key for n in result.rejected] == ["P-2"]
    assert "gave up after 3 attempts" in result.rejected[0].message
    assert "max_record_attempts" in result.rejected[0].message
    assert result.applied == 1
    assert env.product("P-1")["name"] == "Renamed one"
    assert len(env.writes("/V1/products/P-1")) == 1
    assert len(env.writes("/V1/products/P-2")) == 3


def test_outage_never_uses_up_record_attempts(env: CatalogEnv, sandbox: Any) -> None:
    """While all of Magento answers 503, no attempt is counted and nothing rejected."""
    _catalog(sandbox, ["Q-1"])
    _limit(env, 2)
    path = env.write("s.xml", _stock_xml([("Q-1", "4")]))
    file_id = env.start(path, "stock")
    env.faults(status=503, count=1000)
    for _ in range(4):
        with pytest.raises(MagentoUnavailableError):
            env.run(env.stock_flow(), path, file_id=file_id)
    env.faults()
    result = env.run(env.stock_flow(), path, file_id=file_id)
    assert (result.applied, result.rejected) == (1, [])
    assert env.source_qty("Q-1") == (4.0, 1)


def test_stock_batch_failing_with_5xx_is_rejected_after_max_attempts(
    env: CatalogEnv, sandbox: Any
) -> None:
    """A stock batch that keeps answering 503 is split, then its rows are rejected."""
    _catalog(sandbox, ["S-1", "S-2", "S-3"])
    _limit(env, 2)
    env.faults(status=503, count=1000, paths=r"/inventory/source-items$")
    path = env.write("s.xml", _stock_xml([("S-1", "1"), ("S-2", "2"), ("S-3", "3")]))
    file_id = env.start(path, "stock")
    with pytest.raises(MagentoUnavailableError):
        env.run(env.stock_flow(), path, file_id=file_id)
    result = env.run(env.stock_flow(), path, file_id=file_id)
    assert sorted(n.record.key for n in result.rejected) == ["S-1", "S-2", "S-3"]
    assert all("gave up after 2 attempts" in n.message for n in result.rejected)
    assert result.applied == 0
    env.faults()
    assert env.source_qty("S-1") == (100.0, 1)  # as seeded: nothing written


def test_stock_batch_out_of_attempts_is_split_and_applied_when_it_can(
    env: CatalogEnv, sandbox: Any
) -> None:
    """A batch failing its last attempt is split; halves Magento accepts are applied."""
    _catalog(sandbox, ["T-1", "T-2", "T-3", "T-4"])
    _limit(env, 2)
    env.faults(status=503, count=2, paths=r"/inventory/source-items$")
    rows = [("T-1", "1"), ("T-2", "2"), ("T-3", "3"), ("T-4", "4")]
    path = env.write("t.xml", _stock_xml(rows))
    file_id = env.start(path, "stock")
    with pytest.raises(MagentoUnavailableError):
        env.run(env.stock_flow(), path, file_id=file_id)
    result = env.run(env.stock_flow(), path, file_id=file_id)
    assert (result.applied, result.rejected) == (4, [])
    assert env.source_qty("T-4") == (4.0, 1)
    # Two failed calls of the batch of 4, then its two halves.
    sizes = [len(c["body"]["sourceItems"]) for c in env.writes("/source-items")]
    assert sizes == [4, 4, 2, 2]
