"""MagentoClient and a file's call log: what is kept of each exchange, and when."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bridge.errors import MagentoUnavailableError, RecordRejectedError
from bridge.magento import FulfilmentAdapter, MagentoClient
from bridge.support.calls import CallLog, for_record, in_context, recording

from .conftest import TOKEN, Magento, MakeClient


def test_a_ship_call_is_logged_with_its_record_and_created_shipment(
    make_client: MakeClient, magento: Magento
) -> None:
    """A ship POST inside ``recording`` is kept with status, record and shipment id."""
    magento.queue(httpx.Response(200, json="41"))
    calls = CallLog()
    with recording(calls), for_record("DN-1"):
        FulfilmentAdapter(make_client()).ship(
            7, [{"order_item_id": 1, "qty": 1}], tracks=[], notify=False, comment=""
        )
    (call,) = calls.take()[0]
    assert (call.method, call.path, call.status, call.error) == (
        "POST",
        "/rest/V1/order/7/ship",
        200,
        None,
    )
    assert call.record_key == "DN-1"
    assert call.document_id == 41
    assert call.attempt == 1
    assert call.duration_ms >= 0
    assert call.at.tzinfo is not None


def test_retries_are_logged_as_attempts_and_the_query_is_left_out(
    make_client: MakeClient, magento: Magento
) -> None:
    """Two 503s then a 200 on a search are three calls, attempts 1 to 3, no query."""
    magento.queue(
        httpx.Response(503, json={"message": "down"}),
        httpx.Response(503, json={"message": "down"}),
        httpx.Response(200, json={"items": [], "total_count": 0}),
    )
    calls = CallLog()
    with recording(calls):
        make_client().request(
            "GET", "/V1/orders", params={"searchCriteria[pageSize]": "1"}
        )
    made, dropped = calls.take()
    assert [(c.attempt, c.status, c.error) for c in made] == [
        (1, 503, "MagentoUnavailableError"),
        (2, 503, "MagentoUnavailableError"),
        (3, 200, None),
    ]
    assert {c.path for c in made} == {"/rest/V1/orders"}
    assert all(c.document_id is None and c.record_key is None for c in made)
    assert dropped == 0


def test_a_transport_error_is_logged_by_its_class_without_a_status(
    make_client: MakeClient, magento: Magento
) -> None:
    """A read timeout on an invoice (never retried) is kept as ReadTimeout, no status."""
    magento.queue(httpx.ReadTimeout("slow"))
    calls = CallLog()
    with recording(calls), pytest.raises(MagentoUnavailableError):
        make_client().request("POST", "/V1/order/7/invoice", json={}, retry=False)
    (call,) = calls.take()[0]
    assert (call.status, call.error, call.document_id) == (None, "ReadTimeout", None)


def test_a_refused_record_keeps_the_status_and_no_document(
    make_client: MakeClient, magento: Magento
) -> None:
    """A product POST answered 400 is kept as 400 RecordRejectedError, no id."""
    magento.queue(httpx.Response(400, json={"message": "bad", "id": 3}))
    calls = CallLog()
    with recording(calls), pytest.raises(RecordRejectedError):
        make_client().request("POST", "/V1/products", json={}, store="all")
    (call,) = calls.take()[0]
    assert (call.path, call.status, call.error, call.document_id) == (
        "/rest/all/V1/products",
        400,
        "RecordRejectedError",
        None,
    )


def test_created_ids_come_only_from_posts_that_answer_with_an_id(
    make_client: MakeClient, magento: Magento
) -> None:
    """A product POST's id counts; a PUT's id, a comment's true and a list do not."""
    magento.queue(
        httpx.Response(200, json={"id": 9, "sku": "A"}),
        httpx.Response(200, json={"id": 9, "sku": "A"}),
        httpx.Response(200, json=True),
        httpx.Response(200, json=[]),
    )
    client = make_client()
    calls = CallLog()
    with recording(calls):
        client.request("POST", "/V1/products", json={})
        client.request("PUT", "/V1/products/A", json={})
        client.request("POST", "/V1/orders/1/comments", json={})
        client.request("POST", "/V1/inventory/source-items", json={})
    assert [c.document_id for c in calls.take()[0]] == [9, None, None, None]


def test_nothing_is_logged_outside_recording(
    make_client: MakeClient, magento: Magento
) -> None:
    """Calls made without a log installed (order export, doctor) are kept nowhere."""
    calls = CallLog()
    with recording(calls):
        pass
    make_client().request("GET", "/V1/products/A")
    assert calls.take() == ([], 0)
    assert len(magento.requests) == 1


def test_pool_work_wrapped_in_context_logs_into_the_files_log(
    make_client: MakeClient, magento: Magento
) -> None:
    """Calls made in pool threads reach the log through ``in_context``, keys and all."""
    client = make_client()

    def get(sku: str) -> None:
        with for_record(sku):
            client.request("GET", f"/V1/products/{sku}")

    calls = CallLog()
    with recording(calls), ThreadPoolExecutor(4) as pool:
        for f in [pool.submit(in_context(get), f"S-{i}") for i in range(8)]:
            f.result()
    with ThreadPoolExecutor(1) as pool:
        pool.submit(get, "unlogged").result()
    made = calls.take()[0]
    assert sorted(c.record_key or "" for c in made) == [f"S-{i}" for i in range(8)]


def test_the_log_keeps_its_limit_and_counts_the_rest(
    make_client: MakeClient, magento: Magento
) -> None:
    """A log of limit 2 keeps the first two calls of five and counts three dropped."""
    client = make_client()
    calls = CallLog(limit=2)
    with recording(calls):
        for i in range(5):
            client.request("GET", f"/V1/products/P{i}")
    made, dropped = calls.take()
    assert [c.path for c in made] == ["/rest/V1/products/P0", "/rest/V1/products/P1"]
    assert dropped == 3
    assert calls.take() == ([], 0)


def test_no_secret_reaches_the_log(make_client: MakeClient, magento: Magento) -> None:
    """The token and the body never appear in what the log keeps."""
    client: MagentoClient = make_client()
    calls = CallLog()
    with recording(calls):
        client.request("POST", "/V1/products", json={"product": {"sku": "SECRET-SKU"}})
    assert TOKEN in magento.last.headers["Authorization"]
    (call,) = calls.take()[0]
    assert TOKEN not in repr(call)
    assert "SECRET-SKU" not in repr(call)
