"""The partner ids of the order layouts come from ``orders.sender_id`` / ``receiver_id``."""

from __future__ import annotations

import pytest
from lxml import etree

from bridge.config import OrdersSettings
from bridge.errors import InvalidFileError
from bridge.formats.orders import Partners, render_order
from tests.unit.formats._order_readers import OT, edifact_segments
from tests.unit.formats.test_orders_opentrans import full_order

PARTNERS = Partners(sender="SHOP01", receiver="SAPP01CLNT100")


def test_idoc_control_record_names_the_configured_partners() -> None:
    """SNDPRN and RCVPRN are the configured ids, not the defaults."""
    short = Partners(sender="SHOP01", receiver="P01CLNT100")
    dc = etree.fromstring(render_order(full_order(), "idoc", partners=short)).find(
        "IDOC/EDI_DC40"
    )
    assert dc is not None
    assert (dc.findtext("SNDPRN"), dc.findtext("RCVPRN")) == ("SHOP01", "P01CLNT100")


def test_idoc_partner_longer_than_ten_characters_is_refused_naming_the_field() -> None:
    """A receiver id past SAP's 10 characters refuses the file, naming RCVPRN."""
    with pytest.raises(InvalidFileError, match="RCVPRN"):
        render_order(full_order(), "idoc", partners=PARTNERS)


def test_edifact_envelope_names_the_configured_partners() -> None:
    """The UNB sender and recipient are the configured ids."""
    segs = edifact_segments(render_order(full_order(), "edifact", partners=PARTNERS))
    unb = next(elements for tag, elements in segs if tag == "UNB")
    assert (unb[1], unb[2]) == (["SHOP01", "ZZZ"], ["SAPP01CLNT100", "ZZZ"])


def test_edifact_partner_past_35_characters_is_refused() -> None:
    """An id longer than UNB's an..35 refuses the file instead of being cut."""
    too_long = Partners(sender="S" * 36, receiver="ERP")
    with pytest.raises(InvalidFileError, match="UNB id"):
        render_order(full_order(), "edifact", partners=too_long)


def test_opentrans_supplier_party_is_the_sender() -> None:
    """The supplier party and SUPPLIER_IDREF carry the shop's id (the sender)."""
    doc = etree.fromstring(render_order(full_order(), "opentrans", partners=PARTNERS))
    ids = doc.xpath(
        "//o:PARTY[o:PARTY_ROLE='supplier']/bme:PARTY_ID/text()"
        " | //o:ORDER_PARTIES_REFERENCE/bme:SUPPLIER_IDREF/text()",
        namespaces=OT,
    )
    assert ids == ["SHOP01", "SHOP01"]


def test_settings_refuse_an_idoc_partner_longer_than_ten_characters() -> None:
    """With orders.format = idoc, an 11-character sender_id is a configuration error."""
    with pytest.raises(ValueError, match="sender_id is longer than the 10 characters"):
        OrdersSettings(format="idoc", sender_id="SHOPWARE001")
    assert OrdersSettings(format="edifact", sender_id="SHOPWARE001").sender_id


def test_defaults_are_magento_and_erp() -> None:
    """Without settings the sender is MAGENTO and the receiver ERP."""
    orders = OrdersSettings()
    assert (orders.sender_id, orders.receiver_id) == ("MAGENTO", "ERP")
