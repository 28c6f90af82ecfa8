"""Ship and invoice follow Magento's validation, totals split and state rules."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

OrderFactory = Callable[..., dict[str, Any]]
THREE_LINES = {
    "customer": {"email": "kim@example.com", "firstname": "Kim", "lastname": "Berg"},
    "items": [
        {"sku": "BOLT", "qty": 3, "price": "33.33", "tax_percent": 25},
        {
            "sku": "TEE-L",
            "parent_sku": "TEE",
            "qty": 2,
            "price": "149.90",
            "tax_percent": 25,
        },
        {"sku": "BOOK", "qty": 1, "price": "89.00", "tax_percent": 6},
    ],
    "shipping_amount": "49",
    "payment_method": "sveawebpay_invoice",
    "invoice_fee": "29",
    "discount_amount": "17",
}


def _lines(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Shippable lines (no parent) by SKU."""
    return {ln["sku"]: ln for ln in order["items"] if "parent_item_id" not in ln}


def _ship(
    api: httpx.Client, order_id: int, items: list[dict[str, Any]], **extra: Any
) -> httpx.Response:
    body = {
        "items": items,
        "notify": False,
        "tracks": [
            {"track_number": "TRK-1", "title": "PostNord", "carrier_code": "custom"}
        ],
        **extra,
    }
    return api.post(f"/rest/V1/order/{order_id}/ship", json=body)


def _invoice(
    api: httpx.Client, order_id: int, items: list[dict[str, Any]], **extra: Any
) -> httpx.Response:
    return api.post(
        f"/rest/V1/order/{order_id}/invoice",
        json={"capture": True, "notify": False, "items": items, **extra},
    )


