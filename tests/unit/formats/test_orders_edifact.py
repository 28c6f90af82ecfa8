"""The ``edifact`` order format: a UN/EDIFACT ORDERS D.96A interchange carrying the order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bridge.errors import InvalidFileError
from bridge.formats.orders import order_file_name, render_order
from tests.conftest import SHARED
from tests.unit.formats._order_readers import (
    assert_full_order,
    edifact_segments,
    read_edifact,
)
from tests.unit.formats.test_orders_opentrans import full_order
from tests.unit.formats.test_orders_writer import _address

SAP_EDI = (
    SHARED / "reference/standards/sap-idoc/teched2025-IN260/Testdata"
    "/IN 260 - Order to Cash - SAP IDoc with UN-EDIFACT"
    "/01.b) Sales Order Response - Outbound/Expected Target - IN260-EDIFACT-ORDRSP.edi"
)
D = Decimal


def _segments() -> list[tuple[str, list[Any]]]:
    return edifact_segments(render_order(full_order(), "edifact"))


def test_envelope_is_one_orders_d96a_message_with_right_counts() -> None:
    """UNA/UNB/UNH name ORDERS D.96A; UNT counts the message, UNZ the messages; named .edi."""
    payload = render_order(full_order(), "edifact")
    assert payload.startswith(
        b"UNA:+.? '\nUNB+UNOC:3+MAGENTO:ZZZ+ERP:ZZZ+260301:1015+42'"
    )
    segs = edifact_segments(payload)
    tags = [t for t, _ in segs]
    assert (tags[:2], tags[-1]) == (["UNA", "UNB"], "UNZ")
    unh = segs[tags.index("UNH")][1]
    assert unh[1] == ["ORDERS", "D", "96A", "UN"]
    unt = segs[-2][1]
    assert unt == [str(tags.index("UNT") - tags.index("UNH") + 1), unh[0]]
    assert segs[-1][1] == ["1", "42"]
    assert order_file_name("000000042", "edifact") == "order-000000042.edi"


def test_carries_every_canonical_field() -> None:
    """Customer, both addresses, shipping, payment and fee, lines and totals read back."""
    got = read_edifact(render_order(full_order(), "edifact"))
    assert (got.order_number, got.magento_id, got.created) == (
        "000000042",
        "42",
        "202603011015",
    )
    assert_full_order(got)
    segs = _segments()
    assert [["PQ", "tx-991"]] in [e for t, e in segs if t == "RFF"]
    assert next(e[:2] for t, e in segs if t == "NAD") == ["BY", ["7", "", "91"]]
    assert ["7", "VAT", "", "", ["", "", "", "25"]] in [
        e for t, e in segs if t == "TAX"
    ]
    assert [["204", "10.00", "SEK"]] in [e for t, e in segs if t == "MOA"]


def test_segments_sit_where_sap_expected_edifact_puts_them() -> None:
    """BGM, DTM, RFF, NAD, CUX, LIN, QTY, MOA, PRI, UNS and CNT use the sample's element places."""
    ours = _segments()
    text = SAP_EDI.read_bytes()
    theirs = edifact_segments(text)

    def first(
        segs: list[tuple[str, list[Any]]], tag: str, qualifier: str | None
    ) -> list[Any]:
        for t, elements in segs:
            head = elements[0] if elements else ""
            code = head[0] if isinstance(head, list) else head
            if t == tag and (qualifier is None or code == qualifier):
                return elements
        raise AssertionError(f"{tag}+{qualifier} missing")

    for tag, qualifier in [
        ("DTM", "137"),
        ("NAD", "BY"),
        ("NAD", "DP"),
        ("NAD", "IV"),
        ("CUX", "2"),
        ("QTY", None),
        ("MOA", "203"),
        ("PRI", "AAA"),
        ("RFF", "LI"),
        ("UNS", "S"),
        ("MOA", "86"),
        ("CNT", "2"),
    ]:
        a, b = first(ours, tag, qualifier), first(theirs, tag, qualifier)
        assert len(a) <= len(b) or tag == "NAD", (tag, a, b)
        if tag == "NAD" and qualifier != "IV":  # SAP's invoicee has no name
            # name at 4, city at 6, postcode at 8, country at 9
            assert [bool(a[i]) for i in (3, 5, 7, 8)] == [
                bool(b[i]) for i in (3, 5, 7, 8)
            ]
        elif isinstance(b[0], list):  # qualifier and value in the first composite
            assert [bool(c) for c in a[0][:2]] == [bool(c) for c in b[0][:2]], tag
    moa = first(ours, "MOA", "203")[0]
    assert moa[2] == "SEK"  # the currency after the amount, as SAP writes it
    assert first(ours, "BGM", None)[1] == "000000042"
    assert first(ours, "LIN", None)[2][1] == "SA"
    assert first(theirs, "PIA", None)[1][1] in ("BP", "SA")


def test_name_outside_latin1_is_written_as_utf8_with_unow() -> None:
    """A name ISO 8859-1 cannot hold switches the interchange to UNOW:4 and UTF-8."""
    order = full_order().model_copy(
        update={"shipping_address": _address(firstname="Łucja", lastname="Wąs")}
    )
    payload = render_order(order, "edifact")
    assert b"UNB+UNOW:4+" in payload
    assert read_edifact(payload).shipping_name == "Łucja Wąs"
    assert b"UNB+UNOC:3+" in render_order(full_order(), "edifact")


def test_value_longer_than_its_element_is_refused_naming_it() -> None:
    """A postcode past the 9 characters of NAD 3251 refuses the file naming the element."""
    order = full_order().model_copy(
        update={"billing_address": _address(postcode="1234567890")}
    )
    with pytest.raises(InvalidFileError) as caught:
        render_order(order, "edifact")
    assert caught.value.issues[0].field == "NAD postcode"
    assert caught.value.file == "order-000000042.edi"


def test_long_names_continue_and_a_long_region_moves_to_the_unstructured_lines() -> (
    None
):
    """A 40-character company continues in C080, a long region goes whole into C058."""
    company = "Kooperativa Förbundet Ekonomisk Förening"
    order = full_order().model_copy(
        update={
            "billing_address": _address(company=company, region="Västra Götaland"),
        }
    )
    segs = edifact_segments(render_order(order, "edifact"))
    by = next(e for t, e in segs if t == "NAD" and e[0] == "BY")
    assert by[3] == [company[:35], company[35:], "Anna Berg"]
    assert (by[2], by[6]) == ("Västra Götaland", "")


def test_long_transaction_id_is_kept_in_the_free_text() -> None:
    """A 36-character transaction id (past RFF's an..35) is written in FTX+PMT only."""
    tx = "0b3c9a52-6a51-4a0e-9f4e-3d2b1c0a9e8f"
    payment = full_order().payment.model_copy(update={"transaction_id": tx})
    segs = edifact_segments(
        render_order(full_order().model_copy(update={"payment": payment}), "edifact")
    )
    assert ["PMT", "", "", ["sveacheckout", tx]] in [e for t, e in segs if t == "FTX"]
    assert all(e[0][0] != "PQ" for t, e in segs if t == "RFF")
