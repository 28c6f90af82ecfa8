"""Pure shipment mapping: lines → order items, markers, quantity caps, amounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bridge.errors import RecordRejectedError
from bridge.mapping.shipments import (
    ShipItem,
    comment_marks,
    find_invoice,
    find_shipment,
    invoice_amounts,
    qty_left_to_invoice,
    qty_left_to_ship,
    reconcile_invoice,
    ship_items_from_shipment,
    shipment_comment,
    to_magento_invoice_items,
    to_magento_ship_items,
    to_magento_tracks,
)
from bridge.models.erp import ErpShipment, ErpShipmentLine, ErpTrack


def _item(item_id: int, sku: str, qty: float, **extra: Any) -> dict[str, Any]:
    base = {
        "item_id": item_id,
        "sku": sku,
        "product_type": "simple",
        "qty_ordered": qty,
        "qty_shipped": 0,
        "qty_invoiced": 0,
        "qty_canceled": 0,
        "qty_refunded": 0,
    }
    base.update(extra)
    return base


def _order(**extra: Any) -> dict[str, Any]:
    """A Magento order: two simples and a configurable (parent 3 + child 4)."""
    order: dict[str, Any] = {
        "entity_id": 7,
        "increment_id": "000000007",
        "state": "new",
        "status": "pending",
        "shipping_amount": 49,
        "subtotal": 500,
        "tax_amount": 137.25,
        "discount_amount": 0,
        "grand_total": 715.25,
        "order_currency_code": "SEK",
        "items": [
            _item(1, "A-1", 2),
            _item(2, "B-2", 1),
            _item(3, "SHIRT-M", 1, product_type="configurable"),
            _item(4, "SHIRT-M", 1, parent_item_id=3),
        ],
    }
    order.update(extra)
    return order


def _shipment(*lines: tuple[str, str], tracks: tuple[str, ...] = ()) -> ErpShipment:
    return ErpShipment(
        shipment_id="DN-1001",
        order_number="000000007",
        lines=tuple(ErpShipmentLine(sku=s, qty=Decimal(q)) for s, q in lines),
        tracks=tuple(ErpTrack(number=n) for n in tracks),
    )


def test_lines_map_to_order_items_with_configurable_parent() -> None:
    """A configurable's SKU ships on the parent line, never on the dummy child."""
    items = to_magento_ship_items(_shipment(("A-1", "2"), ("SHIRT-M", "1")), _order())
    assert [i.payload() for i in items] == [
        {"order_item_id": 1, "qty": 2},
        {"order_item_id": 3, "qty": 1},
    ]


def test_child_only_sku_resolves_to_configurable_parent() -> None:
    """When only the child carries the SKU, the configurable parent is shipped."""
    order = _order()
    order["items"][2]["sku"] = "SHIRT"
    items = to_magento_ship_items(_shipment(("SHIRT-M", "1")), order)
    assert [i.order_item_id for i in items] == [3]


def test_repeated_sku_lines_are_added_up() -> None:
    """Two ERP lines of the same SKU ship as one item with the summed quantity."""
    items = to_magento_ship_items(_shipment(("A-1", "1"), ("A-1", "1")), _order())
    assert items == [ShipItem(1, "A-1", Decimal(2))]


def test_sku_ordered_on_two_lines_is_spread_over_them() -> None:
    """A SKU on two order lines takes what each line has left, in order."""
    order = _order()
    order["items"].append(_item(9, "A-1", 3))
    order["items"][0]["qty_shipped"] = 1
    items = to_magento_ship_items(_shipment(("A-1", "3")), order)
    assert items == [ShipItem(1, "A-1", Decimal(1)), ShipItem(9, "A-1", Decimal(2))]


def test_fractional_quantity_is_sent_as_a_float() -> None:
    """A non-whole quantity keeps its fraction in the payload."""
    order = _order()
    order["items"][0]["qty_ordered"] = 2.5
    items = to_magento_ship_items(_shipment(("A-1", "1.5")), order)
    assert items[0].payload() == {"order_item_id": 1, "qty": 1.5}


def _weighed(qty: str, unit: str = "KGM", sku: str = "A-1") -> ErpShipment:
    line = ErpShipmentLine(sku=sku, qty=Decimal(qty), unit=unit)
    return _shipment().model_copy(update={"lines": (line,)})


def test_weight_ships_as_the_quantity_of_a_decimal_order_item() -> None:
    """4.25 KGM of an item with is_qty_decimal ships 4.25 of that item."""
    order = _order()
    order["items"][0].update(qty_ordered=10, is_qty_decimal=1)
    items = to_magento_ship_items(_weighed("4.25"), order)
    assert items == [ShipItem(1, "A-1", Decimal("4.25"))]


def test_weight_for_an_item_counted_in_pieces_is_rejected_naming_the_unit() -> None:
    """A KGM line for an item without a decimal quantity is refused, naming unit and SKU."""
    order = _order()
    order["items"][0].update(is_qty_decimal=0)
    with pytest.raises(RecordRejectedError) as info:
        to_magento_ship_items(_weighed("1"), order)
    assert str(info.value) == (
        'The quantity of product SKU "A-1" is in KGM, but the order item is counted '
        "in pieces (no decimal quantity): only pieces are taken for it."
    )
    assert info.value.record_key == "A-1"


