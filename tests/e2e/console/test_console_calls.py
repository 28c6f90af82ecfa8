"""A file's page in the console shows the Magento calls made for it, a page at a time."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from tests.e2e.console.conftest import VIEWER, Served, login, products_xml


def _order(served: Served) -> dict[str, Any]:
    spec = {
        "customer": {"email": "anna@example.com", "firstname": "Anna"},
        "items": [{"sku": "CC-1", "qty": 1, "price": 100, "tax_percent": 25}],
        "shipping_amount": 49,
        "payment_method": "checkmo",
    }
    answer = httpx.post(f"{served.home.sandbox_url}/sandbox/orders", json=spec)
    answer.raise_for_status()
    order: dict[str, Any] = answer.json()
    return order


def _archived(served: Served, name: str) -> bool:
    return any(p.name.endswith("_" + name) for p in served.home.files("archive"))


def _file_id(client: httpx.Client, name: str) -> int:
    page = client.get(f"/files?name={name}").text
    match = re.search(rf'href="/files/(\d+)">{re.escape(name)}<', page)
    assert match is not None, page
    return int(match.group(1))


def _calls(page: str) -> list[list[str]]:
    """The rows of the page's calls table, as cell texts."""
    table = re.search(r'<table id="calls">(.*?)</table>', page, re.S)
    assert table is not None, page
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)[1:]
    return [
        [html.unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in rows
    ]


def test_a_shipments_files_page_lists_its_ship_and_invoice_calls(
    served: Served,
) -> None:
    """A viewer sees the ship and invoice POSTs with the ids Magento gave them."""
    order = _order(served)
    served.home.drop(
        "shipments",
        "ship.xml",
        "<shipments><shipment><shipment_id>DN-C1</shipment_id>"
        f"<order_number>{order['increment_id']}</order_number>"
        "<lines><line><sku>CC-1</sku><qty>1</qty></line></lines>"
        "</shipment></shipments>",
    )
    served.wait_for(lambda: _archived(served, "ship.xml"), what="ship.xml applied")
    client = login(served, VIEWER)
    page = client.get(f"/files/{_file_id(client, 'ship.xml')}").text
    documents = re.search(r"<td>DN-C1</td>.*?</tr>", page, re.S)
    assert documents is not None, page
    shipment_no, invoice_no = re.findall(r"<td>(\d+)</td>", documents.group(0))[:2]
    posts = [row for row in _calls(page) if row[3] == "POST"]
    entity = order["entity_id"]
    assert [(r[2], r[4], r[5], r[8]) for r in posts] == [
        ("DN-C1", f"/rest/V1/order/{entity}/ship", "200", shipment_no),
        ("DN-C1", f"/rest/V1/order/{entity}/invoice", "200", invoice_no),
    ]
    summary = re.search(r'<p id="calls-summary">(.*?)</p>', page, re.S)
    assert summary is not None
    assert f"{len(_calls(page))} calls stored." == summary.group(1)
    assert 'id="calls-more"' not in page


def test_a_files_calls_are_paged_with_how_many_more(served: Served) -> None:
    """110 product creates show 100 calls, "N more" and a link to the rest."""
    skus = [f"CP-{i:03d}" for i in range(110)]
    served.home.drop("products", "many.xml", products_xml(*skus))
    served.wait_for(lambda: _archived(served, "many.xml"), what="many.xml applied")
    client = login(served, VIEWER)
    file_id = _file_id(client, "many.xml")
    first = client.get(f"/files/{file_id}").text
    rows = _calls(first)
    assert len(rows) == 100
    assert rows[0][0] == "1"
    more = re.search(r'<span id="calls-more">(\d+) more</span>', first)
    assert more is not None, first
    total = 100 + int(more.group(1))
    assert f"{total} calls stored." in first
    link = re.search(r'href="(/files/\d+\?calls=100)" id="calls-next"', first)
    assert link is not None
    rest = _calls(client.get(link.group(1)).text)
    assert len(rest) == total - 100
    assert rest[0][0] == "101"
    created = sorted(r[2] for r in rows + rest if r[3] == "POST")
    assert created == skus
    assert client.get(f"/files/{file_id}?calls=oops").status_code == 200
