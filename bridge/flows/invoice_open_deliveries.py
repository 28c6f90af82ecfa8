"""Deliveries shipped but not invoiced get their invoice once the cause clears.

A delivery whose shipment exists in Magento but whose invoice was refused (capture
not available, the order on hold, a payment gateway down) or never answered stays
open in the ledger (state ``shipped``) after its file completed. The service retries
its invoice on its own, with backoff: the first retry comes ``FIRST_RETRY_SECONDS``
after the refusal, each later one waits twice as long, up to
``runtime.backoff_max_seconds``, and it keeps trying at that pace until Magento
invoices it or an operator resolves it. Each retry goes through the same exactly-once
path as a file (``ApplyShipmentsFlow.invoice_shipped``: the marker is looked for first,
an unclear answer makes the call uncertain), under the lease
``shipment:<shipment_id>``, which a shipments file takes too for each of its
deliveries, so a file claimed while a retry runs waits for it. While any shipments
file is being worked on (pending included, in any process) no retry starts: that
file may carry the same delivery. The
schedule lives in the ledger's named values (``invoice_retry:<shipment id>``), so it
survives restarts and is shown by ``bridge status``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import structlog

from bridge.config import Settings
from bridge.errors import RecordRejectedError, TransientError
from bridge.flows.apply_shipments import ApplyShipmentsFlow
from bridge.flows.base import FileContext
from bridge.ledger import Ledger
from bridge.ledger.ownership import Ownership, holding
from bridge.ledger.shipments import ShipmentRow
from bridge.models.erp import ErpShipment, ErpShipmentLine
from bridge.models.status import StepState
from bridge.support.clock import as_utc

__all__ = [
    "FIRST_RETRY_SECONDS",
    "InvoiceOpenDeliveriesFlow",
    "InvoiceRetry",
    "next_invoice_try",
    "retry_key",
]

log = structlog.get_logger(__name__)

#: The first automatic retry of a refused invoice comes this long after the refusal.
FIRST_RETRY_SECONDS = 60.0


def retry_key(shipment_id: str) -> str:
    """The named value that holds a delivery's invoice retry schedule."""
    if len(shipment_id) <= 100:
        return f"invoice_retry:{shipment_id}"
    digest = hashlib.sha256(shipment_id.encode()).hexdigest()
    return f"invoice_retry:#{digest}"


def next_invoice_try(ledger: Ledger, row: ShipmentRow, settings: Settings) -> datetime:
    """When an open delivery's invoice is tried next (also for ``bridge status``)."""
    raw = ledger.files.get_value(retry_key(str(row.shipment_id)))
    if raw is not None:
        return datetime.fromisoformat(str(json.loads(raw)["next"]))
    first = min(FIRST_RETRY_SECONDS, settings.runtime.backoff_max_seconds)
    updated = row.updated_at or ledger.now()
    return as_utc(updated) + timedelta(seconds=first)


@dataclass(frozen=True)
class InvoiceRetry:
    """One automatic invoice retry: the delivery and what came of it."""

    shipment_id: str
    order_number: str
    invoice_id: int | None = None
    error: str | None = None


def _erp_shipment(row: ShipmentRow) -> ErpShipment:
    """Rebuild the delivery from the ledger (its lines text: ``SKU x qty; ...``)."""
    lines = []
    for part in str(row.lines or "").split("; "):
        if " x " in part:
            sku, qty = part.rsplit(" x ", 1)
            lines.append(ErpShipmentLine(sku=sku, qty=Decimal(qty)))
    amount = row.invoice_amount
    return ErpShipment(
        shipment_id=str(row.shipment_id),
        order_number=str(row.order_number),
        lines=tuple(lines),
        invoice_amount=Decimal(str(amount)) if amount is not None else None,
        currency=row.currency,
    )


