"""Orders out in the standard layouts: a sandbox order through each format's checks and back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.conftest import SHARED
from tests.flows.test_export_orders import Bridge, Shop, _clock, spec
from tests.unit.formats._order_readers import (
    ReadOrder,
    read_edifact,
    read_idoc,
    read_opentrans,
)

OPENTRANS_XSD = SHARED / "reference/standards/opentrans-2.1/xsd/opentrans_2_1.xsd"
READERS: dict[str, tuple[str, Callable[[bytes], ReadOrder]]] = {
    "opentrans": ("xml", read_opentrans),
    "idoc": ("xml", read_idoc),
    "edifact": ("edi", read_edifact),
}


@pytest.fixture
def shop(sandbox: Any) -> Iterator[Shop]:
    """Helpers for the freshly reset sandbox."""
    helper = Shop(sandbox.url)
    yield helper
    helper.http.close()


def _money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_sandbox_order_round_trips_through_the_layout(
    fmt: str, shop: Shop, sandbox: Any, tmp_path: Path
) -> None:
    """An order with a configurable, a discount and an invoice fee is exported and reads back."""
    # spec(21): a guest, a configurable shirt, a 10.00 discount, an invoice fee.
    placed = shop.order(spec(21))
    bridge = Bridge(sandbox.url, tmp_path, _clock, format=fmt)
    try:
        result = bridge.run()
    finally:
        bridge.close()
    ext, read = READERS[fmt]
    name = f"order-{placed['increment_id']}.{ext}"
    assert (result.exported, result.failed) == ([placed["increment_id"]], [])
    assert bridge.files() == [name]
    payload = (bridge.outbox_dir / name).read_bytes()
    if fmt == "opentrans":
        schema = etree.XMLSchema(etree.parse(str(OPENTRANS_XSD)))
        assert schema.validate(etree.fromstring(payload)), schema.error_log
    got = read(payload)
    assert (got.order_number, got.magento_id) == (
        placed["increment_id"],
        str(placed["entity_id"]),
    )
    assert (got.currency, got.email) == (
        placed["order_currency_code"],
        placed["customer_email"],
    )
    billing = placed["billing_address"]
    assert (got.billing_city, got.billing_postcode, got.billing_country) == (
        billing["city"],
        billing["postcode"],
        billing["country_id"],
    )
    assert got.billing_street == billing["street"]
    assert (got.shipping_amount, got.shipping_amount_incl_tax) == (
        _money(placed["shipping_amount"]),
        _money(placed["shipping_incl_tax"]),
    )
    assert (got.payment_method, got.invoice_fee) == (
        placed["payment"]["method"],
        _money(spec(21)["invoice_fee"]),
    )
    assert (got.tax, got.grand_total) == (
        _money(placed["tax_amount"]),
        _money(placed["grand_total"]),
    )
    parents = [i for i in placed["items"] if not i.get("parent_item_id")]
    assert [(ln[0], ln[2]) for ln in got.lines] == [
        (str(i["item_id"]), Decimal(str(i["qty_ordered"]))) for i in parents
    ]
    assert [ln[1] for ln in got.lines] == ["SIMPLE-21", "SHIRT-21-M"]
    assert "Exported to ERP as order-" in shop.comments(placed["entity_id"])[-1]


def test_export_writes_the_configured_partner_ids(
    shop: Shop, sandbox: Any, tmp_path: Path
) -> None:
    """orders.sender_id / receiver_id reach the IDoc control record of an exported order."""
    placed = shop.order(spec(3))
    bridge = Bridge(
        sandbox.url, tmp_path, _clock, format="idoc", sender_id="SHOP01",
        receiver_id="P01CLNT100",
    )  # fmt: skip
    try:
        bridge.run()
    finally:
        bridge.close()
    payload = (bridge.outbox_dir / f"order-{placed['increment_id']}.xml").read_bytes()
    dc = etree.fromstring(payload).find("IDOC/EDI_DC40")
    assert dc is not None
    assert (dc.findtext("SNDPRN"), dc.findtext("RCVPRN")) == ("SHOP01", "P01CLNT100")
