"""MagentoOrder → ExportOrder: plain Magento JSON in, export record out (no mocks)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from bridge.errors import RecordRejectedError
from bridge.mapping.orders import (
    exact,
    invoice_fee,
    money,
    parse_order,
    to_export_order,
)


def _address(kind: str, **over: Any) -> dict[str, Any]:
    addr = {
        "address_type": kind,
        "firstname": "Anna",
        "lastname": "Berg",
        "company": "Berg AB",
        "street": ["Storgatan 1", "Lgh 1102"],
        "postcode": "111 22",
        "city": "Stockholm",
        "region": None,
        "country_id": "SE",
        "telephone": "+46 8 123 456",
        "email": "anna@example.com",
    }
    addr.update(over)
    return addr


def magento_order(**over: Any) -> dict[str, Any]:
    """A registered customer's order as Magento's JSON decoder hands it over."""
    order: dict[str, Any] = {
        "entity_id": 42,
        "increment_id": "000000042",
        "state": "new",
        "status": "pending",
        "created_at": "2026-03-01 10:15:00",
        "order_currency_code": "SEK",
        "customer_email": "anna@example.com",
        "customer_firstname": "Anna",
        "customer_lastname": "Berg",
        "customer_id": 7,
        "customer_is_guest": 0,
        "is_virtual": 0,
        "subtotal": 239.97,
        "discount_amount": -20.0,
        "discount_tax_compensation_amount": 0,
        "shipping_amount": 49.0,
        "shipping_incl_tax": 61.25,
        "shipping_description": "Flat Rate - Fixed",
        "tax_amount": 67.24,
        "grand_total": 365.21,
        "items": [
            {
                "item_id": 101,
                "sku": "TSHIRT-M-RED",
                "name": "T-shirt",
                "product_type": "configurable",
                "qty_ordered": 2.0,
                "price": 99.99,
                "price_incl_tax": 124.99,
                "tax_percent": 25.0,
                "discount_amount": 20.0,
                "row_total": 199.98,
                "row_total_incl_tax": 249.98,
            },
            {
                "item_id": 102,
                "parent_item_id": 101,
                "sku": "TSHIRT-M-RED",
                "name": "T-shirt M Red",
                "product_type": "simple",
                "qty_ordered": 2.0,
                "price": 0,
                "price_incl_tax": 0,
                "tax_percent": 25.0,
            },
            {
                "item_id": 103,
                "sku": "SOCKS",
                "name": "Socks",
                "product_type": "simple",
                "qty_ordered": 1,
                "price": 39.99,
                "price_incl_tax": 49.99,
                "tax_percent": 25,
                "discount_amount": 0,
                "row_total": 39.99,
                "row_total_incl_tax": 49.99,
            },
        ],
        "billing_address": _address("billing"),
        "payment": {"method": "sveacheckout", "last_trans_id": "TX-9"},
        "extension_attributes": {
            "shipping_assignments": [
                {
                    "shipping": {
                        "address": _address("shipping", street=["Lillgatan 3"]),
                        "method": "flatrate_flatrate",
                    }
                }
            ],
            "invoice_fee": 29.0,
        },
    }
    order.update(over)
    return order


def export(raw: dict[str, Any], mode: str = "derived") -> Any:
    return to_export_order(parse_order(raw), invoice_fee_mode=mode)


def test_registered_order_maps_every_field() -> None:
    """A complete order maps to the SPEC §3 record with exact, cent-rounded amounts."""
    rec = export(magento_order())
    assert rec.order_number == "000000042"
    assert rec.magento_id == 42
    assert rec.created_at == datetime(2026, 3, 1, 10, 15, tzinfo=UTC)
    assert (rec.status, rec.currency) == ("pending", "SEK")
    assert rec.customer.email == "anna@example.com"
    assert (rec.customer.customer_id, rec.customer.is_guest) == (7, False)
    assert rec.customer.telephone == "+46 8 123 456"
    assert rec.billing_address.street == ("Storgatan 1", "Lgh 1102")
    assert rec.billing_address.company == "Berg AB"
    assert rec.billing_address.region is None
    assert rec.shipping_address.street == ("Lillgatan 3",)
    assert rec.shipping.method == "flatrate_flatrate"
    assert rec.shipping.description == "Flat Rate - Fixed"
    assert rec.shipping.amount == Decimal("49.00")
    assert rec.shipping.amount_incl_tax == Decimal("61.25")
    assert rec.payment.method == "sveacheckout"
    assert rec.payment.transaction_id == "TX-9"
    totals = rec.totals
    assert str(totals.subtotal) == "239.97"
    assert str(totals.discount_amount) == "20.00"
    assert str(totals.tax_amount) == "67.24"
    assert str(totals.grand_total) == "365.21"


def test_configurable_is_one_line_with_the_simple_sku() -> None:
    """A configurable parent and its dummy child are one line: parent id, child SKU."""
    raw = magento_order()
    raw["items"][0]["sku"] = "TSHIRT"  # a parent SKU that is not the ordered simple
    lines = export(raw).lines
    assert [(ln.line_id, ln.sku) for ln in lines] == [
        (101, "TSHIRT-M-RED"),
        (103, "SOCKS"),
    ]
    shirt = lines[0]
    assert str(shirt.qty) == "2"
    assert str(shirt.unit_price) == "99.99"
    assert str(shirt.unit_price_incl_tax) == "124.99"
    assert str(shirt.tax_percent) == "25"
    assert str(shirt.discount_amount) == "20.00"
    assert str(shirt.row_total_incl_tax) == "249.98"


def test_derived_invoice_fee_is_what_the_totals_leave() -> None:
    """``derived``: fee = grand total - (subtotal + shipping + tax + discount)."""
    rec = export(magento_order())
    # 365.21 - (239.97 + 49.00 + 67.24 - 20.00) = 29.00
    assert str(rec.payment.invoice_fee) == "29.00"
    assert str(rec.totals.invoice_fee) == "29.00"


def test_derived_fee_leaves_out_the_freight_discount_tax_compensation() -> None:
    """The tax a freight discount removed (prices incl. tax) is no part of the fee."""
    rec = export(
        magento_order(shipping_discount_tax_compensation_amount=2.5, grand_total=367.71)
    )
    assert str(rec.payment.invoice_fee) == "29.00"


def test_derived_fee_clamps_a_rounding_cent_to_zero() -> None:
    """A derived fee of -0.01 is rounding noise and exports as 0.00."""
    rec = export(magento_order(grand_total=336.20))
    assert str(rec.payment.invoice_fee) == "0.00"


def test_derived_fee_refuses_a_clearly_negative_result() -> None:
    """A clearly negative derived fee rejects the order rather than export it wrong."""
    with pytest.raises(RecordRejectedError, match="derived fee is negative") as err:
        export(magento_order(grand_total=300.0))
    assert err.value.record_key == "000000042"


def test_extension_attribute_fee_is_read_from_the_order() -> None:
    """``extension_attribute:<code>`` reads the fee; an order without it has none."""
    assert (
        str(
            export(
                magento_order(), "extension_attribute:invoice_fee"
            ).payment.invoice_fee
        )
        == "29.00"
    )
    raw = magento_order()
    del raw["extension_attributes"]["invoice_fee"]
    assert export(raw, "extension_attribute:invoice_fee").payment.invoice_fee == 0


def test_extension_attribute_fee_that_is_not_an_amount_is_refused() -> None:
    """A non-numeric fee attribute names the attribute in the rejection."""
    raw = magento_order()
    raw["extension_attributes"]["invoice_fee"] = "twenty"
    with pytest.raises(RecordRejectedError, match=r"extension_attributes\.invoice_fee"):
        export(raw, "extension_attribute:invoice_fee")


def test_fee_mode_none_is_always_zero() -> None:
    """``none`` exports a zero fee whatever the totals say."""
    assert str(invoice_fee(parse_order(magento_order()), "none")) == "0.00"


def test_guest_order_takes_names_from_the_billing_address() -> None:
    """A guest without customer names gets them from the billing address."""
    raw = magento_order(
        customer_id=None,
        customer_is_guest=1,
        customer_firstname=None,
        customer_lastname=None,
    )
    customer = export(raw).customer
    assert (customer.firstname, customer.lastname) == ("Anna", "Berg")
    assert customer.is_guest is True
    assert customer.customer_id is None


def test_missing_data_is_reported_field_by_field() -> None:
    """Every missing or invalid field is named in one rejection."""
    raw = magento_order()
    raw["extension_attributes"]["shipping_assignments"] = []
    raw["billing_address"]["city"] = " "
    raw["billing_address"]["country_id"] = "Sweden"
    with pytest.raises(RecordRejectedError) as err:
        export(raw)
    text = str(err.value)
    assert "shipping_address: missing" in text
    assert "billing_address.city: missing" in text
    assert "billing_address.country: not an ISO 3166-1 alpha-2 code: 'Sweden'" in text


def test_line_without_price_is_refused() -> None:
    """A line without a price cannot be exported and is named by its item id."""
    raw = magento_order()
    del raw["items"][2]["price_incl_tax"]
    with pytest.raises(
        RecordRejectedError, match=r"items\[item_id=103\]\.price_incl_tax"
    ):
        export(raw)


def test_order_number_unfit_for_a_file_name_is_refused() -> None:
    """An order number with a path separator is refused (it names the file)."""
    with pytest.raises(RecordRejectedError, match="increment_id"):
        export(magento_order(increment_id="../etc/1"))


def test_virtual_order_ships_to_the_billing_address() -> None:
    """A virtual order without shipping assignment uses the billing address."""
    raw = magento_order(is_virtual=1, shipping_amount=0, shipping_incl_tax=0)
    raw["extension_attributes"]["shipping_assignments"] = []
    raw["grand_total"] = 365.21 - 49.0
    rec = export(raw)
    assert rec.shipping_address == rec.billing_address
    assert rec.shipping.method == "none"


def test_unreadable_json_types_are_rejected_with_the_field() -> None:
    """A wrongly typed field becomes a rejection naming it, not a crash."""
    with pytest.raises(RecordRejectedError, match=r"items\.0\.item_id"):
        parse_order(magento_order(items=[{"item_id": "abc"}]))


def test_float_noise_never_reaches_the_amounts() -> None:
    """Amounts decoded as floats keep their decimal value (0.1 + 0.2 stays exact)."""
    raw = json.loads(json.dumps(magento_order()))
    raw["items"][2]["price"] = 0.1 + 0.2  # 0.30000000000000004 as a float
    line = export(raw).lines[1]
    assert str(line.unit_price) == "0.30"


def test_money_and_exact_formatting() -> None:
    """Money rounds half-up to cents; exact values lose trailing zeros, not digits."""
    assert str(money(Decimal("2.345"))) == "2.35"
    assert str(money(None)) == "0.00"
    assert str(exact(Decimal("100.0000"))) == "100"
    assert str(exact(Decimal("12.5000"))) == "12.5"
    assert str(exact(Decimal("-0"))) == "0"


def test_mapping_does_not_modify_its_input() -> None:
    """The Magento dict is read, never changed."""
    raw = magento_order()
    before = copy.deepcopy(raw)
    export(raw)
    assert raw == before


def test_bundle_children_stay_lines_of_their_own() -> None:
    """Only a configurable's child is a dummy; a bundle's children are real lines."""
    raw = magento_order()
    raw["items"][0]["product_type"] = "bundle"
    assert [ln.line_id for ln in export(raw).lines] == [101, 102, 103]


def test_order_without_lines_or_with_zero_qty_is_refused() -> None:
    """No lines at all, or a line with qty 0, cannot be exported."""
    with pytest.raises(RecordRejectedError, match="the order has no lines"):
        export(magento_order(items=[]))
    raw = magento_order()
    raw["items"][2]["qty_ordered"] = 0
    with pytest.raises(RecordRejectedError, match=r"qty_ordered: must be > 0"):
        export(raw)


def test_currency_created_at_and_grand_total_are_checked() -> None:
    """A bad currency, an unreadable date and a missing grand total are all named."""
    raw = magento_order(order_currency_code="kr", created_at="yesterday")
    del raw["grand_total"]
    with pytest.raises(RecordRejectedError) as err:
        export(raw, "none")
    text = str(err.value)
    assert "order_currency_code: not an ISO 4217 code: 'kr'" in text
    assert "created_at: not a date and time: 'yesterday'" in text
    assert "grand_total: missing" in text


def test_created_at_with_a_zone_is_converted_to_utc() -> None:
    """A created_at that carries an offset is normalised to UTC."""
    rec = export(magento_order(created_at="2026-03-01T11:15:00+01:00"))
    assert rec.created_at == datetime(2026, 3, 1, 10, 15, tzinfo=UTC)


def test_guest_flag_missing_falls_back_to_the_customer_id() -> None:
    """Without customer_is_guest, an order without customer_id is a guest order."""
    raw = magento_order(customer_id=None)
    del raw["customer_is_guest"]
    assert export(raw).customer.is_guest is True
    raw = magento_order()
    del raw["customer_is_guest"]
    assert export(raw).customer.is_guest is False


def test_shipping_method_falls_back_to_the_order_field() -> None:
    """Without a method in the shipping assignment, the order field is used."""
    raw = magento_order(shipping_method="tablerate_bestway", shipping_incl_tax=None)
    raw["extension_attributes"]["shipping_assignments"][0]["shipping"]["method"] = None
    shipping = export(raw).shipping
    assert shipping.method == "tablerate_bestway"
    assert shipping.amount_incl_tax == shipping.amount
