"""The Magento REST client: one connection pool, retries, the status table.

Everything the adapters (``products``, ``stock``, ``orders``, ``fulfilment``) send goes
through ``MagentoClient.request``, and from there through a ``Transport``
(``_transport.py``: kept-alive ``http.client`` connections, or any httpx transport
such as the unit tests' ``httpx.MockTransport``). This module is the single place
where the transport's (httpx's) exceptions are translated (S4.2) and where an HTTP
status becomes a bridge error (``classify``, S4.3):

=====================================  =============================================
answer                                 error
=====================================  =============================================
2xx                                    none
400 / 404 with Magento's message       ``RecordRejectedError`` (message filled in)
404 "Request does not match any        ``MagentoRequestError`` (a module missing,
route." or without a Magento body      e.g. MSI), or ``MagentoBaseUrlError`` when
                                       ``/V1/store/storeViews`` 404s too
401, 403                               ``MagentoAuthError`` (every flow pauses)
408, 429, 5xx                          ``MagentoUnavailableError`` (+ ``retry_after``)
400 "Could not save a shipment/an      ``MagentoUnavailableError``: Magento's
invoice, see error log for details",   transient 400s (ship/invoice callers probe
a deadlock or lock wait timeout        Magento before posting again)
3xx (Magento's REST API never          ``MagentoBaseUrlError`` (the client)
redirects)
other statuses (405, 406, ...)         ``MagentoRequestError``
connect error, timeout, dropped        ``MagentoUnavailableError``
connection
=====================================  =============================================

Transient errors are retried with capped exponential backoff and full jitter, and a
``Retry-After`` header wins over the computed delay (capped too). Ship and invoice
calls pass ``retry=False``: after an ambiguous failure the caller must ask Magento
what happened before trying again, or it could ship twice.

Secrets (the token, OAuth keys, the Authorization header) are never logged; log
events carry only ``attempt`` and ``status``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx
import structlog

from bridge.config import MagentoSettings
from bridge.errors import (
    BridgeError,
    MagentoAuthError,
    MagentoRequestError,
    MagentoUnavailableError,
    RecordRejectedError,
)
from bridge.magento._auth import auth_for
from bridge.magento._base_url import check_base_url
from bridge.magento._calls import call_record
from bridge.magento._search import Filter, encode_query, search_params
from bridge.magento._transport import Answer, Transport, open_transport
from bridge.support.backoff import Backoff
from bridge.support.calls import current as current_calls
from bridge.support.clock import as_utc, utcnow
from bridge.support.jsonvalues import json_number

__all__ = [
    "Filter",
    "MagentoClient",
    "classify",
    "encode_query",
    "fill_message",
    "parse_id",
    "search_params",
    "segment",
]

log = structlog.get_logger(__name__)

_NO_ROUTE = "Request does not match any route."
_PLACEHOLDER = re.compile(r"%(\d+|[A-Za-z_]\w*)")
_TRANSIENT = frozenset({408, 429})
_HEADERS = {
    "Accept": "application/json",
    "Accept-Encoding": "gzip, deflate",
    "User-Agent": "bridge",
}
_JSON_HEADERS = {**_HEADERS, "Content-Type": "application/json"}
# Magento's 400s that say "the database failed this time", not "this record is bad":
# ShipOrder / InvoiceOrder wrap *any* exception of the save (a deadlock, a payment
# gateway timeout, MSI's source deduction) into CouldNotShip/CouldNotInvoice with
# these words (Sales/Model/ShipOrder.php, Sales/Model/InvoiceOrder.php); MySQL's
# deadlock (1213) and lock wait timeout (1205) reach the answer through the product
# repository's CouldNotSaveException. "Could not save Source Item" is left out: MSI
# (InventoryApi SourceItemsSaveHandler) gives the same words for an unknown SKU or
# source, which retrying never fixes.
_TRANSIENT_400 = re.compile(
    r"Could not save (a shipment|an invoice), see error log for details"
    r"|Deadlock found when trying to get lock"
    r"|Lock wait timeout exceeded"
    r"|SQLSTATE\[40001\]",
)


# --- status → error -------------------------------------------------------------


def fill_message(message: str, parameters: Any) -> str:
    """Fill Magento's ``%1`` / ``%name`` placeholders the way Magento's Phrase does.

    Args:
        message: The ``message`` of a Magento error body.
        parameters: Its ``parameters``: a list for ``%1``.. or a dict for ``%name``.

    Returns:
        The message with every known placeholder replaced; unknown ones stay as-is.
    """

    def lookup(match: re.Match[str]) -> str:
        key = match.group(1)
        if isinstance(parameters, list) and key.isdigit():
            index = int(key) - 1
            if 0 <= index < len(parameters):
                return str(parameters[index])
        elif isinstance(parameters, dict) and key in parameters:
            return str(parameters[key])
        return match.group(0)

    if not parameters:
        return message
    return _PLACEHOLDER.sub(lookup, message)


def _magento_message(answer: Answer) -> str | None:
    """Magento's filled-in error message, or None when the body is not Magento's."""
    try:
        body = json.loads(answer.content)
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return None
    return fill_message(body["message"], body.get("parameters"))


def _retry_after(answer: Answer) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    value = (answer.retry_after or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (as_utc(when) - datetime.now(UTC)).total_seconds())


def _transient_400(status: int, detail: str | None) -> bool:
    """Whether a 400 is one of Magento's "try again" answers (``_TRANSIENT_400``)."""
    return status == 400 and detail is not None and bool(_TRANSIENT_400.search(detail))