class InvoiceOpenDeliveriesFlow:
    """Retries the invoices of deliveries shipped but not invoiced, with backoff.

    Args:
        settings: The bridge settings (``runtime.backoff_max_seconds``).
        ledger: The ledger (open deliveries, their files, the retry schedule).
        shipments: The shipments flow that invoices exactly once.
        ownership: This process's leases (None: one process only).
        now: The clock (S7.6).
    """

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        shipments: ApplyShipmentsFlow,
        *,
        ownership: Ownership | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """Keep the collaborators; nothing is called yet."""
        self._settings = settings
        self._cap = settings.runtime.backoff_max_seconds
        self._ledger = ledger
        self._shipments = shipments
        self._ownership = ownership
        self._now = now or ledger.now

    def delay(self, tries: int) -> float:
        """Seconds before the next retry after ``tries`` retries (0: the first)."""
        return min(FIRST_RETRY_SECONDS * 2.0**tries, self._cap)

    def open_deliveries(self) -> list[ShipmentRow]:
        """Deliveries shipped, not invoiced, while no shipments file is worked on.

        A shipments file in hand (here or in another process) may carry the same
        delivery: the retries wait for it (the shipment lease covers the moment
        between this check and the call).
        """
        busy = any(f.kind == "shipments" for f in self._ledger.files.processing())
        if busy:
            return []
        return [
            row
            for row in self._ledger.shipments.pending()
            if row.state == StepState.SHIPPED and not row.conflict
        ]

    def run(self) -> list[InvoiceRetry]:
        """Try the invoice of every open delivery that is due; return what happened.

        Raises:
            MagentoAuthError: Credentials refused (every Magento flow pauses).
        """
        now = as_utc(self._now())
        done = []
        for row in self.open_deliveries():
            if next_invoice_try(self._ledger, row, self._settings) > now:
                continue
            with holding(self._ownership, f"shipment:{row.shipment_id}") as mine:
                if mine:
                    done.append(self._try(row, now))
        return done

    def _try(self, row: ShipmentRow, now: datetime) -> InvoiceRetry:
        shipment = _erp_shipment(row)
        sid, number = shipment.shipment_id, shipment.order_number
        ctx = FileContext(
            file_id=int(row.file_id or 0),
            kind="shipments",
            name=str(row.ship_file or row.file or "retry"),
            sha256="",
            path=Path(),
            fmt="xml",
            generated=None,
            mtime=now,
            force=False,
            now=self._now,
        )
        try:
            invoice_no, warnings = self._shipments.invoice_shipped(
                ctx, shipment, int(row.order_id or 0), int(row.magento_shipment_id or 0)
            )
        except (RecordRejectedError, TransientError) as exc:
            return self._later(row, shipment, exc, now)
        self._ledger.files.drop_values_under(retry_key(sid))
        step = self._ledger.shipments.get(sid)
        if invoice_no is None and step is not None and step.state == "held":
            text = "invoice held for an operator: " + "; ".join(warnings)
            warnings = []
        else:
            text = f"invoice #{invoice_no}" if invoice_no else "nothing left to invoice"
        self._ledger.files.log_event(
            "info", "shipments", "delivery_invoiced", f"{sid} (order {number}): {text}"
        )
        for warning in warnings:
            self._ledger.files.log_event(
                "warning", "shipments", "invoice_mismatch", warning
            )
        log.info("delivery_invoiced", flow="shipments", record_key=sid, order=number)
        return InvoiceRetry(sid, number, invoice_id=invoice_no)

    def _later(
        self,
        row: ShipmentRow,
        shipment: ErpShipment,
        exc: Exception,
        now: datetime,
    ) -> InvoiceRetry:
        """Schedule the next retry after a refusal or an outage; keep the reason."""
        sid = shipment.shipment_id
        key = retry_key(sid)
        raw = self._ledger.files.get_value(key)
        tries = int(json.loads(raw)["tries"]) + 1 if raw is not None else 1
        when = now + timedelta(seconds=self.delay(tries))
        self._ledger.files.set_value(
            key, json.dumps({"tries": tries, "next": when.isoformat()})
        )
        reason = getattr(exc, "magento_message", None) or str(exc)
        message = (
            f"shipment {sid} (order {shipment.order_number}): shipped as Magento "
            f"shipment #{row.magento_shipment_id} but not invoiced: {reason}; "
            f"the invoice is tried again at {when:%Y-%m-%d %H:%M:%S} UTC"
        )
        if isinstance(exc, RecordRejectedError) and row.file_id is not None:
            self._ledger.shipments.mark_rejected(
                sid, shipment.order_number, message, file_id=int(row.file_id)
            )
        log.warning(
            "invoice_retry_failed",
            flow="shipments",
            record_key=sid,
            order=shipment.order_number,
            attempt=tries,
            status=reason,
        )
        return InvoiceRetry(sid, shipment.order_number, error=reason)