def test_weight_for_a_sku_not_in_the_order_says_so() -> None:
    """A KGM line whose SKU the order lacks gets Magento's not-in-order message."""
    with pytest.raises(RecordRejectedError) as info:
        to_magento_ship_items(_weighed("1", sku="NOPE"), _order())
    assert "not part of the original order" in str(info.value)


def test_pieces_named_by_their_code_need_no_decimal_item() -> None:
    """A line whose unit is a pieces code (EA) ships like one without a unit."""
    items = to_magento_ship_items(_weighed("2", unit="EA"), _order())
    assert items == [ShipItem(1, "A-1", Decimal("2"))]


def test_unknown_sku_is_rejected_with_magentos_message() -> None:
    """A SKU not in the order is refused with Magento's wording."""
    with pytest.raises(RecordRejectedError) as info:
        to_magento_ship_items(_shipment(("NOPE", "1")), _order())
    assert info.value.magento_message == (
        'The shipment contains product SKU "NOPE" that is not part of the '
        "original order."
    )


def test_over_quantity_is_rejected_with_what_is_left() -> None:
    """Shipping more than is left is refused, naming requested and left quantities."""
    order = _order()
    order["items"][0]["qty_shipped"] = 1.0
    with pytest.raises(RecordRejectedError) as info:
        to_magento_ship_items(_shipment(("A-1", "2.000")), order)
    message = info.value.magento_message or ""
    assert message.startswith(
        "The quantity to ship must not be greater than the unshipped quantity "
        'for product SKU "A-1".'
    )
    assert "(requested 2, left to ship 1)" in message


@pytest.mark.parametrize(
    ("state", "status"),
    [("holded", "holded"), ("canceled", "canceled"), ("payment_review", "fraud")],
)
def test_order_that_cannot_ship_is_rejected(state: str, status: str) -> None:
    """Held, canceled and payment-review orders refuse shipments with their status."""
    with pytest.raises(RecordRejectedError) as info:
        to_magento_ship_items(
            _shipment(("A-1", "1")), _order(state=state, status=status)
        )
    assert info.value.magento_message == (
        f"A shipment cannot be created when an order has a status of {status}"
    )


def test_qty_left_to_ship_subtracts_shipped_refunded_canceled() -> None:
    """What is left to ship follows Magento's formula and never goes negative."""
    assert qty_left_to_ship(
        _item(1, "A", 5, qty_shipped=1, qty_refunded=1, qty_canceled=1)
    ) == Decimal(2)
    assert qty_left_to_ship(_item(1, "A", 1, qty_shipped=2)) == Decimal(0)
    assert qty_left_to_invoice(_item(1, "A", 5, qty_invoiced=2)) == Decimal(3)


def test_invoice_items_are_capped_by_what_is_uninvoiced() -> None:
    """Invoice quantities never exceed what the order item has left to invoice."""
    order = _order()
    order["items"][0]["qty_invoiced"] = 1
    order["items"][1]["qty_invoiced"] = 1
    shipped = [ShipItem(1, "A-1", Decimal(2)), ShipItem(2, "B-2", Decimal(1))]
    assert to_magento_invoice_items(shipped, order) == [ShipItem(1, "A-1", Decimal(1))]


def test_invoice_items_empty_when_fully_invoiced() -> None:
    """An order fully invoiced elsewhere yields nothing to invoice."""
    order = _order()
    for item in order["items"]:
        item["qty_invoiced"] = item["qty_ordered"]
    shipped = [ShipItem(1, "A-1", Decimal(2)), ShipItem(99, "GONE", Decimal(1))]
    assert to_magento_invoice_items(shipped, order) == []


def test_marker_matches_exactly_not_as_substring() -> None:
    """DN-1001's marker is not found in comments about DN-10010 or XDN-1001."""
    assert comment_marks(shipment_comment("DN-1001", "f.xml"), "DN-1001")
    assert comment_marks("Note\nERP shipment DN-1001 (file a b.csv)", "DN-1001")
    assert not comment_marks(shipment_comment("DN-10010", "f.xml"), "DN-1001")
    assert not comment_marks(shipment_comment("XDN-1001", "f.xml"), "DN-1001")
    assert not comment_marks("ERP shipment DN-1001", "DN-1001")


def test_find_shipment_by_marker_or_tracking_number() -> None:
    """A shipment is found by its marker, or by a tracking number if unmarked."""
    marked = {
        "entity_id": 5,
        "comments": [{"comment": shipment_comment("DN-1001", "f")}],
    }
    other = {
        "entity_id": 6,
        "comments": [{"comment": shipment_comment("DN-2", "f")}],
        "tracks": [{"track_number": "T1"}],
    }
    by_hand = {"entity_id": 8, "comments": [], "tracks": [{"track_number": "T1"}]}
    erp = _shipment(("A-1", "1"), tracks=("T1",))
    assert find_shipment([other, marked], erp) == marked
    assert find_shipment([other, by_hand], erp) == by_hand
    assert find_shipment([other], erp) is None
    assert find_shipment([by_hand], _shipment(("A-1", "1"))) is None


