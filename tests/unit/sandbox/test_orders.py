"""Orders placed through /sandbox/orders look and read like Magento's order JSON."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx

OrderFactory = Callable[..., dict[str, Any]]

CONFIGURABLE_ORDER = {
    "customer": {
        "email": "ola@example.com",
        "firstname": "Ola",
        "lastname": "Nordmann",
        "id": 7,
    },
    "items": [
        {
            "sku": "TEE-M",
            "parent_sku": "TEE",
            "qty": 1,
            "price": "200.00",
            "tax_percent": 25,
        },
        {"sku": "BOOK-1", "qty": 3, "price": "10.00", "tax_percent": 6},
    ],
    "shipping_amount": "49",
    "payment_method": "sveawebpay_invoice",
    "invoice_fee": "29",
    "discount_amount": "23",
}


def test_order_totals_follow_magento_rules(place_order: OrderFactory) -> None:
    """Tax after discount, shipping at the top rate, tax-free fee in the total."""
    order = place_order(**CONFIGURABLE_ORDER)
    # discount 23 split by row: 200/230 -> 20.00, the last row absorbs 3.00
    assert [
        ln["discount_amount"] for ln in order["items"] if "parent_item_id" not in ln
    ] == [20, 3]
    assert order["subtotal"] == 230
    assert order["shipping_tax_amount"] == 12.25
    assert order["shipping_incl_tax"] == 61.25
    assert order["tax_amount"] == 45 + 1.62 + 12.25  # (200-20)*25%, (30-3)*6%, 49*25%
    assert order["discount_amount"] == -23
    # The fee lives in a payment module's column, not in the REST order (Svea WebPay).
    assert "invoice_fee" not in order["extension_attributes"]
    assert order["grand_total"] == round(230 + 49 + 58.87 - 23 + 29, 2)
    assert order["base_grand_total"] == order["grand_total"]
    assert (order["state"], order["status"]) == ("new", "pending")


def test_configurable_is_parent_line_plus_child_line(place_order: OrderFactory) -> None:
    """The parent carries the simple's SKU and the price; the child has price 0."""
    items = place_order(**CONFIGURABLE_ORDER)["items"]
    parent, child = items[0], items[1]
    assert (parent["product_type"], parent["sku"], parent["price"]) == (
        "configurable",
        "TEE-M",
        200,
    )
    assert (child["product_type"], child["sku"], child["price"]) == (
        "simple",
        "TEE-M",
        0,
    )
    assert child["parent_item_id"] == parent["item_id"]
    assert child["parent_item"]["item_id"] == parent["item_id"]


def test_order_document_shape(place_order: OrderFactory) -> None:
    """Customer, addresses, payment, shipping assignment and dates are there."""
    order = place_order(**CONFIGURABLE_ORDER)
    assert (order["customer_is_guest"], order["customer_id"]) == (0, 7)
    assert order["billing_address"]["street"] == ["Storgatan 1"]
    assignment = order["extension_attributes"]["shipping_assignments"][0]
    assert assignment["shipping"]["method"] == "flatrate_flatrate"
    assert assignment["shipping"]["address"]["address_type"] == "shipping"
    assert assignment["shipping"]["total"]["shipping_amount"] == 49
    assert order["payment"]["method"] == "sveawebpay_invoice"
    assert isinstance(order["payment"]["additional_information"], list)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", order["created_at"])
    assert order["increment_id"] == f"{order['entity_id']:09d}"


def test_guest_order(place_order: OrderFactory) -> None:
    """An order without customer id is a guest order."""
    order = place_order()
    assert order["customer_is_guest"] == 1
    assert "customer_id" not in order


def test_get_order_by_id_and_404(api: httpx.Client, place_order: OrderFactory) -> None:
    """GET /V1/orders/{id} returns the order; an unknown id is Magento's 404."""
    order = place_order()
    assert api.get(f"/rest/V1/orders/{order['entity_id']}").json() == order
    missing = api.get("/rest/V1/orders/999")
    assert missing.status_code == 404
    assert missing.json()["message"] == (
        "The entity that was requested doesn't exist. Verify the entity and try again."
    )


