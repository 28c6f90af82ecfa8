"""The stock flow over HTTP against the sandbox: MSI batches, deltas, stale values."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest

from bridge.config import CsvOptions
from bridge.errors import MagentoUnavailableError
from bridge.sandbox._seed import _product as seed_product
from tests.flows._catalog_env import MTIME, CatalogEnv, env

__all__ = ["env"]  # the fixture, imported for pytest

CP1252 = CsvOptions(encoding="cp1252", decimal_separator=",")


def _catalog(sandbox: Any, skus: list[str]) -> None:
    """Staff's catalogue: products that exist in Magento before any stock arrives."""
    with sandbox.shop.lock:
        for sku in skus:
            seed_product(sandbox.shop, sku, f"Product {sku}", "10.00")


def _stock_xml(rows: list[dict[str, str]], generated: str | None = None) -> str:
    gen = f' generated="{generated}"' if generated else ""
    body = "".join(
        "<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in row.items()) + "</item>\n"
        for row in rows
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<stock{gen}>\n{body}</stock>\n'


def _msi_calls(env: CatalogEnv) -> list[dict[str, Any]]:
    return env.writes("/V1/inventory/source-items")


@pytest.mark.slow
def test_cp1252_snapshot_of_10000_rows_in_ceil_batches(
    env: CatalogEnv, sandbox: Any
) -> None:
    """10,000 cp1252 rows with ';' and decimal commas go in ceil(n/batch) MSI calls."""
    skus = [f"ÅRT-{i:05d}" for i in range(10_000)]
    _catalog(sandbox, skus)
    env.configure(concurrency=8, batch_size=20)
    lines = ["sku;qty"] + [f"{s};{i % 50},{i % 4 * 25}" for i, s in enumerate(skus)]
    path = env.write("lager.csv", "\r\n".join(lines) + "\r\n", encoding="cp1252")
    env.forget()
    result = env.run(env.stock_flow(), path, csv=CP1252)
    assert (result.applied, result.stale, result.rejected) == (10_000, 0, [])
    calls = _msi_calls(env)
    assert len(calls) == math.ceil(10_000 / 20)
    assert all(len(c["body"]["sourceItems"]) == 20 for c in calls)
    assert env.source_qty("ÅRT-00007") == (7.75, 1)
    assert env.source_qty("ÅRT-00000") == (0.0, 0)

    # A second, older file for the same SKUs changes nothing.
    env.forget()
    older = [f"{s};999" for s in skus]
    old_path = env.write(
        "lager-old.csv", "sku;qty\n" + "\n".join(older) + "\n", encoding="cp1252"
    )
    stale = env.run(
        env.stock_flow(), old_path, csv=CP1252, mtime=MTIME - timedelta(hours=1)
    )
    assert (stale.applied, stale.stale, stale.unchanged) == (0, 10_000, 0)
    assert env.requests() == []
    assert env.source_qty("ÅRT-00007") == (7.75, 1)
    assert len([n for n in stale.notes if n.outcome == "stale"]) == 1000
    assert any("stale" in w for w in stale.warnings)

    # A newer file where 37 quantities changed sends only those, in 2 calls.
    changed = {f"ÅRT-{i:05d}" for i in range(0, 3700, 100)}
    newer = [
        f"{s};{'5' if s in changed else f'{i % 50},{i % 4 * 25}'}"
        for i, s in enumerate(skus)
    ]
    new_path = env.write(
        "lager-new.csv", "sku;qty\n" + "\n".join(newer) + "\n", encoding="cp1252"
    )
    delta = env.run(
        env.stock_flow(), new_path, csv=CP1252, mtime=MTIME + timedelta(hours=1)
    )
    assert (delta.applied, delta.unchanged) == (37, 10_000 - 37)
    assert len(_msi_calls(env)) == math.ceil(37 / 20)
    sent = {i["sku"] for c in _msi_calls(env) for i in c["body"]["sourceItems"]}
    assert sent == changed


def test_unknown_sku_rejects_only_its_record(env: CatalogEnv, sandbox: Any) -> None:
    """A batch refused for one unknown SKU is split; only that record is rejected."""
    _catalog(sandbox, [f"S-{i}" for i in range(8)])
    env.configure(batch_size=8, concurrency=1)
    rows = [{"sku": f"S-{i}", "qty": str(i)} for i in range(8)]
    rows[5] = {"sku": "NOPE", "qty": "3"}
    result = env.run(env.stock_flow(), env.write("s.xml", _stock_xml(rows)))
    assert [n.record.key for n in result.rejected] == ["NOPE"]
    assert "Could not save Source Item" in result.rejected[0].message
    assert result.rejected[0].record.line == 8
    assert result.applied == 7
    # 1 refused batch of 8, halves 4+4, then 2+2 and 1+1 inside the refused half.
    assert len(_msi_calls(env)) == 1 + 2 + 2 + 2
    assert env.source_qty("S-7") == (7.0, 1)


def test_status_is_always_sent(env: CatalogEnv, sandbox: Any) -> None:
    """Status 0 goes with qty 0 and 1 with any positive qty."""
    _catalog(sandbox, ["Z-1", "Z-2"])
    rows = [{"sku": "Z-1", "qty": "0"}, {"sku": "Z-2", "qty": "0.5"}]
    env.run(env.stock_flow(), env.write("z.xml", _stock_xml(rows)))
    (call,) = _msi_calls(env)
    assert call["body"]["sourceItems"] == [
        {"sku": "Z-1", "source_code": "default", "quantity": 0, "status": 0},
        {"sku": "Z-2", "source_code": "default", "quantity": 0.5, "status": 1},
    ]


def test_newest_value_wins_inside_a_file(env: CatalogEnv, sandbox: Any) -> None:
    """A later line wins; a later line with an older updated_at is noted stale."""
    _catalog(sandbox, ["A", "B"])
    rows = [
        {"sku": "A", "qty": "1", "updated_at": "2026-11-26T10:00:00Z"},
        {"sku": "B", "qty": "5", "updated_at": "2026-11-26T10:00:00Z"},
        {"sku": "A", "qty": "2", "updated_at": "2026-11-26T11:00:00Z"},
        {"sku": "B", "qty": "6", "updated_at": "2026-11-26T09:00:00Z"},
    ]
    result = env.run(env.stock_flow(), env.write("n.xml", _stock_xml(rows)))
    assert env.source_qty("A") == (2.0, 1)
    assert env.source_qty("B") == (5.0, 1)
    notes = sorted((n.record.line, n.outcome) for n in result.notes)
    assert notes == [(3, "duplicate"), (6, "stale")]
    assert result.stale == 1
    assert result.applied == 2


def test_out_of_order_files_by_updated_at(env: CatalogEnv, sandbox: Any) -> None:
    """A file arriving late with older updated_at values leaves newer stock alone."""
    _catalog(sandbox, ["A", "B"])
    new = [
        {"sku": "A", "qty": "9", "updated_at": "2026-11-26T12:00:00Z"},
        {"sku": "B", "qty": "9", "updated_at": "2026-11-26T12:00:00Z"},
    ]
    old = [
        {"sku": "A", "qty": "1", "updated_at": "2026-11-26T08:00:00Z"},
        {"sku": "B", "qty": "1", "updated_at": "2026-11-26T13:00:00Z"},
    ]
    env.run(env.stock_flow(), env.write("new.xml", _stock_xml(new)))
    env.forget()
    result = env.run(env.stock_flow(), env.write("old.xml", _stock_xml(old)))
    assert (result.applied, result.stale) == (1, 1)
    assert env.source_qty("A") == (9.0, 1)
    assert env.source_qty("B") == (1.0, 1)
    (call,) = _msi_calls(env)
    assert [i["sku"] for i in call["body"]["sourceItems"]] == ["B"]


def test_generated_attribute_orders_files(env: CatalogEnv, sandbox: Any) -> None:
    """Without updated_at, the file's generated time decides what is stale."""
    _catalog(sandbox, ["G"])
    env.run(
        env.stock_flow(),
        env.write(
            "g2.xml", _stock_xml([{"sku": "G", "qty": "4"}], "2026-11-26T12:00:00Z")
        ),
    )
    result = env.run(
        env.stock_flow(),
        env.write(
            "g1.xml", _stock_xml([{"sku": "G", "qty": "8"}], "2026-11-26T11:00:00Z")
        ),
        mtime=MTIME + timedelta(days=1),
    )
    assert result.stale == 1
    assert env.source_qty("G") == (4.0, 1)


def test_per_source_values_are_independent(env: CatalogEnv, sandbox: Any) -> None:
    """The same SKU at two sources is two values, each sent and remembered."""
    _catalog(sandbox, ["W"])
    env.http.post("/sandbox/config", json={"sources": ["north"]}).raise_for_status()
    rows = [{"sku": "W", "qty": "3"}, {"sku": "W", "qty": "4", "source": "north"}]
    result = env.run(env.stock_flow(), env.write("w.xml", _stock_xml(rows)))
    assert result.applied == 2
    assert env.source_qty("W") == (3.0, 1)
    assert env.source_qty("W", "north") == (4.0, 1)


def test_legacy_stock_items_with_is_in_stock(env: CatalogEnv, sandbox: Any) -> None:
    """Legacy mode PUTs stockItems with is_in_stock; the item id is looked up once."""
    _catalog(sandbox, ["L-1"])
    env.configure(inventory="legacy")
    env.run(
        env.stock_flow(), env.write("l1.xml", _stock_xml([{"sku": "L-1", "qty": "0"}]))
    )
    env.run(
        env.stock_flow(),
        env.write("l2.xml", _stock_xml([{"sku": "L-1", "qty": "6"}])),
        mtime=MTIME + timedelta(minutes=1),
    )
    seen = [(r["method"], r["path"]) for r in env.requests()]
    item_id = sandbox.shop.data["products"]["L-1"]["extension_attributes"][
        "stock_item"
    ]["item_id"]
    assert seen == [
        ("GET", "/rest/V1/stockItems/L-1"),
        ("PUT", f"/rest/V1/products/L-1/stockItems/{item_id}"),
        ("PUT", f"/rest/V1/products/L-1/stockItems/{item_id}"),
    ]
    bodies = [r["body"] for r in env.requests() if r["method"] == "PUT"]
    assert bodies == [
        {"stockItem": {"qty": 0, "is_in_stock": False}},
        {"stockItem": {"qty": 6, "is_in_stock": True}},
    ]
    stock = env.admin("GET", "/V1/stockItems/L-1")
    assert (stock["qty"], stock["is_in_stock"]) == (6, True)


def test_legacy_unknown_sku_is_rejected(env: CatalogEnv, sandbox: Any) -> None:
    """In legacy mode an unknown SKU's 404 rejects that record; the rest is applied."""
    _catalog(sandbox, ["L-2"])
    env.configure(inventory="legacy")
    rows = [{"sku": "GONE", "qty": "1"}, {"sku": "L-2", "qty": "2"}]
    result = env.run(env.stock_flow(), env.write("l.xml", _stock_xml(rows)))
    assert [n.record.key for n in result.rejected] == ["GONE"]
    assert result.applied == 1


def test_outage_midway_releases_the_staging_and_resumes(
    env: CatalogEnv, sandbox: Any
) -> None:
    """A 503 mid-file gives the staging connection back; the retry sends the rest."""
    _catalog(sandbox, [f"O-{i}" for i in range(6)])
    env.configure(batch_size=2, concurrency=1)
    rows = [{"sku": f"O-{i}", "qty": str(i + 1)} for i in range(6)]
    path = env.write("o.xml", _stock_xml(rows))
    file_id = env.start(path, "stock")
    flow = env.stock_flow()
    env.faults(status=503, count=1, paths="/inventory/source-items")
    with pytest.raises(MagentoUnavailableError):
        env.run(flow, path, file_id=file_id)
    assert env.ledger.db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    env.faults()
    env.forget()
    result = env.run(flow, path, file_id=file_id)
    assert (result.applied, result.unchanged, result.rejected) == (6, 0, [])
    sent = [i["sku"] for c in _msi_calls(env) for i in c["body"]["sourceItems"]]
    assert sorted(sent) == ["O-0", "O-1"]
    assert env.source_qty("O-5") == (6.0, 1)
    assert env.ledger.db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
