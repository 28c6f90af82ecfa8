"""The one status → error table (``classify``) and Magento's message filling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from bridge.errors import (
    MagentoAuthError,
    MagentoRequestError,
    MagentoUnavailableError,
    RecordRejectedError,
)
from bridge.magento import classify, fill_message

SHIP = httpx.Request("POST", "http://magento.test/rest/V1/order/7/ship")


def answer(status: int, body: Any = None, **kwargs: Any) -> httpx.Response:
    if body is None:
        return httpx.Response(status, request=SHIP, **kwargs)
    return httpx.Response(status, json=body, request=SHIP, **kwargs)


MAGENTO_400 = {
    "message": "Invalid product data: %1",
    "parameters": ["Invalid attribute set entity type"],
}


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, MAGENTO_400, RecordRejectedError),
        (
            404,
            {"message": "The product that was requested doesn't exist."},
            RecordRejectedError,
        ),
        (404, {"message": "Request does not match any route."}, MagentoRequestError),
        (404, None, MagentoRequestError),
        (400, None, MagentoRequestError),
        (401, {"message": "The consumer isn't authorized."}, MagentoAuthError),
        (403, None, MagentoAuthError),
        (405, {"message": "Method not allowed"}, MagentoRequestError),
        (406, None, MagentoRequestError),
        (409, {"message": "Conflict"}, MagentoRequestError),
        (302, None, MagentoRequestError),
        (408, None, MagentoUnavailableError),
        (429, None, MagentoUnavailableError),
        (
            500,
            {"message": "Internal Error. Details are available in Magento log file."},
            MagentoUnavailableError,
        ),
        (502, None, MagentoUnavailableError),
        (503, None, MagentoUnavailableError),
        (504, None, MagentoUnavailableError),
    ],
)
def test_status_table(status: int, body: Any, expected: type[Exception]) -> None:
    """Each status maps to exactly the error class the runner acts on."""
    error = classify(answer(status, body))
    assert type(error) is expected
    assert getattr(error, "status_code", None) == status


@pytest.mark.parametrize("status", [200, 201, 204])
def test_success_is_no_error(status: int) -> None:
    """A 2xx answer is not an error."""
    assert classify(answer(status, {})) is None


def test_list_parameters_are_filled_in() -> None:
    """``%1`` placeholders take the list parameters, in the message and the error."""
    error = classify(answer(400, MAGENTO_400))
    assert isinstance(error, RecordRejectedError)
    assert (
        error.magento_message
        == "Invalid product data: Invalid attribute set entity type"
    )
    assert "POST /rest/V1/order/7/ship" in str(error)
    assert str(error).endswith("Invalid attribute set entity type")


def test_dict_parameters_are_filled_in() -> None:
    """``%name`` placeholders take the dict parameters (Magento's 401 body)."""
    body = {
        "message": "The consumer isn't authorized to access %resources.",
        "parameters": {"resources": "Magento_Sales::sales"},
    }
    error = classify(answer(401, body))
    assert isinstance(error, MagentoAuthError)
    assert error.magento_message == (
        "The consumer isn't authorized to access Magento_Sales::sales."
    )


@pytest.mark.parametrize(
    ("message", "parameters", "filled"),
    [
        ('SKU "%1" qty %2', ["A-1", 3], 'SKU "A-1" qty 3'),
        ("%1 and %10", list("abcdefghij"), "a and j"),
        ("missing %2", ["only one"], "missing %2"),
        ("%name is %state", {"name": "order"}, "order is %state"),
        ("no parameters %1", None, "no parameters %1"),
        ("100% sure %1", ["yes"], "100% sure yes"),
        ("%name and %1", ["x"], "%name and x"),
        ("%1 and %name", {"name": "y"}, "%1 and y"),
    ],
)
def test_fill_message(message: str, parameters: Any, filled: str) -> None:
    """Known placeholders are replaced; unknown ones are left as Magento wrote them."""
    assert fill_message(message, parameters) == filled


def test_shipment_validation_message_is_kept_whole() -> None:
    """A multi-line validation message reaches the rejection unchanged."""
    body = {
        "message": "Shipment Document Validation Error(s):\n"
        "The quantity to ship must not be greater than the unshipped quantity "
        'for product SKU "%1".',
        "parameters": ["ERP-1"],
    }
    error = classify(answer(400, body))
    assert isinstance(error, RecordRejectedError)
    assert error.magento_message is not None
    assert error.magento_message.endswith('product SKU "ERP-1".')


def test_retry_after_seconds() -> None:
    """A delta-seconds ``Retry-After`` is carried on the transient error."""
    error = classify(answer(429, None, headers={"Retry-After": "7"}))
    assert isinstance(error, MagentoUnavailableError)
    assert error.retry_after == 7.0


def test_retry_after_http_date() -> None:
    """An HTTP-date ``Retry-After`` becomes the seconds left until that date."""
    when = datetime.now(UTC) + timedelta(seconds=120)
    error = classify(
        answer(503, None, headers={"Retry-After": format_datetime(when, usegmt=True)})
    )
    assert isinstance(error, MagentoUnavailableError)
    assert error.retry_after is not None
    assert 100 < error.retry_after <= 120


@pytest.mark.parametrize("value", ["soon", "", "Wed, 99 Foo 2024 00:00:00 GMT"])
def test_unreadable_retry_after_is_ignored(value: str) -> None:
    """A ``Retry-After`` that is neither seconds nor a date gives no hint."""
    error = classify(answer(503, None, headers={"Retry-After": value}))
    assert isinstance(error, MagentoUnavailableError)
    assert error.retry_after is None


@pytest.mark.parametrize(
    "value", ["Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2015 07:28:00 -0000"]
)
def test_retry_after_in_the_past_is_zero(value: str) -> None:
    """An HTTP-date already past (zoned or not) means retry now, never negative."""
    error = classify(answer(503, None, headers={"Retry-After": value}))
    assert isinstance(error, MagentoUnavailableError)
    assert error.retry_after == 0.0


@pytest.mark.parametrize("body", [["a list"], {"message": 5}, {"error": "x"}])
def test_json_body_without_message_is_not_magento_s(body: Any) -> None:
    """A JSON body without a string ``message`` is no Magento message: request error."""
    error = classify(answer(400, body))
    assert isinstance(error, MagentoRequestError)
    assert error.magento_message is None


def test_non_json_error_body_has_no_magento_message() -> None:
    """An HTML error page from a proxy is classified by status alone."""
    response = httpx.Response(502, text="<html>Bad Gateway</html>", request=SHIP)
    error = classify(response)
    assert isinstance(error, MagentoUnavailableError)
    assert error.magento_message is None


@pytest.mark.parametrize(
    "message",
    [
        "Could not save a shipment, see error log for details",
        "Could not save an invoice, see error log for details",
        "SQLSTATE[40001]: Serialization failure: 1213 Deadlock found when trying to "
        "get lock; try restarting transaction",
        "Could not save product: SQLSTATE[HY000]: General error: 1205 Lock wait "
        "timeout exceeded; try restarting transaction",
    ],
)
def test_magento_transient_400s_are_transient(message: str) -> None:
    """Magento's "try again" 400s (a failed save, a deadlock) are transient."""
    error = classify(answer(400, {"message": message}))
    assert isinstance(error, MagentoUnavailableError)
    assert (error.status_code, error.magento_message) == (400, message)


def test_source_item_save_failure_stays_a_rejection() -> None:
    """MSI's "Could not save Source Item" also means an unknown SKU: not retried."""
    error = classify(answer(400, {"message": "Could not save Source Item"}))
    assert isinstance(error, RecordRejectedError)