def test_find_invoice_by_marker_only() -> None:
    """An invoice counts only when its comments carry the exact marker."""
    mine = {"entity_id": 2, "comments": [{"comment": shipment_comment("DN-1001", "f")}]}
    near = {
        "entity_id": 3,
        "comments": [{"comment": shipment_comment("DN-10010", "f")}],
    }
    assert find_invoice([near, mine], "DN-1001") == mine
    assert find_invoice([near, {"entity_id": 4}], "DN-1001") is None


def test_items_of_an_existing_shipment_drop_configurable_children() -> None:
    """Items read from a Magento shipment keep the parent line, not the child."""
    mshipment = {
        "items": [
            {"order_item_id": 1, "qty": 2},
            {"order_item_id": 3, "qty": 1},
            {"order_item_id": 4, "qty": 1},
            {"order_item_id": 77, "qty": 1},
            {"order_item_id": 2, "qty": 0},
        ]
    }
    assert ship_items_from_shipment(mshipment, _order()) == [
        ShipItem(1, "A-1", Decimal(2)),
        ShipItem(3, "SHIRT-M", Decimal(1)),
    ]


def test_tracks_default_title_to_carrier() -> None:
    """Magento requires a track title; without one the carrier code is used."""
    erp = ErpShipment(
        shipment_id="DN-1",
        order_number="1",
        lines=(ErpShipmentLine(sku="A", qty=Decimal(1)),),
        tracks=(
            ErpTrack(number="T1"),
            ErpTrack(number="T2", carrier_code="dhl", title="DHL Parcel"),
        ),
    )
    assert to_magento_tracks(erp) == [
        {"track_number": "T1", "title": "custom", "carrier_code": "custom"},
        {"track_number": "T2", "title": "DHL Parcel", "carrier_code": "dhl"},
    ]


def test_invoice_amounts_derive_or_read_the_fee() -> None:
    """The fee is derived from the totals, read from an extension attribute, or 0."""
    invoice = {
        "grand_total": 715.25,
        "subtotal": 500,
        "shipping_amount": 49,
        "tax_amount": 137.25,
        "discount_amount": -0.0,
        "extension_attributes": {"invoice_fee": 29},
    }
    assert invoice_amounts(invoice) == invoice_amounts(
        invoice, "extension_attribute:invoice_fee"
    )
    assert invoice_amounts(invoice).fee == Decimal(29)
    assert invoice_amounts(invoice, "none").fee == Decimal(0)
    assert invoice_amounts({}, "extension_attribute:x").fee == Decimal(0)
    assert invoice_amounts({"grand_total": "bad"}).grand_total == Decimal(0)


def test_reconcile_first_invoice_expects_freight_and_fee() -> None:
    """The first invoice must carry freight and fee, and match the ERP amount."""
    order = _order()
    first = {
        "entity_id": 1,
        "increment_id": "000000001",
        "grand_total": 715.25,
        "subtotal": 500,
        "shipping_amount": 49,
        "tax_amount": 137.25,
    }
    erp = _shipment(("A-1", "1")).model_copy(
        update={"invoice_amount": Decimal("715.25"), "currency": "SEK"}
    )
    amounts, problems = reconcile_invoice(
        erp, order, first, [], tolerance=Decimal("0.01")
    )
    assert problems == []
    assert amounts.fee == Decimal(29)
    later = {
        **first,
        "entity_id": 2,
        "increment_id": "000000002",
        "shipping_amount": 0,
        "grand_total": 100,
        "subtotal": 80,
        "tax_amount": 20,
    }
    _, problems = reconcile_invoice(
        erp, order, later, [first], tolerance=Decimal("0.01")
    )
    assert problems == [
        "ERP invoice_amount 715.25 differs from Magento invoice 000000002 grand "
        "total 100.00 by 615.25 (tolerance 0.01)"
    ]


def test_reconcile_flags_freight_fee_and_currency_problems() -> None:
    """Freight or fee on the wrong invoice and a currency mismatch are reported."""
    order = _order()
    canceled_first = {
        "entity_id": 1,
        "state": 3,
        "shipping_amount": 49,
        "grand_total": 49,
    }
    bare = {
        "entity_id": 2,
        "increment_id": "000000002",
        "grand_total": 100,
        "subtotal": 80,
        "tax_amount": 20,
        "shipping_amount": 0,
        "order_currency_code": "SEK",
    }
    erp = _shipment(("A-1", "1")).model_copy(update={"currency": "EUR"})
    _, problems = reconcile_invoice(
        erp, order, bare, [canceled_first], tolerance=Decimal("0.01")
    )
    assert problems == [
        "Magento invoice 000000002 carries freight 0.00, expected 49.00",
        "Magento invoice 000000002 carries invoice fee 0.00, expected 29.00",
        "ERP invoice_amount currency EUR differs from Magento's SEK",
    ]
