"""Bundles in the shipments flow: every kind ships and invoices, by bundle or selection SKU."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.flows._shipment_env import (  # noqa: F401 (the fixtures run, settings)
    Runner,
    by_order,
    delivery,
    order_now,
    place_order,
    shipments_run,
    shipments_settings,
)

KINDS = [
    pytest.param(
        separately, price, id=f"{'separately' if separately else 'together'}-{price}"
    )
    for separately in (False, True)
    for price in ("fixed", "dynamic")
]
# Two kits of one KIT-A and two KIT-B each.
BY_BUNDLE = [("KIT", "2")]
BY_SELECTIONS = [("KIT-A", "2"), ("KIT-B", "4")]


def _kit_order(sandbox: Any, separately: bool, price: str) -> dict[str, Any]:
    spec = {
        "customer": {"email": "anna@example.com", "firstname": "Anna"},
        "items": [
            {
                "sku": "KIT",
                "qty": 2,
                "price": 40,
                "tax_percent": 25,
                "bundle": {
                    "ship_separately": separately,
                    "price_type": price,
                    "children": [
                        {"sku": "KIT-A", "qty": 1, "price": 20},
                        {"sku": "KIT-B", "qty": 2, "price": 10},
                    ],
                },
            },
            {"sku": "PLAIN", "qty": 1, "price": 15, "tax_percent": 25},
        ],
        "shipping_amount": 49,
        "payment_method": "sveawebpay_invoice",
        "invoice_fee": 29,
    }
    return place_order(sandbox, spec)


@pytest.mark.parametrize(
    "lines", [BY_BUNDLE, BY_SELECTIONS], ids=["bundle", "selections"]
)
@pytest.mark.parametrize(("separately", "price"), KINDS)
def test_bundle_ships_and_invoices_in_full(
    run: Runner,
    sandbox: Any,
    separately: bool,
    price: str,
    lines: list[tuple[str, str]],
) -> None:
    """A bundle's delivery ships every unit and invoices the bundle's whole amount."""
    order = _kit_order(sandbox, separately, price)
    order_id = int(order["entity_id"])
    result = run.apply(delivery("DN-KIT", order, [*lines, ("PLAIN", "1")], None))

    assert result.rejected == []
    assert result.applied == 1
    shipments = by_order(sandbox, "shipments", order_id)
    invoices = by_order(sandbox, "invoices", order_id)
    assert len(shipments) == 1
    assert len(invoices) == 1
    assert Decimal(str(invoices[0]["grand_total"])) == Decimal(
        str(order["grand_total"])
    )
    now = order_now(sandbox, order_id)
    assert now["state"] == "complete"
    shipped = {
        i["sku"]: Decimal(str(i["qty_shipped"]))
        for i in now["items"]
        if i.get("parent_item_id")
    }
    assert shipped == {"KIT-A": Decimal(2), "KIT-B": Decimal(4)}


@pytest.mark.parametrize(("separately", "price"), KINDS)
def test_bundle_part_deliveries_invoice_what_shipped(
    run: Runner, sandbox: Any, separately: bool, price: str
) -> None:
    """One kit, then the other: two shipments, two invoices adding up to the order."""
    order = _kit_order(sandbox, separately, price)
    order_id = int(order["entity_id"])
    first = run.apply(delivery("DN-K1", order, [("KIT", "1"), ("PLAIN", "1")], None))
    second = run.apply(delivery("DN-K2", order, [("KIT-A", "1"), ("KIT-B", "2")], None))

    assert first.rejected == []
    assert second.rejected == []
    totals = [
        Decimal(str(i["grand_total"])) for i in by_order(sandbox, "invoices", order_id)
    ]
    assert len(totals) == 2
    assert sum(totals) == Decimal(str(order["grand_total"]))
    assert order_now(sandbox, order_id)["state"] == "complete"
