"""The sandbox application: one request in, one reply out, independent of sockets.

Order of work, as Magento's REST controller does it: match the route (404
``Request does not match any route.``), check the store code, parse the JSON body,
authenticate (401 naming the route's ACL resource), then run the handler under the
shop lock. A write runs as a transaction: on an error the state is restored, on
success it is saved. Faults and the request log wrap all of it.
"""

from __future__ import annotations

import copy
import json
import pickle
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import structlog

from bridge.sandbox import (
    _catalog,
    _inventory,
    _invoices,
    _orders,
    _shipments,
    _store,
)
from bridge.sandbox._auth import Authenticator
from bridge.sandbox._faults import FaultPlan, RequestLog
from bridge.sandbox._router import MagentoHttpError, Request, Route, Router
from bridge.sandbox._search import parse_fields, trim
from bridge.sandbox._state import Shop

log = structlog.get_logger(__name__)
_REST = re.compile(r"^/rest(?:/(?!V1/)(?P<store>[A-Za-z0-9_]+))?(?P<route>/V1/.*)$")
STORE_MISSING = (
    "The store that was requested wasn't found. Verify the store and try again."
)


@dataclass
class Reply:
    """What the HTTP layer should send (or ``drop``: close without answering)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    raw: bytes | None = None  # sent as is instead of ``body`` (garbled answers)


def magento_router() -> Router:
    """Return the router with every Magento endpoint the sandbox serves."""
    router = Router()
    for module in (_catalog, _inventory, _orders, _shipments, _invoices, _store):
        router.include(module.router)
    return router


class SandboxApp:
    """Dispatches requests to the Magento routes or the ``/sandbox/`` helpers."""

    def __init__(
        self,
        shop: Shop,
        auth: Authenticator,
        requests: RequestLog,
        helpers: Router,
        *,
        rollback: bool = True,
    ) -> None:
        self.shop = shop
        self.rollback = rollback
        self.auth = auth
        self.faults = FaultPlan()
        self.requests = requests
        self.router = magento_router()
        self.helpers = helpers

    def handle(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        raw: bytes,
        base_url: str,
    ) -> Reply:
        """Answer one request.

        Args:
            method: HTTP method.
            target: The request target (path and query).
            headers: Request headers with lower-case names.
            raw: The request body bytes.
            base_url: ``http://host:port`` as the client addressed the server.

        Returns:
            The reply to send.
        """
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        entry: dict[str, Any] = {
            "method": method,
            "path": parts.path,
            "query": query,
            "body": _loads(raw),
            "time": time.time(),
        }
        if parts.path.startswith("/sandbox/"):
            reply = self._helper(method, parts.path, query, raw)
        else:
            reply = self._magento(
                method, parts.path, query, headers, raw, base_url + target
            )
        entry.update(status=None if reply.drop else reply.status, response=reply.body)
        if parts.path != "/sandbox/requests":
            self.requests.add(entry)
        return reply

    def _helper(
        self, method: str, path: str, query: dict[str, str], raw: bytes
    ) -> Reply:
        try:
            route, params = self.helpers.match(method, path)
            req = Request(method, path, "all", query, _parse_body(raw))
            with self.shop.lock:
                result = route.handler(self, req, **params)
                if method != "GET":
                    self.shop.save()
        except MagentoHttpError as exc:
            return Reply(exc.status, exc.body(), exc.headers)
        return Reply(200, result)

    def _magento(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        raw: bytes,
        url: str,
    ) -> Reply:
        latency, action = self.faults.take(path)
        if latency:
            time.sleep(latency)
        resource = "Magento_Backend::admin"
        if action is not None and not action.after_write:
            return _fault_reply(action, resource)
        try:
            route, params, req = self._resolve(method, path, query, raw)
            resource = route.resource
            self.auth.check(method, url, headers.get("authorization", ""), resource)
            result = self._run(route.handler, req, params)
            if query.get("fields"):
                result = trim(result, parse_fields(query["fields"]))
            reply = Reply(200, result)
        except MagentoHttpError as exc:
            reply = Reply(exc.status, exc.body(), exc.headers)
        if action is not None and action.garble:
            if reply.status != 200:
                return reply
            return Reply(200, reply.body, raw=action.garbled(reply.body))
        if action is not None:
            return _fault_reply(action, resource)
        return reply

    def _resolve(
        self, method: str, path: str, query: dict[str, str], raw: bytes
    ) -> tuple[Route, dict[str, str], Request]:
        """Match the route, check the store code and parse the body, in that order."""
        found = _REST.match(path)
        if found is None:
            raise MagentoHttpError(404, "Request does not match any route.")
        route, params = self.router.match(method, found["route"])
        store = found["store"] or "default"
        if store not in ("default", "all"):
            raise MagentoHttpError(404, STORE_MISSING)  # NoSuchEntityException → 404
        return (
            route,
            params,
            Request(method, found["route"], store, query, _parse_body(raw)),
        )

    def _run(self, handler: Any, req: Request, params: dict[str, str]) -> Any:
        """Run a handler as one transaction: restore the state if it raises."""
        with self.shop.lock:
            # A pickled snapshot is ~10x cheaper than deepcopy and is only unpickled
            # when the handler fails; large catalogues (benches) stay usable.
            writes = req.method != "GET"
            before = (
                pickle.dumps(self.shop.data, 5) if writes and self.rollback else None
            )
            try:
                result = handler(self.shop, req, **params)
            except MagentoHttpError:
                self.shop.data = _restore(before, self.shop.data)
                raise
            except Exception:
                self.shop.data = _restore(before, self.shop.data)
                log.exception("sandbox_handler_failed", path=req.path)
                raise MagentoHttpError(
                    500, "Internal Error. Details are available in Magento log file."
                ) from None
            if writes:
                self.shop.save()
            return copy.deepcopy(result)


def _restore(snapshot: bytes | None, current: Any) -> Any:
    """Return the shop data as pickled before a failed write (our own bytes)."""
    return current if snapshot is None else pickle.loads(snapshot)  # noqa: S301


def _fault_reply(action: Any, resource: str) -> Reply:
    if action.drop:
        return Reply(drop=True)
    error = action.error(resource)
    return Reply(error.status, error.body(), error.headers)


def _loads(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _parse_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise MagentoHttpError(400, "Decoding error.") from None
