"""How the shipments flow refuses a delivery: a rejection or a conflicting note.

Kept apart from ``apply_shipments`` so that module stays a readable script; both
functions record the refusal in the ledger, add it to the file's result and log it.
"""

from __future__ import annotations

import structlog

from bridge.errors import RecordRejectedError
from bridge.flows.base import FileContext, FlowResult
from bridge.ledger import Ledger
from bridge.ledger.shipments import ShipmentStep
from bridge.mapping.shipments import lines_text
from bridge.models.erp import ErpShipment, ParsedRecord

__all__ = ["conflict_with", "record_conflict", "reject"]

log = structlog.get_logger("bridge.flows.apply_shipments")


def reject(
    ledger: Ledger,
    ctx: FileContext,
    record: ParsedRecord,
    shipment: ErpShipment,
    exc: RecordRejectedError,
    result: FlowResult,
) -> None:
    """Reject one delivery; one already shipped is said to stay open."""
    reason = exc.magento_message or str(exc)
    step = ledger.shipments.get(shipment.shipment_id)
    if step is not None and step.state == "shipped":
        reason = (
            f"shipped as Magento shipment #{step.magento_shipment_id} but not "
            f"invoiced: {reason}; the delivery stays open: the service retries "
            "the invoice with backoff, or drop this file (or its rejects file) "
            "again"
        )
    message = (
        f"shipment {shipment.shipment_id} (order {shipment.order_number}): {reason}"
    )
    ledger.shipments.mark_rejected(
        shipment.shipment_id, shipment.order_number, message, file_id=ctx.file_id
    )
    result.reject(record, message)
    log.warning(
        "record_rejected",
        flow="shipments",
        file=ctx.name,
        record_key=shipment.shipment_id,
        order=shipment.order_number,
    )


def record_conflict(
    ledger: Ledger,
    ctx: FileContext,
    record: ParsedRecord,
    shipment: ErpShipment,
    conflict: str,
    result: FlowResult,
) -> None:
    """Reject a delivery note that came back different, keeping both versions."""
    other = (
        f"order {shipment.order_number} with lines {lines_text(shipment)} "
        f"(file {ctx.name})"
    )
    ledger.shipments.mark_conflict(shipment.shipment_id, other)
    message = f"shipment {shipment.shipment_id}: {conflict}"
    result.reject(record, message)
    log.warning(
        "shipment_conflict",
        flow="shipments",
        file=ctx.name,
        record_key=shipment.shipment_id,
        order=shipment.order_number,
    )


def conflict_with(step: ShipmentStep | None, shipment: ErpShipment) -> str | None:
    """Describe how a delivery note already applied differs from this version.

    Returns:
        None when this version ships what was applied (or nothing was yet).
    """
    if step is None or step.state not in ("shipped", "invoiced", "held", "closed"):
        return None
    lines = lines_text(shipment)
    same_lines = step.lines is None or step.lines == lines
    if step.order_number == shipment.order_number and same_lines:
        return None
    return (
        f"conflict: delivery note already applied to order {step.order_number} "
        f"with lines {step.lines or '(not recorded)'} (Magento shipment "
        f"#{step.magento_shipment_id}); this version: order {shipment.order_number} "
        f"with lines {lines}; nothing was shipped for it"
    )
