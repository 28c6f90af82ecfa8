"""`bridge process FILE` reports the file it applied and nothing it did not run."""

from __future__ import annotations

from tests.e2e.conftest import BridgeHome

STOCK = "sku,qty\nPROC-1,3\n"


def test_process_prints_the_file_outcome_and_no_order_export(home: BridgeHome) -> None:
    """The summary has the file's line; no 'orders exported' line, as no poll ran."""
    home.magento(
        "POST",
        "/rest/all/V1/products",
        json={
            "product": {
                "sku": "PROC-1",
                "name": "Process widget",
                "price": 5,
                "attribute_set_id": 4,
                "type_id": "simple",
            }
        },
    )
    drop = home.root / "stock.csv"
    drop.write_text(STOCK, encoding="utf-8")
    run = home.cli("process", str(drop), "--kind", "stock")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[0].startswith("stock/stock.csv: done -> ")
    assert "orders exported" not in run.stdout
    assert not any(r["path"].endswith("/V1/orders") for r in home.requests())
