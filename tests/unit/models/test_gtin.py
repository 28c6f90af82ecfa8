"""GTIN references: GTIN-14 normalisation, stored forms and the ``gtin:`` sku."""

from __future__ import annotations

import pytest

from bridge.models.gtin import gtin14, gtin_forms, gtin_reference, referenced_gtin


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("7311100000047", "07311100000047"),
        ("07311100000047", "07311100000047"),
        (" 96385074 ", "00000096385074"),
        ("036000291452", "00036000291452"),
        ("05702938473625", "05702938473625"),  # Peppol's, check digit not theirs
        ("73111000000A7", None),
        ("123", None),
        ("123456789", None),
    ],
)
def test_gtin14_pads_valid_gtins_and_refuses_others(
    code: str, expected: str | None
) -> None:
    """GTIN-8/12/13/14 digits become 14 digits; other lengths or characters are None."""
    assert gtin14(code) == expected


def test_forms_are_the_lengths_leading_zeros_allow() -> None:
    """``07311100000047`` may be stored with 14 or 13 digits, a GTIN-8 in four lengths."""
    assert gtin_forms("07311100000047") == ["07311100000047", "7311100000047"]
    assert gtin_forms("00000096385074") == [
        "00000096385074",
        "0000096385074",
        "000096385074",
        "96385074",
    ]


def test_reference_round_trips_and_ordinary_skus_are_not_references() -> None:
    """``gtin:<GTIN-14>`` names its GTIN; a SKU without the prefix names none."""
    assert referenced_gtin(gtin_reference("07311100000047")) == "07311100000047"
    assert referenced_gtin("gtin:7311100000047") == "07311100000047"
    assert referenced_gtin("ERP-1001") is None
    assert referenced_gtin("gtin:not-digits") is None
