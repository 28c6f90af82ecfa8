"""Stock files that repeat SKUs many times, and records rebuilt from the file."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.flows.base import FlowResult
from bridge.sandbox._seed import seed_products
from tests.flows._catalog_env import CatalogEnv, env

__all__ = ["env"]  # the fixture, imported for pytest


def _repeats_csv(rounds: int) -> str:
    """``rounds`` rounds over three SKUs, an unknown SKU and one stale line."""
    lines = ["sku;qty;updated_at"]
    for i in range(rounds):
        for n in range(3):
            lines.append(f"RP-{n:07d};{i + n};2026-11-26T10:00:00Z")
    lines.append("NOPE-1;4;2026-11-26T10:00:00Z")
    lines.append("RP-0000000;999;2026-11-26T09:00:00Z")  # later but older: stale
    return "\n".join(lines) + "\n"


def _apply(env: CatalogEnv, sandbox: Any, *, reread: bool) -> FlowResult:
    with sandbox.shop.lock:
        seed_products(sandbox.shop, 3, sku_prefix="RP-")
    env.configure(batch_size=20, concurrency=2)
    path = env.write("repeats.csv", _repeats_csv(300))
    return env.run(env.stock_flow(), path, reread=reread)


@pytest.mark.parametrize("reread", [True, False])
def test_a_sku_repeated_hundreds_of_times_resolves_in_one_pass(
    env: CatalogEnv, sandbox: Any, reread: bool
) -> None:
    """The last value of each repeated SKU is sent once; the rest are noted."""
    result = _apply(env, sandbox, reread=reread)
    assert (result.applied, result.stale) == (3, 1)
    assert [env.source_qty(f"RP-{n:07d}")[0] for n in range(3)] == [299, 300, 301]
    [call] = env.writes("/V1/inventory/source-items")[:1]
    assert len(call["body"]["sourceItems"]) == 4  # three winners and the unknown SKU
    duplicates = [n for n in result.notes if n.outcome == "duplicate"]
    assert len(duplicates) == 3 * 299
    assert result.warnings == []
    assert duplicates[0].record.line == 2
    assert duplicates[0].record.raw == (("RP-0000000", "0", "2026-11-26T10:00:00Z"),)
    [stale] = [n for n in result.notes if n.outcome == "stale"]
    assert stale.record.line == 903
    assert stale.record.model.model_dump()["qty"] == 999


@pytest.mark.parametrize("reread", [True, False])
def test_rejected_record_is_the_files_own_either_way(
    env: CatalogEnv, sandbox: Any, reread: bool
) -> None:
    """A refused value comes back with the file's model and raw form for its rejects."""
    result = _apply(env, sandbox, reread=reread)
    [rejected] = result.rejected
    assert (rejected.record.key, rejected.record.line) == ("NOPE-1", 902)
    assert rejected.record.raw == (("NOPE-1", "4", "2026-11-26T10:00:00Z"),)
    assert rejected.record.model.model_dump()["source"] is None
    assert "unknown SKU" in rejected.message
