"""The stock snapshot apply works the same on PostgreSQL (COPY, window, UPDATE … FROM)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.ledger import Ledger
from bridge.magento import MagentoClient
from bridge.sandbox._seed import seed_products
from tests.flows._catalog_env import MTIME, CatalogEnv, _settings
from tests.ledger._stock_staging_checks import (
    check_forced_delta_and_release,
    check_ranks_settles_and_pages,
)


@pytest.fixture
def pg_env(
    sandbox: Any, tmp_path: Path, fresh_postgres_url: str
) -> Iterator[CatalogEnv]:
    """A products/stock flow environment whose ledger is a fresh PostgreSQL database."""
    settings = _settings(sandbox.url, batch_size=20, concurrency=2)
    ledger = Ledger(fresh_postgres_url)
    client = MagentoClient(settings.magento)
    http = httpx.Client(base_url=sandbox.url, timeout=30)
    env = CatalogEnv(tmp_path, sandbox.url, settings, ledger, client, http)
    env.faults()
    try:
        yield env
    finally:
        client.close()
        http.close()
        ledger.close()


def _snapshot(skus: int, changed: set[int], bump: int = 0) -> str:
    rows = [f"PG-{i:07d};{i % 7 + (bump if i in changed else 0)}" for i in range(skus)]
    return "sku;qty\n" + "\n".join(rows) + "\n"


def test_snapshot_delta_repeats_and_stale_files_on_postgres(
    pg_env: CatalogEnv, sandbox: Any
) -> None:
    """Only changed values are sent, repeats resolve, and as-of moves on in SQL."""
    with sandbox.shop.lock:
        seed_products(sandbox.shop, 300, sku_prefix="PG-")
    first = pg_env.write("s1.csv", _snapshot(300, set()) + "PG-0000001;42\n")
    result = pg_env.run(pg_env.stock_flow(), first)
    assert (result.applied, result.unchanged, result.rejected) == (300, 0, [])
    assert [n.record.line for n in result.notes] == [3]  # the repeated SKU's first
    assert pg_env.source_qty("PG-0000001") == (42.0, 1)

    pg_env.forget()
    changed = {5, 50, 150}
    later = pg_env.write("s2.csv", _snapshot(300, changed, bump=100))
    delta = pg_env.run(pg_env.stock_flow(), later, mtime=MTIME + timedelta(hours=2))
    # PG-0000001 goes back from the repeat's 42 to its snapshot value.
    assert (delta.applied, delta.unchanged, delta.stale) == (4, 296, 0)
    sent = pg_env.writes("/V1/inventory/source-items")
    assert len(sent) == 1
    assert {i["sku"] for i in sent[0]["body"]["sourceItems"]} == {
        f"PG-{i:07d}" for i in {1, *changed}
    }

    # Dated between the two files: every value is older than the moved as-of.
    pg_env.forget()
    between = pg_env.write("s3.csv", _snapshot(300, set(), bump=0))
    stale = pg_env.run(pg_env.stock_flow(), between, mtime=MTIME + timedelta(hours=1))
    assert (stale.applied, stale.unchanged, stale.stale) == (0, 0, 300)
    assert pg_env.requests() == []


def test_stock_staging_ranks_settles_and_pages_on_postgres(
    fresh_postgres_url: str,
) -> None:
    """The TEMP-table staging ranks, settles and pages the delta as on SQLite."""
    check_ranks_settles_and_pages(fresh_postgres_url)


def test_stock_staging_forced_and_released_on_postgres(
    fresh_postgres_url: str,
) -> None:
    """A forced apply pages every winner; closing gives the connection back."""
    check_forced_delta_and_release(fresh_postgres_url)
