"""Money in the shipments flow against the sandbox: held invoices and the derived fee."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from click.testing import CliRunner

from bridge.cli import cli
from bridge.usecases.held_invoices import resolve_held
from tests.flows._shipment_env import (  # noqa: F401 (the fixtures run, settings)
    Runner,
    by_order,
    delivery,
    place_order,
    shipments_run,
    shipments_settings,
)

ONLINE = "sveawebpay_invoice"  # an online method: a capture makes a transaction


def _order(sandbox: Any, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "customer": {"email": "anna@example.com", "firstname": "Anna"},
        "items": [
            {"sku": "A-1", "qty": 3, "price": 100, "tax_percent": 25},
            {"sku": "B-2", "qty": 1, "price": 59.9, "tax_percent": 12},
        ],
        "shipping_amount": 49,
        "payment_method": ONLINE,
        "invoice_fee": 29,
    }
    spec.update(extra)
    return place_order(sandbox, spec)


def _invoice_posts(sandbox: Any) -> int:
    log = httpx.get(f"{sandbox.url}/sandbox/requests", timeout=30).json()
    return sum(
        1 for e in log if e["method"] == "POST" and e["path"].endswith("/invoice")
    )


def _grand_totals(sandbox: Any, order_id: int) -> list[Decimal]:
    return [
        Decimal(str(i["grand_total"])) for i in by_order(sandbox, "invoices", order_id)
    ]


def test_derived_fee_counts_shipping_discount_tax_compensation(
    run: Runner, sandbox: Any
) -> None:
    """A freight discount incl. tax is no part of the derived invoice fee."""
    order = _order(
        sandbox,
        items=[{"sku": "A-1", "qty": 2, "price": 125, "tax_percent": 25}],
        shipping_amount=62.5,
        shipping_discount_amount=12.5,
        prices_include_tax=True,
    )
    assert Decimal(str(order["shipping_discount_tax_compensation_amount"])) > 0
    result = run.apply(delivery("DN-FEE", order, [("A-1", "2")], None))

    assert result.warnings == []
    step = run.ledger.shipments.get("DN-FEE")
    assert step is not None
    assert step.fee == Decimal("29")


def test_hold_ships_but_neither_invoices_nor_captures(
    run: Runner, sandbox: Any
) -> None:
    """With hold, an ERP amount that differs ships the delivery and holds the invoice."""
    order = _order(sandbox)
    result = run.apply(delivery("DN-H", order, [("A-1", "3")], "100.00"), hold=True)

    assert _invoice_posts(sandbox) == 0
    step = run.ledger.shipments.get("DN-H")
    assert step is not None
    assert step.state == "held"
    assert step.magento_shipment_id
    assert "invoice held" in (step.message or "")
    assert any("invoice held" in w for w in result.warnings)
    again = run.apply(delivery("DN-H", order, [("A-1", "3")], "100.00"), hold=True)
    assert again.unchanged == 1
    assert _invoice_posts(sandbox) == 0


def test_hold_invoices_when_amounts_agree_on_part_deliveries(
    run: Runner, sandbox: Any
) -> None:
    """Amounts equal to Magento's invoices (learnt on a twin order) are not held."""
    spec: dict[str, Any] = {"discount_amount": 30, "prices_include_tax": True}
    twin, order = _order(sandbox, **spec), _order(sandbox, **spec)
    parts = [[("A-1", "1")], [("A-1", "2"), ("B-2", "1")]]
    for n, lines in enumerate(parts):
        run.apply(delivery(f"TW-{n}", twin, lines, None))
    totals = _grand_totals(sandbox, int(twin["entity_id"]))

    for n, (lines, total) in enumerate(zip(parts, totals, strict=True)):
        result = run.apply(delivery(f"DN-{n}", order, lines, str(total)), hold=True)
        assert result.warnings == []
    assert _grand_totals(sandbox, int(order["entity_id"])) == totals


def test_release_invoices_a_held_delivery(run: Runner, sandbox: Any) -> None:
    """Releasing a held invoice captures it as Magento computes and reports the gap."""
    order = _order(sandbox)
    run.apply(delivery("DN-R", order, [("A-1", "3")], "100.00"), hold=True)

    view = resolve_held(
        run.settings, run.ledger, "DN-R", "release", note="price agreed", who="ops"
    )
    assert view.refused is None
    assert "captured" in view.detail
    step = run.ledger.shipments.get("DN-R")
    assert step is not None
    assert step.state == "invoiced"
    assert step.mismatch
    assert _invoice_posts(sandbox) == 1
    twice = resolve_held(
        run.settings, run.ledger, "DN-R", "release", note="again", who="ops"
    )
    assert twice.refused is not None
    assert _invoice_posts(sandbox) == 1


def test_status_lists_held_and_resolve_closes_it(run: Runner, sandbox: Any) -> None:
    """`bridge status` lists a held invoice; `bridge resolve --close` closes it."""
    order = _order(sandbox)
    run.apply(delivery("DN-C", order, [("A-1", "3")], "100.00"), hold=True)
    config = str(run.settings.root / "bridge.toml")

    status = CliRunner().invoke(cli, ["status", "--config", config])
    assert status.exit_code == 1
    assert "invoices held" in status.output
    assert "DN-C" in status.output
    closed = CliRunner().invoke(
        cli,
        [
            "resolve",
            "--shipment",
            "DN-C",
            "--close",
            "--note",
            "by hand",
            "--config",
            config,
        ],
    )
    assert closed.exit_code == 0, closed.output
    step = run.ledger.shipments.get("DN-C")
    assert step is not None
    assert step.state == "closed"
    run.apply(delivery("DN-C", order, [("A-1", "3")], "100.00"), hold=True)
    assert _invoice_posts(sandbox) == 0
