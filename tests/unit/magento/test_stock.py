"""StockAdapter: MSI source items in chunks, legacy stock items one by one."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from bridge.magento import StockAdapter

from .conftest import Magento, MakeClient


def source_item(i: int) -> dict[str, object]:
    return {"sku": f"S{i}", "source_code": "default", "quantity": i, "status": 1}


def test_source_items_are_chunked_by_batch_size(
    make_client: MakeClient, magento: Magento
) -> None:
    """45 items with batch_size 20 make three POSTs of 20, 20 and 5."""
    stock = StockAdapter(make_client(batch_size=20))
    magento.default = httpx.Response(200, json=[])
    items = [source_item(i) for i in range(45)]
    stock.save_source_items(items)
    assert [r.url.path for r in magento.requests] == [
        "/rest/V1/inventory/source-items"
    ] * 3
    bodies = [magento.body(i)["sourceItems"] for i in range(3)]
    assert [len(b) for b in bodies] == [20, 20, 5]
    assert [item for body in bodies for item in body] == items


def test_no_items_no_call(make_client: MakeClient, magento: Magento) -> None:
    """Saving nothing sends nothing."""
    StockAdapter(make_client()).save_source_items([])
    assert magento.requests == []


def test_legacy_stock_item_read_and_update(
    make_client: MakeClient, magento: Magento
) -> None:
    """Legacy stock: GET the item, then PUT qty and is_in_stock; the id comes back."""
    stock = StockAdapter(make_client())
    magento.queue(
        httpx.Response(200, json={"item_id": 42, "qty": 1, "is_in_stock": True}),
        httpx.Response(200, json="42"),
    )
    assert stock.get_stock_item("ERP 1")["item_id"] == 42
    assert stock.update_stock_item("ERP 1", 42, Decimal("12.5"), True) == 42
    get, put = magento.requests
    assert get.url.raw_path == b"/rest/V1/stockItems/ERP%201"
    assert put.method == "PUT"
    assert put.url.raw_path == b"/rest/V1/products/ERP%201/stockItems/42"
    assert magento.body() == {"stockItem": {"qty": 12.5, "is_in_stock": True}}


@pytest.mark.parametrize("answer", [b"true", b"null", b'"abc"', b'{"id": 1}', b"2.5"])
def test_unexpected_id_answer_is_a_request_error(
    make_client: MakeClient, magento: Magento, answer: bytes
) -> None:
    """An answer that is not an id is reported, never turned into a wrong id."""
    magento.queue(httpx.Response(200, content=answer))
    with pytest.raises(Exception, match="where an id was expected") as caught:
        StockAdapter(make_client()).update_stock_item("A", 1, 1, True)
    assert type(caught.value).__name__ == "MagentoRequestError"
