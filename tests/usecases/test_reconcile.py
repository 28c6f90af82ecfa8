"""Drift repaired against the sandbox: `bridge reconcile stock|products`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from click.testing import CliRunner

from bridge.cli import cli
from tests.conftest import SANDBOX_TOKEN
from tests.usecases.conftest import Home, products_xml


def _admin(home: Home, method: str, path: str, body: Any = None) -> Any:
    """Change Magento as staff would, through its REST API."""
    answer = httpx.request(
        method,
        f"{home.sandbox_url}/rest/all/V1{path}",
        json=body,
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()


def _stock(skus: dict[str, int]) -> str:
    items = "".join(
        f"<item><sku>{s}</sku><qty>{q}</qty></item>" for s, q in skus.items()
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<stock>{items}</stock>\n'


def _quantity(home: Home, sku: str) -> Decimal:
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "sku",
        "searchCriteria[filter_groups][0][filters][0][value]": sku,
    }
    found = _admin_get(home, "/inventory/source-items", params)["items"]
    return Decimal(str(found[0]["quantity"]))


def _admin_get(home: Home, path: str, params: dict[str, str]) -> Any:
    answer = httpx.get(
        f"{home.sandbox_url}/rest/all/V1{path}",
        params=params,
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()


def _seed(home: Home) -> None:
    path = home.drop("products", "p.xml", products_xml("REC-1", "REC-2"))
    assert home.ops.process(path, "products").status == "done"
    path = home.drop("stock", "s.xml", _stock({"REC-1": 30, "REC-2": 4}))
    assert home.ops.process(path, "stock").status == "done"


def test_stock_changed_in_the_admin_is_written_back(home: Home) -> None:
    """Magento at 22 while the ERP said 30: reconcile writes 30 back, REC-2 untouched."""
    _seed(home)
    item = {"sku": "REC-1", "source_code": "default", "quantity": 22, "status": 1}
    _admin(home, "POST", "/inventory/source-items", {"sourceItems": [item]})
    report = home.ops.reconcile("stock")
    assert (report.checked, report.drifted, report.fixed, report.failed) == (
        2,
        1,
        1,
        [],
    )
    assert report.details == ["stock REC-1 at default: 22 -> 30"]
    assert _quantity(home, "REC-1") == 30
    assert _quantity(home, "REC-2") == 4


def test_name_and_price_changed_in_the_admin_are_drift(home: Home) -> None:
    """A name and price edited by staff go back to the ERP's; status stays as set."""
    _seed(home)
    change = {"sku": "REC-2", "name": "Renamed", "price": 1, "status": 1}
    _admin(home, "PUT", "/products/REC-2", {"product": change})
    report = home.ops.reconcile("products", ["REC-2"])
    assert (report.checked, report.drifted, report.fixed) == (1, 1, 1)
    product = _admin(home, "GET", "/products/REC-2")
    assert product["name"] == "Widget REC-2"
    assert Decimal(str(product["price"])) == Decimal("12.50")
    assert product["status"] == 1


def test_cli_reports_counts_and_exit_code(home: Home) -> None:
    """`bridge reconcile stock --sku` prints the drift and counts and exits 0."""
    _seed(home)
    item = {"sku": "REC-2", "source_code": "default", "quantity": 9, "status": 1}
    _admin(home, "POST", "/inventory/source-items", {"sourceItems": [item]})
    config = str(home.root / "bridge.toml")
    args = ["reconcile", "stock", "--sku", "REC-2", "--config", config]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "stock REC-2 at default: 9 -> 4" in result.output
    assert "stock: 1 checked, 1 drifted, 1 fixed, 0 not fixed" in result.output
    assert _quantity(home, "REC-2") == 4


def test_cli_exits_1_when_a_value_cannot_be_fixed(home: Home) -> None:
    """A product the ledger knows but Magento lost is reported and exits 1."""
    _seed(home)
    _admin(home, "DELETE", "/products/REC-1")
    config = str(home.root / "bridge.toml")
    result = CliRunner().invoke(cli, ["reconcile", "products", "--config", config])
    assert result.exit_code == 1, result.output
    assert "not fixed: product REC-1: not in Magento" in result.output


def test_service_reconciles_on_its_schedule(home: Home) -> None:
    """With runtime.reconcile_hours set, a service tick repairs drift once per period."""
    from bridge.runtime import build
    from bridge.runtime.worker import Service

    _seed(home)
    item = {"sku": "REC-1", "source_code": "default", "quantity": 22, "status": 1}
    home.reconfigure({"runtime": {"reconcile_hours": 1}})
    clock = [1000.0]
    comps = build(home.settings)
    try:
        service = Service(comps, monotonic=lambda: clock[0])
        _admin(home, "POST", "/inventory/source-items", {"sourceItems": [item]})
        service.tick(export=False)
        assert _quantity(home, "REC-1") == 30
        _admin(home, "POST", "/inventory/source-items", {"sourceItems": [item]})
        clock[0] += 1800  # half an hour: not due yet
        service.tick(export=False)
        assert _quantity(home, "REC-1") == 22
        clock[0] += 1801
        service.tick(export=False)
        assert _quantity(home, "REC-1") == 30
    finally:
        comps.close()
