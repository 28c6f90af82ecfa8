"""Stock against the sandbox: future dates refused, --force over staleness, causes named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.flows._catalog_env import CatalogEnv, env
from tests.flows.test_apply_stock import _catalog, _stock_xml

__all__ = ["env"]  # the fixture, imported for pytest


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_future_dated_value_is_rejected_and_blocks_nothing(
    env: CatalogEnv, sandbox: Any
) -> None:
    """A value dated in 2099 is rejected with that reason; a later correct one applies."""
    _catalog(sandbox, ["FUT"])
    future = [{"sku": "FUT", "qty": "50", "updated_at": "2099-01-01T00:00:00Z"}]
    result = env.run(env.stock_flow(), env.write("f.xml", _stock_xml(future)))
    assert result.applied == 0
    assert [n.record.key for n in result.rejected] == ["FUT"]
    assert "in the future" in result.rejected[0].message
    assert "runtime.future_tolerance_seconds" in result.rejected[0].message
    now = datetime.now(UTC)
    good = [{"sku": "FUT", "qty": "4", "updated_at": _iso(now)}]
    result = env.run(env.stock_flow(), env.write("g.xml", _stock_xml(good)))
    assert (result.applied, result.stale) == (1, 0)
    assert env.source_qty("FUT") == (4.0, 1)


def test_value_within_the_tolerance_is_applied(env: CatalogEnv, sandbox: Any) -> None:
    """A clock a minute ahead (inside the 5-minute tolerance) is not refused."""
    _catalog(sandbox, ["NEAR"])
    ahead = datetime.now(UTC) + timedelta(minutes=1)
    rows = [{"sku": "NEAR", "qty": "3", "updated_at": _iso(ahead)}]
    result = env.run(env.stock_flow(), env.write("n.xml", _stock_xml(rows)))
    assert (result.applied, result.rejected) == (1, [])


def test_force_applies_a_stale_value(env: CatalogEnv, sandbox: Any) -> None:
    """With --force an older value is applied over a newer one (undoing a bad date)."""
    _catalog(sandbox, ["OLD"])
    newer = [{"sku": "OLD", "qty": "9", "updated_at": "2026-11-26T11:00:00Z"}]
    older = [{"sku": "OLD", "qty": "2", "updated_at": "2026-11-26T08:00:00Z"}]
    env.run(env.stock_flow(), env.write("a.xml", _stock_xml(newer)))
    path = env.write("b.xml", _stock_xml(older))
    assert env.run(env.stock_flow(), path).stale == 1
    assert env.source_qty("OLD") == (9.0, 1)
    result = env.run(env.stock_flow(), path, force=True)
    assert (result.applied, result.stale) == (1, 0)
    assert env.source_qty("OLD") == (2.0, 1)


def test_rejects_name_unknown_sku_and_unknown_source(
    env: CatalogEnv, sandbox: Any
) -> None:
    """Magento's one "Could not save Source Item" is told apart: SKU or source."""
    _catalog(sandbox, ["KNOWN"])
    rows = [
        {"sku": "GHOST", "qty": "1"},
        {"sku": "KNOWN", "qty": "2", "source": "nowhere"},
        {"sku": "KNOWN", "qty": "3"},
    ]
    result = env.run(env.stock_flow(), env.write("c.xml", _stock_xml(rows)))
    assert result.applied == 1
    reasons = {n.record.line: n.message for n in result.rejected}
    assert "unknown SKU: no product GHOST in Magento" in reasons[3]
    assert "unknown source: Magento has no source 'nowhere'" in reasons[4]