def _get(api: httpx.Client, path: str) -> Any:
    response = api.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def test_two_part_delivery_scenario(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """Two invoices sum to the order total; only the first has freight and fee."""
    order = place_order(**THREE_LINES)
    oid, lines = order["entity_id"], _lines(order)
    first = [
        {"order_item_id": lines["BOLT"]["item_id"], "qty": 1},
        {"order_item_id": lines["TEE-L"]["item_id"], "qty": 2},
    ]
    second = [
        {"order_item_id": lines["BOLT"]["item_id"], "qty": 2},
        {"order_item_id": lines["BOOK"]["item_id"], "qty": 1},
    ]
    assert _ship(api, oid, first).status_code == 200
    inv1 = _invoice(api, oid, first)
    assert inv1.status_code == 200
    assert isinstance(inv1.json(), int)
    middle = _get(api, f"/rest/V1/orders/{oid}")
    assert (middle["state"], middle["status"]) == ("processing", "processing")
    assert _ship(api, oid, second).status_code == 200
    inv2 = _invoice(api, oid, second)
    one = _get(api, f"/rest/V1/invoices/{inv1.json()}")
    two = _get(api, f"/rest/V1/invoices/{inv2.json()}")
    total = Decimal(str(one["grand_total"])) + Decimal(str(two["grand_total"]))
    assert total == Decimal(str(order["grand_total"]))
    assert (one["shipping_amount"], one["extension_attributes"]["invoice_fee"]) == (
        49,
        29,
    )
    assert (two["shipping_amount"], two["extension_attributes"]["invoice_fee"]) == (
        0,
        0,
    )
    assert (one["shipping_tax_amount"], two["shipping_tax_amount"]) == (12.25, 0)
    final = _get(api, f"/rest/V1/orders/{oid}")
    assert (final["state"], final["status"]) == ("complete", "complete")
    assert final["total_invoiced"] == order["grand_total"]
    assert final["shipping_invoiced"] == 49
    assert final["tax_invoiced"] == order["tax_amount"]


def test_prorated_tax_and_discount_last_invoice_absorbs(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """Invoicing 1+1+1 of a line splits its tax and discount with the remainder last."""
    order = place_order(
        items=[{"sku": "X", "qty": 3, "price": "10.00", "tax_percent": 25}],
        discount_amount="1",
    )
    oid, line = order["entity_id"], order["items"][0]
    ids = [
        _invoice(api, oid, [{"order_item_id": line["item_id"], "qty": 1}]).json()
        for _ in range(3)
    ]
    invoices = [_get(api, f"/rest/V1/invoices/{i}") for i in ids]
    # line tax (30-1)*25% = 7.25 -> 2.42, 2.42, 2.41
    # discount 1 -> 0.33, then 0.67/2 = 0.335 -> 0.34, then the rest 0.33
    assert [i["tax_amount"] for i in invoices] == [2.42, 2.42, 2.41]
    assert [i["discount_amount"] for i in invoices] == [-0.33, -0.34, -0.33]
    assert sum(Decimal(str(i["grand_total"])) for i in invoices) == Decimal(
        str(order["grand_total"])
    )


def test_configurable_shipped_and_invoiced_on_parent(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """Shipping the parent leaves the child's qty_shipped at 0."""
    order = place_order(**THREE_LINES)
    parent = _lines(order)["TEE-L"]
    items = [{"order_item_id": parent["item_id"], "qty": 2}]
    assert _ship(api, order["entity_id"], items).status_code == 200
    assert _invoice(api, order["entity_id"], items).status_code == 200
    after = {
        ln["item_id"]: ln
        for ln in _get(api, f"/rest/V1/orders/{order['entity_id']}")["items"]
    }
    child = next(
        ln for ln in after.values() if ln.get("parent_item_id") == parent["item_id"]
    )
    assert after[parent["item_id"]]["qty_shipped"] == 2
    assert after[parent["item_id"]]["qty_invoiced"] == 2
    assert child["qty_shipped"] == 0


def test_capture_records_a_transaction(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """capture:true on an online method records transaction_id and amount_paid."""
    order = place_order(payment_method="klarna_kp")
    invoice_id = _invoice(api, order["entity_id"], []).json()
    invoice = _get(api, f"/rest/V1/invoices/{invoice_id}")
    assert invoice["transaction_id"]
    after = _get(api, f"/rest/V1/orders/{order['entity_id']}")
    assert after["payment"]["amount_paid"] == order["grand_total"]
    assert after["payment"]["last_trans_id"] == invoice["transaction_id"]
    txns = _get(api, "/rest/V1/transactions")["items"]
    assert [(t["txn_id"], t["txn_type"]) for t in txns] == [
        (invoice["transaction_id"], "capture")
    ]


def test_offline_method_is_paid_without_transaction(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """An offline method is marked paid but no capture transaction exists."""
    order = place_order(payment_method="checkmo")
    invoice_id = _invoice(api, order["entity_id"], []).json()
    assert "transaction_id" not in _get(api, f"/rest/V1/invoices/{invoice_id}")
    assert _get(api, "/rest/V1/transactions")["total_count"] == 0


def _message(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    return str(response.json()["message"])


def test_over_quantity_is_refused_and_nothing_changes(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """Shipping or invoicing more than remains names the SKU and applies nothing."""
    order = place_order()
    item = {"order_item_id": order["items"][0]["item_id"], "qty": 3}
    assert _message(_ship(api, order["entity_id"], [item])) == (
        "Shipment Document Validation Error(s):\n"
        "The quantity to ship must not be greater "
        'than the unshipped quantity for product SKU "A-1".'
    )
    assert _message(_invoice(api, order["entity_id"], [item])) == (
        "Invoice Document Validation Error(s):\n"
        "The quantity to invoice must not be greater "
        'than the uninvoiced quantity for product SKU "A-1".'
    )
    assert _get(api, "/rest/V1/shipments")["total_count"] == 0
    assert (
        _get(api, f"/rest/V1/orders/{order['entity_id']}")["items"][0]["qty_shipped"]
        == 0
    )


def test_unknown_items_and_missing_tracking(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """Unknown ids alone mean "without products"; mixed with known ones, refused."""
    order = place_order()
    oid, known = order["entity_id"], order["items"][0]["item_id"]
    unknown = [{"order_item_id": -1, "qty": 1}]
    assert _message(_invoice(api, oid, unknown)).endswith(
        "The invoice can't be created without products. Add products and try again."
    )
    assert _message(_ship(api, oid, unknown)).endswith(
        "You can't create a shipment without products."
    )
    mixed = [*unknown, {"order_item_id": known, "qty": 1}]
    assert _message(_invoice(api, oid, mixed)).endswith(
        "The invoice contains one or more items that are not part of the original"
        " order."
    )
    assert "that is not part of the original order." in _message(_ship(api, oid, mixed))
    no_number = _ship(api, oid, [], tracks=[{"title": "PN", "carrier_code": "custom"}])
    assert _message(no_number).endswith("Please enter a tracking number.")


@pytest.mark.parametrize("state", ["holded", "canceled", "payment_review"])
def test_blocked_states_refuse_ship_and_invoice(
    api: httpx.Client, place_order: OrderFactory, state: str
) -> None:
    """Orders held, canceled or in payment review cannot be shipped or invoiced."""
    order = place_order()
    api.post(f"/sandbox/orders/{order['entity_id']}/state", json={"state": state})
    assert _message(_ship(api, order["entity_id"], [])) == (
        "Shipment Document Validation Error(s):\nA shipment cannot be created when an "
        f"order has a status of {state}"
    )
    assert _message(_invoice(api, order["entity_id"], [])) == (
        "Invoice Document Validation Error(s):\nAn invoice cannot be created when an "
        f"order has a status of {state}"
    )


def test_complete_order_refuses_more(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """A complete order allows no further shipment or invoice."""
    oid = place_order()["entity_id"]
    _ship(api, oid, [])
    _invoice(api, oid, [])
    assert _message(_ship(api, oid, [])).endswith(
        "The order does not allow a shipment to be created."
    )
    assert _message(_invoice(api, oid, [])).endswith(
        "An invoice cannot be created when an order has a status of complete"
    )


def test_shipment_and_invoice_reads(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """Shipments and invoices are found by order_id with items, tracks, comments."""
    order = place_order(shipping_amount="10")
    oid = order["entity_id"]
    other = place_order()["entity_id"]
    comment = {"comment": "Delivery note 1", "is_visible_on_front": 0}
    ship_id = _ship(api, oid, [], comment=comment).json()
    _ship(api, other, [])
    _invoice(api, oid, [], comment=comment)
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "order_id",
        "searchCriteria[filter_groups][0][filters][0][value]": str(oid),
    }
    shipments = _get(api, f"/rest/V1/shipments?{httpx.QueryParams(params)}")
    assert shipments["total_count"] == 1
    shipment = shipments["items"][0]
    assert shipment == _get(api, f"/rest/V1/shipment/{ship_id}")
    assert shipment["order_id"] == oid
    assert shipment["tracks"][0]["track_number"] == "TRK-1"
    assert shipment["comments"][0]["comment"] == "Delivery note 1"
    assert shipment["items"][0]["qty"] == 2
    invoices = _get(api, f"/rest/V1/invoices?{httpx.QueryParams(params)}")["items"]
    assert [i["order_id"] for i in invoices] == [oid]
    for key in (
        "grand_total",
        "shipping_amount",
        "tax_amount",
        "discount_amount",
        "subtotal",
    ):
        assert key in invoices[0]
    assert api.get("/rest/V1/shipment/999").status_code == 404


def test_online_method_without_capture_has_no_transaction(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """capture:false marks the invoice paid without a capture transaction."""
    order = place_order(payment_method="klarna_kp")
    response = api.post(
        f"/rest/V1/order/{order['entity_id']}/invoice", json={"capture": False}
    )
    assert "transaction_id" not in _get(api, f"/rest/V1/invoices/{response.json()}")
    assert _get(api, "/rest/V1/transactions")["total_count"] == 0
    paid = _get(api, f"/rest/V1/orders/{order['entity_id']}")["payment"]["amount_paid"]
    assert paid == order["grand_total"]


def test_empty_items_ship_everything_left(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """After a partial shipment, an empty items list ships only what is left."""
    order = place_order(
        items=[{"sku": "P", "qty": 5, "price": "1.00", "tax_percent": 0}]
    )
    line = order["items"][0]["item_id"]
    _ship(api, order["entity_id"], [{"order_item_id": line, "qty": 2}])
    second = _ship(api, order["entity_id"], []).json()
    assert _get(api, f"/rest/V1/shipment/{second}")["items"][0]["qty"] == 3
