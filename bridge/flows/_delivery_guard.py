"""Ship and invoice calls without a clear answer: uncertain, settled, given up.

A ship or invoice POST that ends without a clear answer (a timeout, a dropped
connection, a 5xx, a success answer whose body cannot be read) may have made the
document: Magento can answer long after the client gave up.
So the call is recorded as *uncertain* in the ledger and nothing is posted again for
that delivery until either

- Magento shows the document (the caller looks for its marker before every post, and
  records what it finds), or
- ``shipments.settle_seconds`` have passed since the call, the markers were checked
  again and there is still no document: then, and only then, it is posted again.

A delivery that keeps failing transiently is counted in the ledger across runs and
rejected after ``runtime.max_record_attempts`` attempts, but only when Magento shows
that nothing was written: never while a call is uncertain. Only answers that point at
the record count (a 500, Magento's transient 400s, an unreadable success body):
timeouts, dropped connections, 408, 429, 502, 503 and 504 say Magento or its proxy is
down or busy, and an outage must not reject every record it meets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, NoReturn

import structlog

from bridge.config import Settings
from bridge.errors import MagentoUnavailableError, RecordRejectedError, TransientError
from bridge.ledger import Ledger
from bridge.models.erp import ErpShipment

__all__ = ["DeliveryGuard", "DeliveryUncertainError", "counts_as_attempt"]

log = structlog.get_logger(__name__)

_NOT_WRITTEN = frozenset({400, 429})
"""Clear answers that nothing was written: too many requests, or Magento's transient
400 ("Could not save a shipment, see error log for details": the save was rolled
back). The document is still looked for at once (S5.1), but nothing settles."""

_OUTAGE = frozenset({408, 429, 502, 503, 504})
"""Statuses of a Magento (or proxy) that is down or busy: no record's fault."""


def counts_as_attempt(exc: MagentoUnavailableError) -> bool:
    """Tell whether a transient failure points at the record (see module doc)."""
    return exc.status_code is not None and exc.status_code not in _OUTAGE


class DeliveryUncertainError(TransientError):
    """A ship/invoice call is uncertain and still settling: nothing is posted."""

    def __init__(self, message: str, *, shipment_id: str, call: str) -> None:
        super().__init__(message)
        self.shipment_id = shipment_id
        self.call = call


class DeliveryGuard:
    """Posts a delivery's ship or invoice call at most once per settle window.

    Args:
        settings: ``shipments.settle_seconds``, ``runtime.max_record_attempts``.
        ledger: The ledger (``ledger.shipments`` keeps the uncertain calls).
        now: The clock (the flow's file context clock).
    """

    def __init__(
        self, settings: Settings, ledger: Ledger, now: Callable[[], datetime]
    ) -> None:
        """Keep the collaborators (S6.2)."""
        self._settle = settings.shipments.settle_seconds
        self._max = settings.runtime.max_record_attempts
        self._ledger = ledger
        self._now = now

    def post_once(
        self,
        shipment: ErpShipment,
        call: str,
        post: Callable[[], int],
        find: Callable[[], Mapping[str, Any] | None],
    ) -> int:
        """Send ``call`` (``ship``/``invoice``) unless an earlier one may still land.

        The caller has just looked for the document and not found it.

        Args:
            shipment: The ERP delivery.
            call: ``ship`` or ``invoice``.
            post: Sends the POST once and returns the new id.
            find: Looks for the document in Magento by its marker.

        Returns:
            The document's id (made now, or found after an unclear answer).

        Raises:
            DeliveryUncertainError: An earlier call is still settling.
            MagentoUnavailableError: This call ended without a clear answer and
                Magento does not show the document (it is now uncertain).
            RecordRejectedError: The call settled without a document after
                ``runtime.max_record_attempts`` attempts.
        """
        sid = shipment.shipment_id
        self._settled_or_raise(shipment, call)
        try:
            return post()
        except MagentoUnavailableError as exc:
            if exc.status_code not in _NOT_WRITTEN:
                since = self._ledger.shipments.mark_uncertain(sid, call)
                log.warning(
                    "delivery_uncertain",
                    record_key=sid,
                    order=shipment.order_number,
                    status=call,
                    since=since.isoformat(),
                )
            found = find()
            if found is None:
                raise
            return int(found["entity_id"])

    def _settled_or_raise(self, shipment: ErpShipment, call: str) -> None:
        """Raise while an earlier ``call`` may still land; forget it once settled."""
        sid = shipment.shipment_id
        step = self._ledger.shipments.get(sid)
        if step is None or step.uncertain != call or step.uncertain_since is None:
            return
        waited = (self._now() - step.uncertain_since).total_seconds()
        if waited < self._settle:
            raise DeliveryUncertainError(
                f"shipment {sid} (order {shipment.order_number}): the {call} call of "
                f"{step.uncertain_since:%Y-%m-%d %H:%M:%S} UTC ended without a clear "
                f"answer and Magento does not show the document yet; nothing is "
                f"posted again before {self._settle - waited:.0f} s have passed "
                "(shipments.settle_seconds)",
                shipment_id=sid,
                call=call,
            )
        self._ledger.shipments.clear_uncertain(sid)
        log.warning(
            "delivery_settled",
            record_key=sid,
            order=shipment.order_number,
            status=f"no {call} document after {waited:.0f} s",
        )
        if step.attempts >= self._max:
            self._give_up(shipment, step.attempts, f"Magento shows no {call} document")

    def failed(self, shipment: ErpShipment, exc: MagentoUnavailableError) -> NoReturn:
        """Count a transient failure; reject after the last attempt, else re-raise.

        Raises:
            RecordRejectedError: ``runtime.max_record_attempts`` reached and no call
                of this delivery is uncertain.
            MagentoUnavailableError: ``exc`` again: the file is retried later.
        """
        sid = shipment.shipment_id
        if not counts_as_attempt(exc):
            raise exc
        attempts = self._ledger.shipments.count_attempt(
            sid, shipment.order_number, str(exc)
        )
        step = self._ledger.shipments.get(sid)
        if attempts < self._max or (step is not None and step.uncertain):
            raise exc
        self._give_up(shipment, attempts, str(exc))

    def _give_up(self, shipment: ErpShipment, attempts: int, reason: str) -> NoReturn:
        message = (
            f"gave up after {attempts} attempts (runtime.max_record_attempts): {reason}"
        )
        raise RecordRejectedError(message, magento_message=message)
