"""Magento's source quantity ends on the ERP's figure, however stock and deliveries mix.

Each test drives the real pipeline against the sandbox, whose MSI deducts a shipment's
quantity from its source and refuses the shipment when the source is short.
"""

from __future__ import annotations

from decimal import Decimal

import httpx

from tests.conftest import SANDBOX_TOKEN
from tests.usecases.conftest import Home, products_xml

T0 = "2026-01-01T08:00:00Z"  # before the delivery
T_SHIP = "2026-01-02T08:00:00Z"  # the delivery
T2 = "2026-01-03T08:00:00Z"  # after the delivery
T3 = "2026-01-04T08:00:00Z"


def _stock(sku: str, qty: int, generated: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<stock generated="{generated}">'
        f"<item><sku>{sku}</sku><qty>{qty}</qty></item></stock>\n"
    )


def _delivery(sid: str, order: str, sku: str, qty: int, shipped_at: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<shipments><shipment>'
        f"<shipment_id>{sid}</shipment_id><order_number>{order}</order_number>"
        f"<shipped_at>{shipped_at}</shipped_at>"
        f"<lines><line><sku>{sku}</sku><qty>{qty}</qty></line></lines>"
        "</shipment></shipments>\n"
    )


def _order(home: Home, sku: str, qty: int) -> str:
    answer = httpx.post(
        f"{home.sandbox_url}/sandbox/orders",
        json={
            "customer": {"email": "anna@example.com", "firstname": "Anna"},
            "items": [{"sku": sku, "qty": qty, "price": 10, "tax_percent": 25}],
            "shipping_amount": 0,
        },
        timeout=10,
    )
    answer.raise_for_status()
    return str(answer.json()["increment_id"])


def _quantity(home: Home, sku: str, source: str = "default") -> Decimal:
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "sku",
        "searchCriteria[filter_groups][0][filters][0][value]": sku,
    }
    answer = httpx.get(
        f"{home.sandbox_url}/rest/V1/inventory/source-items",
        params=params,
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        timeout=10,
    )
    answer.raise_for_status()
    found = [i for i in answer.json()["items"] if i["source_code"] == source]
    return Decimal(str(found[0]["quantity"]))


def _apply(home: Home, kind: str, name: str, data: str) -> str:
    view = home.ops.process(home.drop(kind, name, data), kind)
    return view.status


def _catalogue(home: Home, sku: str, qty: int) -> None:
    """Create the SKU and give it an ERP figure dated before the delivery."""
    assert _apply(home, "products", "p.xml", products_xml(sku)) == "done"
    assert _apply(home, "stock", "s0.xml", _stock(sku, qty, T0)) == "done"


def test_zero_dated_after_the_delivery_applied_first_does_not_refuse_it(
    home: Home,
) -> None:
    """An on-hand 0 written after the last 2 units shipped, applied first, ships them."""
    _catalogue(home, "SFE-A", 2)
    order = _order(home, "SFE-A", 2)
    assert _apply(home, "stock", "s1.xml", _stock("SFE-A", 0, T2)) == "done"
    assert _quantity(home, "SFE-A") == 0
    shipped = _apply(
        home, "shipments", "d.xml", _delivery("DN-A", order, "SFE-A", 2, T_SHIP)
    )
    assert shipped == "done"
    assert _quantity(home, "SFE-A") == 0


def test_figure_delivery_same_figure_ends_on_the_figure(home: Home) -> None:
    """The ERP's figure, then the delivery it reflected, then that figure again: no drift."""
    _catalogue(home, "SFE-B", 7)
    order = _order(home, "SFE-B", 2)
    assert _apply(home, "stock", "s1.xml", _stock("SFE-B", 5, T2)) == "done"
    delivery = _delivery("DN-B", order, "SFE-B", 2, T_SHIP)
    assert _apply(home, "shipments", "d.xml", delivery) == "done"
    assert _quantity(home, "SFE-B") == 5
    assert _apply(home, "stock", "s2.xml", _stock("SFE-B", 5, T3)) == "done"
    assert _quantity(home, "SFE-B") == 5


def test_figure_dated_before_a_shipped_delivery_is_lowered_by_it(home: Home) -> None:
    """A figure dated before a delivery that arrives after it lands minus the delivery."""
    _catalogue(home, "SFE-C", 7)
    order = _order(home, "SFE-C", 2)
    delivery = _delivery("DN-C", order, "SFE-C", 2, T_SHIP)
    assert _apply(home, "shipments", "d.xml", delivery) == "done"
    assert _quantity(home, "SFE-C") == 5
    # Dated between the first figure and the delivery: 6 before shipping, 4 after.
    assert (
        _apply(home, "stock", "s1.xml", _stock("SFE-C", 6, "2026-01-01T12:00:00Z"))
        == "done"
    )
    assert _quantity(home, "SFE-C") == 4


def test_old_figure_sent_again_after_a_delivery_is_not_unchanged(home: Home) -> None:
    """After MSI deducted a delivery, the old figure sent again (restocked) is written."""
    _catalogue(home, "SFE-D", 7)
    order = _order(home, "SFE-D", 2)
    delivery = _delivery("DN-D", order, "SFE-D", 2, T_SHIP)
    assert _apply(home, "shipments", "d.xml", delivery) == "done"
    assert _quantity(home, "SFE-D") == 5
    assert _apply(home, "stock", "s1.xml", _stock("SFE-D", 7, T2)) == "done"
    assert _quantity(home, "SFE-D") == 7


def test_really_short_delivery_stays_pending_and_says_how_much(home: Home) -> None:
    """A delivery the source cannot cover stays pending, names the source and its qty."""
    _catalogue(home, "SFE-E", 2)
    order = _order(home, "SFE-E", 2)
    # The ERP had only 1 before the delivery (dated before it, so not reflected).
    assert (
        _apply(home, "stock", "s1.xml", _stock("SFE-E", 1, "2026-01-01T12:00:00Z"))
        == "done"
    )
    delivery = _delivery("DN-E", order, "SFE-E", 2, T_SHIP)
    path = home.drop("shipments", "d.xml", delivery)
    view = home.ops.process(path, "shipments")
    assert view.status == "pending"
    assert view.error is not None
    assert "SKU SFE-E at source default: 1 in Magento, delivery needs 2" in view.error
    assert _quantity(home, "SFE-E") == 1
    # The next stock file covers it; the retried delivery ships.
    assert (
        _apply(home, "stock", "s2.xml", _stock("SFE-E", 3, "2026-01-01T18:00:00Z"))
        == "done"
    )
    retried = home.ops.process(
        path if path.exists() else home.drop("shipments", "d.xml", delivery),
        "shipments",
    )
    assert retried.status == "done"
    assert _quantity(home, "SFE-E") == 1