def _comment(api: httpx.Client, order_id: int, **extra: Any) -> httpx.Response:
    history = {
        "comment": "Exported to ERP",
        "is_customer_notified": 0,
        "is_visible_on_front": 0,
        "parent_id": order_id,
        **extra,
    }
    return api.post(
        f"/rest/V1/orders/{order_id}/comments", json={"statusHistory": history}
    )


def test_comment_returns_true_and_shows_in_status_histories(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """A plain comment answers true and appears in the order's status_histories."""
    order = place_order()
    response = _comment(api, order["entity_id"])
    assert response.json() is True
    histories = api.get(f"/rest/V1/orders/{order['entity_id']}").json()[
        "status_histories"
    ]
    assert [(h["comment"], h["status"]) for h in histories] == [
        ("Exported to ERP", "pending")
    ]


def test_comment_status_must_belong_to_the_current_state(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """A status outside the current state is refused; once assigned, it works."""
    order = place_order()
    refused = _comment(api, order["entity_id"], status="erp_exported")
    assert refused.status_code == 400
    assert refused.json() == {
        "message": 'Unable to add comment: The status "%1" is not part of the order '
        "status history.",
        "parameters": ["erp_exported"],
    }
    assert _comment(api, order["entity_id"], status="processing").status_code == 400
    api.post(
        "/sandbox/config", json={"order_statuses": {"new": ["pending", "erp_exported"]}}
    )
    assert _comment(api, order["entity_id"], status="erp_exported").json() is True
    after = api.get(f"/rest/V1/orders/{order['entity_id']}").json()
    assert (after["state"], after["status"]) == ("new", "erp_exported")


def test_hold_unhold_cancel(api: httpx.Client, place_order: OrderFactory) -> None:
    """Hold and unhold restore the state; cancel answers true once, then false."""
    order_id = place_order()["entity_id"]
    assert api.post(f"/rest/V1/orders/{order_id}/hold").json() is True
    assert api.get(f"/rest/V1/orders/{order_id}").json()["state"] == "holded"
    assert api.post(f"/rest/V1/orders/{order_id}/hold").status_code == 400
    assert api.post(f"/rest/V1/orders/{order_id}/unhold").json() is True
    assert api.get(f"/rest/V1/orders/{order_id}").json()["status"] == "pending"
    assert api.post(f"/rest/V1/orders/{order_id}/cancel").json() is True
    assert api.get(f"/rest/V1/orders/{order_id}").json()["state"] == "canceled"
    assert api.post(f"/rest/V1/orders/{order_id}/cancel").json() is False


def test_missing_token_is_401_naming_the_resource(
    anonymous: httpx.Client, place_order: OrderFactory
) -> None:
    """Without a Bearer token Magento answers 401 with a named %resources parameter."""
    response = anonymous.get("/rest/V1/orders")
    assert response.status_code == 401
    assert response.json() == {
        "message": "The consumer isn't authorized to access %resources.",
        "parameters": {"resources": "Magento_Sales::sales"},
    }
    wrong = anonymous.get("/rest/V1/orders", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_unknown_route_is_404(api: httpx.Client) -> None:
    """A path Magento does not serve answers "Request does not match any route."."""
    response = api.get("/rest/V1/not-a-route")
    assert (response.status_code, response.json()) == (
        404,
        {"message": "Request does not match any route."},
    )


def test_comments_list_newest_first(
    api: httpx.Client, place_order: OrderFactory
) -> None:
    """GET /V1/orders/{id}/comments lists the comments, newest first."""
    order_id = place_order()["entity_id"]
    _comment(api, order_id, comment="first")
    _comment(api, order_id, comment="second")
    body = api.get(f"/rest/V1/orders/{order_id}/comments").json()
    assert [c["comment"] for c in body["items"]] == ["second", "first"]
    assert body["total_count"] == 2


def test_unknown_store_code_is_refused(api: httpx.Client) -> None:
    """A store code other than default or all is 404, as Magento's NoSuchEntity."""
    response = api.get("/rest/nostore/V1/orders")
    assert response.status_code == 404
    assert "store" in response.json()["message"]


def test_bad_order_spec_is_refused(api: httpx.Client) -> None:
    """An order spec without items answers 400 and creates nothing."""
    response = api.post("/sandbox/orders", json={"customer": {}, "items": []})
    assert response.status_code == 400
    assert api.get("/rest/V1/orders").json()["total_count"] == 0