def classify(response: Answer | httpx.Response) -> BridgeError | None:
    """Decide what an HTTP answer from Magento means: the one status table (S4.3).

    Args:
        response: Magento's answer (its method and URL are used for the message);
            an ``httpx.Response`` must carry its request.

    Returns:
        None for a 2xx answer, else the error to raise (not raised here).
    """
    answer = response if isinstance(response, Answer) else Answer.of(response)
    status = answer.status
    if 200 <= status < 300:
        return None
    detail = _magento_message(answer)
    what = f"Magento answered {status} to {_label(answer.method, answer.url)}"
    text = f"{what}: {detail}" if detail else what
    if status in (401, 403):
        return MagentoAuthError(text, status_code=status, magento_message=detail)
    if status in _TRANSIENT or status >= 500 or _transient_400(status, detail):
        return MagentoUnavailableError(
            text,
            status_code=status,
            retry_after=_retry_after(answer),
            magento_message=detail,
        )
    if status in (400, 404) and detail is not None and detail != _NO_ROUTE:
        return RecordRejectedError(text, magento_message=detail, status_code=status)
    return MagentoRequestError(text, status_code=status, magento_message=detail)


def _json_default(value: object) -> object:
    """Encode Decimals (prices, quantities) as JSON numbers."""
    if isinstance(value, Decimal):
        return json_number(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


# --- the client --------------------------------------------------------------


class MagentoClient:
    """A thread-safe Magento REST client shared by the flows' worker threads.

    Args:
        settings: The ``[magento]`` section (base URL, auth, timeouts, retries).
        transport: An httpx transport to send through instead of the client's own
            pool (``httpx.MockTransport`` in unit tests).
        sleep: Called with the delay between retries (injected in tests).
        on_request: Told of every attempt: the error it raised (None when it
            succeeded) and its duration in seconds (metrics, Magento's health).

    Every attempt is also added to the call log of the current context, when the
    pipeline installed one for a file (``bridge.support.calls``).
    """

    def __init__(
        self,
        settings: MagentoSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_request: Callable[[BaseException | None, float], None] | None = None,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self.on_request = on_request
        self._base = settings.base_url.rstrip("/") + "/rest"
        self._slots = threading.BoundedSemaphore(settings.concurrency)
        self._backoff = Backoff(
            settings.backoff_initial_seconds, settings.backoff_max_seconds
        )
        self._auth = auth_for(settings)
        self._transport: Transport = open_transport(
            settings.base_url, settings.timeout_seconds, settings.concurrency, transport
        )

    def __enter__(self) -> MagentoClient:
        """Use the client as a context manager that closes its connections."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the connection pool."""
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._transport.close()

    def use_credentials(self, settings: MagentoSettings) -> None:
        """Take ``settings``' base URL and credentials (edited while paused).

        Connections, timeouts and retries stay as they were started.
        """
        self.settings = self.settings.model_copy(
            update={
                name: getattr(settings, name)
                for name in (
                    "base_url",
                    "token",
                    "consumer_key",
                    "consumer_secret",
                    "access_token",
                    "access_token_secret",
                )
            }
        )
        self._base = self.settings.base_url.rstrip("/") + "/rest"
        self._auth = auth_for(self.settings)

    def url(self, path: str, store: str | None = None) -> str:
        """The full URL of ``path`` ("/V1/...") in ``store`` (None: no store code)."""
        scope = f"/{store}" if store else ""
        return f"{self._base}{scope}{path}"

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        store: str | None = None,
        retry: bool = True,
    ) -> Any:
        """Send one REST call and return Magento's parsed JSON answer.

        Args:
            method: HTTP method.
            path: ``/V1/...``; the URL is ``{base_url}/rest[/{store}]{path}``.
            json: The request body, if any (Decimals become JSON numbers).
            params: Query parameters (see ``search_params``).
            store: Store code (``all`` for product writes), or None.
            retry: False for non-idempotent calls (ship, invoice): one attempt only.

        Returns:
            The decoded JSON body (a dict, list or bare scalar).

        Raises:
            MagentoUnavailableError: Still transient after the retries (or at once
                with ``retry=False``).
            MagentoAuthError: 401/403.
            RecordRejectedError: 400/404 with Magento's message.
            MagentoRequestError: Any other refusal or an unreadable answer.
        """
        url = self.url(path, store)
        content = None if json is None else _encode(json)
        attempts = 1 + self.settings.max_retries if retry else 1
        for attempt in range(1, attempts + 1):
            try:
                return self._timed(method, url, content, params, attempt)
            except MagentoUnavailableError as exc:
                if attempt >= attempts:
                    raise
                delay = self._backoff.delay(attempt, exc.retry_after)
                log.warning(
                    "magento_request_retried",
                    attempt=attempt,
                    status=exc.status_code,
                    url=_loggable(url),
                    reason=str(exc),
                    retry_in_seconds=round(delay, 2),
                )
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _timed(
        self,
        method: str,
        url: str,
        content: bytes | None,
        params: Mapping[str, str] | None,
        attempt: int = 1,
    ) -> Any:
        """One attempt, reported to ``on_request`` and the file's call log, if any."""
        calls = current_calls()
        if self.on_request is None and calls is None:
            return self._send(method, url, content, params)[1]
        at, started = utcnow(), time.perf_counter()
        status: int | None = None
        answer: Any = None
        error: BridgeError | None = None
        try:
            status, answer = self._send(method, url, content, params)
        except BridgeError as exc:
            error = exc
            raise
        finally:
            seconds = time.perf_counter() - started
            # A bug (a non-bridge exception) is no answer from Magento: not reported.
            ended = error is not None or status is not None
            if self.on_request is not None and ended:
                self.on_request(error, seconds)
            if calls is not None and ended:
                calls.add(
                    call_record(
                        method,
                        url,
                        at=at,
                        seconds=seconds,
                        attempt=attempt,
                        status=status,
                        answer=answer,
                        error=error,
                    )
                )
        return answer

    def _send(
        self,
        method: str,
        url: str,
        content: bytes | None,
        params: Mapping[str, str] | None,
    ) -> tuple[int, Any]:
        """One attempt: (status, decoded answer); transport errors translated here only."""
        if params:
            url = f"{url}?{encode_query(params)}"
        with self._slots:
            answer = self._exchange(method, url, content)
        error = classify(answer)
        if error is not None:
            if isinstance(error, MagentoRequestError):
                no_route = _magento_message(answer) in (None, _NO_ROUTE)
                label = _label(method, url)
                check_base_url(self._probe, self.settings, answer, label, no_route)
            raise error
        try:
            return answer.status, json.loads(answer.content)
        except ValueError as exc:
            raise MagentoRequestError(
                f"Magento answered {answer.status} to {_label(method, url)} with a "
                "body that is not JSON (check magento.base_url)",
                status_code=answer.status,
            ) from exc

    def _exchange(self, method: str, url: str, content: bytes | None) -> Answer:
        """Send one request, signed; the transport's exceptions become bridge errors."""
        headers = dict(_HEADERS if content is None else _JSON_HEADERS)
        if self._auth is not None:
            headers["Authorization"] = self._auth.authorization(method, url)
        try:
            return self._transport.send(method, url, headers, content)
        except httpx.TimeoutException as exc:
            raise MagentoUnavailableError(
                f"Magento timed out: {_label(method, url)}"
            ) from exc
        except httpx.TransportError as exc:
            raise MagentoUnavailableError(
                f"Magento unreachable: {_label(method, url)}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    def _probe(self, url: str) -> int | None:
        """GET ``url`` (signed); its status, or None when no answer came."""
        try:
            return self._exchange("GET", url, None).status
        except MagentoUnavailableError:
            return None


def _label(method: str, url: str) -> str:
    """``METHOD /path`` of a request for messages: no host, no query, path decoded."""
    return f"{method} {unquote(urlsplit(url).path)}"


def _loggable(url: str) -> str:
    """``url`` without user info or query (neither belongs in a log)."""
    parsed = urlsplit(url)
    return f"{parsed.scheme}://{parsed.netloc.rpartition('@')[2]}{parsed.path}"


def segment(value: str | int) -> str:
    """``value`` escaped as one URL path segment (a SKU may contain ``/``)."""
    return quote(str(value), safe="")


def parse_id(answer: Any) -> int:
    """An id Magento returned as a bare JSON scalar: ``3`` or ``"3"``.

    The schema says integer, but Magento passes scalars through untouched, so a
    string comes back too (API-FACTS §4).

    Args:
        answer: The decoded JSON answer.

    Returns:
        The id as an int.

    Raises:
        MagentoRequestError: The answer is not an id.
    """
    if isinstance(answer, int | str) and not isinstance(answer, bool):
        try:
            return int(answer)
        except ValueError:
            pass
    raise MagentoRequestError(f"Magento answered {answer!r} where an id was expected")


def _encode(body: Any) -> bytes:
    return json.dumps(body, default=_json_default, ensure_ascii=False).encode("utf-8")
