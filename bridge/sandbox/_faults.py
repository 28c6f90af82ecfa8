"""Fault injection and the request log of the sandbox.

``POST /sandbox/faults`` arms a plan: ``{"status": 503, "count": 3}`` answers the
next three matching requests with that status and a Magento-like body (429 adds a
``Retry-After`` header), ``{"drop": 2}`` closes the next two connections without any
answer, ``{"latency_ms": 50}`` delays every matching request, ``{"after_write":
true}`` applies the request first and then fails its answer (the ambiguous failure
that exactly-once ship/invoice must survive), ``{"paths": "regex"}`` limits the plan
to matching paths, ``{"message": "..."}`` answers that Magento message (with
``status``, default 400) the way Magento's transient 400s come ("Could not save a
shipment, see error log for details", before the write or with ``after_write``
after it), ``{"garble": "notice"}`` or ``{"garble": "empty"}`` applies the request
and answers 200 with a PHP notice before the JSON or with an empty body (``count``,
default 1: the garbled success answers a ship/invoice caller cannot read) and ``{}``
clears it. Only Magento paths are affected, never ``/sandbox/``.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

from bridge.sandbox._auth import unauthorized
from bridge.sandbox._router import MagentoHttpError, bad_request

RETRY_AFTER_SECONDS = 1


@dataclass
class Action:
    """What to do to one request: drop the connection or answer ``status``."""

    drop: bool = False
    status: int | None = None
    after_write: bool = False
    message: str | None = None
    garble: str | None = None

    def garbled(self, body: Any) -> bytes:
        """Return the unreadable success body that stands for ``body``."""
        if self.garble == "empty":
            return b""
        notice = (
            "<br />\n<b>Notice</b>:  Undefined index: extension_attributes in "
            "<b>/var/www/html/vendor/magento/module-sales/Model/Order.php</b> on "
            "line <b>1234</b><br />\n"
        )
        return notice.encode() + json.dumps(body).encode()

    def error(self, resource: str) -> MagentoHttpError:
        """Return the Magento-like error answer for ``status`` (and ``message``)."""
        status = int(self.status or 500)
        if self.message:
            return MagentoHttpError(status, self.message)
        if status == 401:
            return unauthorized(resource)
        if status == 429:
            return MagentoHttpError(
                429,
                "Too Many Requests",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        if status == 500:
            report = secrets.token_hex(16)
            return MagentoHttpError(
                500,
                "Internal Error. Details are available in Magento "
                f"log file. Report ID: webapi-{report}",
            )
        return MagentoHttpError(status, HTTPStatus(status).phrase)


class FaultPlan:
    """The armed faults; thread-safe, counts consumed request by request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plan: dict[str, Any] = {}

    def configure(self, body: Any) -> dict[str, Any]:
        """Replace the plan with ``body`` (``{}`` clears it) and return it.

        Raises:
            MagentoHttpError: 400 for an unknown key or a bad value.
        """
        if not isinstance(body, dict):
            raise bad_request("The fault plan must be a JSON object.")
        known = {
            "status",
            "count",
            "latency_ms",
            "drop",
            "after_write",
            "paths",
            "message",
            "garble",
        }
        if set(body) - known:
            raise bad_request(
                "Unknown fault keys: %1", ", ".join(sorted(set(body) - known))
            )
        try:
            if body.get("paths"):
                re.compile(str(body["paths"]))
            if body.get("status") is not None:
                HTTPStatus(int(body["status"]))
        except (re.error, ValueError) as exc:
            raise bad_request("Invalid fault plan: %1", str(exc)) from None
        plan = dict(body)
        if plan.get("message") and plan.get("status") is None:
            plan["status"] = 400  # Magento's transient 400s carry a message
        if plan.get("garble") not in (None, "notice", "empty"):
            raise bad_request("Invalid fault plan: garble is notice or empty")
        if plan.get("garble") and "count" not in plan:
            plan["count"] = 1
        if plan.get("status") is not None and "count" not in plan:
            plan["count"] = 1
        with self._lock:
            self._plan = plan
            return dict(plan)

    def snapshot(self) -> dict[str, Any]:
        """Return the current plan."""
        with self._lock:
            return dict(self._plan)

    def take(self, path: str) -> tuple[float, Action | None]:
        """Consume the plan for one request to ``path``.

        Returns:
            The latency in seconds to wait, and the action (None: answer normally).
        """
        with self._lock:
            plan = self._plan
            if plan.get("paths") and not re.search(str(plan["paths"]), path):
                return 0.0, None
            latency = float(plan.get("latency_ms") or 0) / 1000
            after = bool(plan.get("after_write"))
            if int(plan.get("drop") or 0) > 0:
                plan["drop"] = int(plan["drop"]) - 1
                return latency, Action(drop=True, after_write=after)
            if plan.get("garble") and int(plan.get("count") or 0) > 0:
                plan["count"] = int(plan["count"]) - 1
                return latency, Action(after_write=True, garble=str(plan["garble"]))
            if plan.get("status") is not None and int(plan.get("count") or 0) > 0:
                plan["count"] = int(plan["count"]) - 1
                return latency, Action(
                    status=int(plan["status"]),
                    after_write=after,
                    message=plan.get("message") or None,
                )
            return latency, None


class RequestLog:
    """Every request seen, in order; optionally appended to a JSONL ``record_file``."""

    def __init__(self, record_file: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []
        self.record_file = record_file

    def add(self, entry: dict[str, Any]) -> None:
        """Append one request/response record."""
        with self._lock:
            self._entries.append(entry)
            if self.record_file is not None:
                with self.record_file.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry) + "\n")

    def entries(self) -> list[dict[str, Any]]:
        """Return a copy of the log."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Forget the in-memory log (the record file keeps everything)."""
        with self._lock:
            self._entries.clear()
