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
    assert (one["shipping_amount"], _fee(one)) == (49, Decimal(29))
    assert (two["shipping_amount"], _fee(two)) == (0, Decimal(0))
    assert (one["shipping_tax_amount"], two["shipping_tax_amount"]) == (12.25, 0)
    final = _get(api, f"/rest/V1/orders/{oid}")
    assert (final["state"], final["status"]) == ("complete", "complete")
    assert final["total_invoiced"] == order["grand_total"]
    assert final["shipping_invoiced"] == 49
    assert final["tax_invoiced"] == order["tax_amount"]


def test_prorated_tax_and_discount_last_invoice_absorbs(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """Invoicing 1+1+1 splits tax and discount through one delta rounder per invoice."""
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
    # Invoice::roundPrice shares one calculator for row total, discount and tax:
    # 1st: discount 1/3 = 0.333 -> 0.33 (carry -0.0033), tax 7.25/3 - 0.0033 -> 2.41;
    # 2nd: discount 0.67/2 = 0.335 -> 0.34 (carry +0.005), tax 4.84/2 + 0.005 -> 2.43;
    # the last invoice takes what is left: discount 0.33, tax 2.41.
    assert [i["tax_amount"] for i in invoices] == [2.41, 2.43, 2.41]
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


def _fee(document: dict[str, Any]) -> Decimal:
    """The fee inside a grand total: what the core totals do not explain."""
    core = ("subtotal", "shipping_amount", "tax_amount", "discount_amount")
    return Decimal(str(document["grand_total"])) - sum(
        (Decimal(str(document[k])) for k in core), Decimal(0)
    )


def _message(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    return str(response.json()["message"])


def test_ship_clamps_over_quantity_and_invoice_refuses_it(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """Ship takes at most what is left; invoice refuses more with Magento's words."""
    order = place_order()
    line = order["items"][0]
    item = {"order_item_id": line["item_id"], "qty": 3}
    assert _message(_invoice(api, order["entity_id"], [item])) == (
        'We found an invalid quantity to invoice item "%1".'
    )
    assert _invoice(api, order["entity_id"], [item]).json()["parameters"] == [
        line["name"]
    ]
    shipment_id = _ship(api, order["entity_id"], [item]).json()
    shipment = _get(api, f"/rest/V1/shipment/{shipment_id}")
    assert [i["qty"] for i in shipment["items"]] == [2]
    assert (
        _get(api, f"/rest/V1/orders/{order['entity_id']}")["items"][0]["qty_shipped"]
        == 2
    )


def test_fractions_are_truncated_on_whole_unit_items(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """1.7 of a whole-unit item ships and invoices 1; a decimal item keeps 0.5."""
    order = place_order(
        items=[
            {"sku": "A-1", "qty": 2, "price": "100.00", "tax_percent": 25},
            {
                "sku": "ROPE",
                "qty": 2.5,
                "price": "10.00",
                "tax_percent": 25,
                "is_qty_decimal": True,
            },
        ]
    )
    whole, rope = order["items"]
    items = [
        {"order_item_id": whole["item_id"], "qty": 1.7},
        {"order_item_id": rope["item_id"], "qty": 0.5},
    ]
    shipment = _get(
        api, f"/rest/V1/shipment/{_ship(api, order['entity_id'], items).json()}"
    )
    assert [i["qty"] for i in shipment["items"]] == [1, 0.5]
    invoice = _get(
        api, f"/rest/V1/invoices/{_invoice(api, order['entity_id'], items).json()}"
    )
    assert [i["qty"] for i in invoice["items"]] == [1, 0.5]
    below_one = [{"order_item_id": whole["item_id"], "qty": 0.4}]
    assert _message(_ship(api, order["entity_id"], below_one)).endswith(
        "You can't create a shipment without products."
    )


def test_unknown_items_are_ignored_and_missing_tracking(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """Unknown ids are skipped (the loop runs over the order's lines); alone: none."""
    order = place_order()
    oid, known = order["entity_id"], order["items"][0]["item_id"]
    unknown = [{"order_item_id": -1, "qty": 1}]
    assert _message(_invoice(api, oid, unknown)).endswith(
        "The invoice can't be created without products. Add products and try again."
    )
    assert _message(_ship(api, oid, unknown)).endswith(
        "You can't create a shipment without products."
    )
    no_number = _ship(api, oid, [], tracks=[{"title": "PN", "carrier_code": "custom"}])
    assert _message(no_number).endswith("Please enter a tracking number.")
    mixed = [*unknown, {"order_item_id": known, "qty": 1}]
    shipment = _get(api, f"/rest/V1/shipment/{_ship(api, oid, mixed).json()}")
    assert [(i["order_item_id"], i["qty"]) for i in shipment["items"]] == [(known, 1)]
    invoice = _get(api, f"/rest/V1/invoices/{_invoice(api, oid, mixed).json()}")
    assert [(i["order_item_id"], i["qty"]) for i in invoice["items"]] == [(known, 1)]


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


def test_prices_including_tax_and_a_shipping_discount(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """Gross prices and a freight discount: compensations keep the totals whole."""
    order = place_order(
        items=[{"sku": "G-1", "qty": 2, "price": "125.00", "tax_percent": 25}],
        prices_include_tax=True,
        discount_amount="25",
        shipping_amount="49",
        shipping_discount_amount="9",
    )
    line = order["items"][0]
    assert (line["price"], line["price_incl_tax"], line["row_total"]) == (100, 125, 200)
    assert (line["tax_amount"], line["discount_tax_compensation_amount"]) == (45, 5)
    assert (order["shipping_amount"], order["shipping_incl_tax"]) == (39.2, 49)
    assert order["shipping_tax_amount"] == 8  # (49 - 9) * 25 / 125
    assert order["shipping_discount_tax_compensation_amount"] == 1.8
    assert (order["discount_amount"], order["tax_amount"]) == (-34, 53)
    assert order["grand_total"] == 265  # 250 - 25 + 49 - 9, what the customer paid
    item = {"order_item_id": line["item_id"], "qty": 1}
    ids = [_invoice(api, order["entity_id"], [item]).json() for _ in range(2)]
    first, second = (_get(api, f"/rest/V1/invoices/{i}") for i in ids)
    assert (first["discount_amount"], second["discount_amount"]) == (-21.5, -12.5)
    assert Decimal(str(first["grand_total"])) + Decimal(
        str(second["grand_total"])
    ) == Decimal(265)
