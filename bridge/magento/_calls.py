"""What the client tells a file's call log about one exchange (``support.calls``).

The client measures every attempt; when a ``CallLog`` is installed for the current
context (the pipeline does so around one file's flow), ``call_record`` turns the
attempt into a ``CallRecord``: method, path without the query, status or the error's
class, duration, attempt, and the id of the document a POST created. Bodies, headers
and tokens are never looked at beyond that id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from bridge.errors import BridgeError
from bridge.support.calls import CallRecord, current_record

__all__ = ["call_record", "created_id"]

_PATH_CHARS = 512


def created_id(method: str, answer: Any) -> int | None:
    """The id of the document a POST created, from Magento's answer, or None.

    Ship and invoice answer with the bare id (``3`` or ``"3"``, API-FACTS §4); a
    product POST answers with the product, whose ``id`` is the new entity's. Other
    answers (``true`` for a comment, ``[]`` for source items) created no document
    the bridge refers to.
    """
    if method != "POST":
        return None
    if isinstance(answer, dict):
        answer = answer.get("id")
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int):
        return answer
    if isinstance(answer, str) and answer.isdigit():
        return int(answer)
    return None


def _error_name(exc: BridgeError) -> str:
    """A transport error's class (no answer came), else the bridge error's class."""
    cause = exc.__cause__
    if getattr(exc, "status_code", None) is None and isinstance(
        cause, httpx.TransportError
    ):
        return type(cause).__name__
    return type(exc).__name__


def call_record(
    method: str,
    url: str,
    *,
    at: datetime,
    seconds: float,
    attempt: int,
    status: int | None = None,
    answer: Any = None,
    error: BridgeError | None = None,
) -> CallRecord:
    """One exchange as the call log keeps it.

    Args:
        method: The HTTP method.
        url: The URL without the query (the query is never kept).
        at: When the request was sent.
        seconds: How long the exchange took.
        attempt: The client's attempt number (1 = first try).
        status: The HTTP status of a successful answer.
        answer: The decoded answer of a successful call.
        error: The error the call ended with, if it failed.
    """
    if error is not None:
        status = getattr(error, "status_code", None)
    # urlsplit, not httpx.URL: a hundred times cheaper, and the path stays as sent
    # (a SKU's "/" percent-encoded).
    path = urlsplit(url).path
    return CallRecord(
        at=at,
        method=method,
        path=path[:_PATH_CHARS],
        status=status,
        error=None if error is None else _error_name(error),
        duration_ms=round(seconds * 1000),
        attempt=attempt,
        record_key=current_record(),
        document_id=None if error is not None else created_id(method, answer),
    )
