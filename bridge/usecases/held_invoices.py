"""Held invoices: an operator releases them (invoice anyway) or closes them.

With ``shipments.on_amount_mismatch = "hold"`` the shipments flow ships a delivery
but holds its invoice (no capture) when the ERP's ``invoice_amount`` and Magento's
invoice differ beyond ``shipments.amount_tolerance``. ``bridge status`` lists them;
``bridge resolve --shipment ID --release`` invoices and captures it as Magento
computes it (the difference is then reported as a mismatch), ``--close`` leaves it
uninvoiced for good (the shop invoices by hand, or not at all). Both are recorded
with who and why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from bridge.config import Settings
from bridge.errors import BridgeError
from bridge.flows.apply_shipments import ApplyShipmentsFlow
from bridge.flows.base import FileContext
from bridge.ledger import Ledger
from bridge.magento import FulfilmentAdapter, MagentoClient, OrdersAdapter
from bridge.models.status import StepState
from bridge.usecases.file_views import HeldView

__all__ = ["HeldAction", "HeldView", "resolve_held"]

HeldAction = Literal["release", "close"]


def resolve_held(
    settings: Settings,
    ledger: Ledger,
    shipment_id: str,
    action: HeldAction,
    *,
    note: str,
    who: str,
) -> HeldView:
    """Release or close one held invoice.

    Args:
        settings: The bridge settings.
        ledger: The open ledger.
        shipment_id: The ERP delivery whose invoice is held.
        action: ``release`` (invoice and capture now) or ``close``.
        note: Why (kept with the delivery).
        who: The operator.

    Returns:
        The outcome; ``refused`` when the delivery is not held or Magento refused.
    """
    step = ledger.shipments.get(shipment_id)
    if step is None or step.state != StepState.HELD:
        state = "unknown" if step is None else step.state
        return HeldView(shipment_id, action, refused=f"no held invoice ({state})")
    if action == "close":
        text = f"invoice closed by {who}: {note} (was: {step.message})"
        ledger.shipments.mark_closed(shipment_id, text)
        return HeldView(shipment_id, action, detail=text)
    row = next(r for r in ledger.shipments.held() if r.shipment_id == shipment_id)
    ctx = FileContext(
        file_id=row.file_id or 0,
        kind="shipments",
        name=str(row.ship_file or row.file or shipment_id),
        sha256="",
        path=Path(str(row.ship_file or shipment_id)),
        fmt="xml",
        generated=None,
        mtime=ledger.now(),
        force=False,
        now=ledger.now,
    )
    client = MagentoClient(settings.magento)
    flow = ApplyShipmentsFlow(
        settings, ledger, OrdersAdapter(client), FulfilmentAdapter(client)
    )
    try:
        warnings = flow.release(ctx, step)
    except BridgeError as exc:
        return HeldView(shipment_id, action, refused=f"Magento: {exc}")
    finally:
        client.close()
    done = ledger.shipments.get(shipment_id)
    invoice = done.invoice_id if done is not None else None
    text = f"invoice #{invoice} captured, released by {who}: {note}"
    ledger.files.log_event("warning", "shipments", "invoice_released", text)
    return HeldView(shipment_id, action, detail="; ".join([text, *warnings]))
