"""An invoice read back after it was made: its amounts recorded, differences reported.

Magento computes the invoice (SPEC §6); the ERP's ``invoice_amount`` is what the ERP
expects to have been captured. After each invoice the shipments flow reads it back,
keeps its grand total, freight and fee in the ledger (``bridge audit order``) and
reports every difference beyond ``shipments.amount_tolerance`` as a warning of the
file (``mapping.shipments.reconcile_invoice`` decides what differs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog

from bridge.config import Settings
from bridge.ledger import Ledger
from bridge.magento import FulfilmentAdapter
from bridge.mapping.shipments import reconcile_invoice
from bridge.models.erp import ErpShipment

__all__ = ["read_back_invoice"]

log = structlog.get_logger(__name__)


def read_back_invoice(
    settings: Settings,
    ledger: Ledger,
    fulfilment: FulfilmentAdapter,
    shipment: ErpShipment,
    order: Mapping[str, Any],
    invoice_no: int,
) -> list[str]:
    """Read invoice ``invoice_no`` back, record its amounts, return the warnings.

    Raises:
        TransientError: Magento or the ledger is unavailable.
    """
    invoice = fulfilment.get_invoice(invoice_no)
    earlier = [
        i
        for i in fulfilment.invoices_for_order(int(order["entity_id"]))
        if int(i.get("entity_id") or 0) < invoice_no
    ]
    amounts, problems = reconcile_invoice(
        shipment,
        order,
        invoice,
        earlier,
        tolerance=settings.shipments.amount_tolerance,
        fee_mode=settings.orders.invoice_fee,
    )
    ledger.shipments.record_amounts(
        shipment.shipment_id,
        grand_total=amounts.grand_total,
        shipping_amount=amounts.shipping_amount,
        fee=amounts.fee,
        mismatch_reason="; ".join(problems) or None,
    )
    prefix = f"shipment {shipment.shipment_id} (order {shipment.order_number})"
    for problem in problems:
        log.warning(
            "invoice_mismatch",
            flow="shipments",
            record_key=shipment.shipment_id,
            order=shipment.order_number,
            status=problem,
        )
    return [f"{prefix}: {p}" for p in problems]
