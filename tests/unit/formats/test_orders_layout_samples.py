"""samples/<format>/: the example order of each outbound layout is current."""

from __future__ import annotations

import pytest

from bridge.formats.orders import OrderFormat, order_file_name, render_order
from tests.unit.formats.conftest import SAMPLES
from tests.unit.formats.test_orders_opentrans import full_order

FORMATS: list[OrderFormat] = ["ubl", "opentrans", "idoc", "edifact"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_sample_is_what_the_layout_writes_today(fmt: OrderFormat) -> None:
    """samples/<format>/order-000000042.<ext> is byte for byte the current rendering."""
    path = SAMPLES / fmt / order_file_name("000000042", fmt)
    assert path.read_bytes() == render_order(full_order(), fmt)
