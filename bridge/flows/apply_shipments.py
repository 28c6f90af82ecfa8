"""ERP shipments → Magento: one shipment with tracks, then one invoice, exactly once.

For each ERP delivery (``shipment`` record) the flow finds the order by its number,
ships the delivered lines (``POST /V1/order/{id}/ship``) and invoices exactly those
lines (``POST /V1/order/{id}/invoice``, capturing the payment). Magento itself puts
the freight and a payment module's invoice fee on the first invoice (API-FACTS §5);
the flow reads every invoice back, records what it captured and reports any
difference from the ERP's own ``invoice_amount``.

Exactly once: these two calls move money and are never blindly repeated.

- Each step is written to the ledger right after its call (S5.1): ``shipped`` with
  the shipment id, ``invoiced`` with the invoice id.
- Before each call the flow asks the ledger **and** Magento: a Magento shipment
  carrying this ERP shipment's comment marker (or one of its tracking numbers) is
  this delivery's shipment; an invoice carrying the marker is its invoice; and
  invoice quantities are capped by what the order still has uninvoiced.
- When a call fails with an unknown outcome (timeout, dropped connection, 5xx, a
  success answer that cannot be read), the delivery becomes *uncertain* in the
  ledger and Magento is asked at once whether the document exists; if not, the
  error is raised so the runtime retries the file later. Nothing is posted again
  for it until Magento shows the document or ``shipments.settle_seconds`` have
  passed (``_delivery_guard``).
- A tracking number binds a delivery to a shipment someone else made only when that
  shipment shipped exactly the delivery's lines and no other delivery has it.

So a resent file (``--force`` included), a restart after a crash between ship and
invoice, a late answer, or a run with an empty ledger never ships or captures twice.
A delivery note that comes back with other lines or another order is a *conflict*:
the record is rejected with both versions and kept for ``bridge status``. A delivery
shipped but not invoiced (Magento refused the invoice) is said to be so and stays
open; the service retries its invoice with backoff (``invoice_open_deliveries``), and
dropping the file (or its rejects file) again invoices it too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import structlog

from bridge.config import Settings
from bridge.errors import LedgerBusyError, MagentoUnavailableError, RecordRejectedError
from bridge.flows._delivery_guard import DeliveryGuard
from bridge.flows._invoice_read_back import read_back_invoice
from bridge.flows._shipment_refusals import conflict_with, record_conflict, reject
from bridge.flows.base import FileContext, FlowResult
from bridge.flows.stock_guard import ShipmentStockGuard
from bridge.ledger import Ledger
from bridge.ledger.ownership import Ownership, holding
from bridge.ledger.shipments import ShipmentStep
from bridge.magento import FulfilmentAdapter, OrdersAdapter
from bridge.mapping.invoice_total import expected_invoice_total
from bridge.mapping.shipments import (
    ShipItem,
    find_invoice,
    find_shipment,
    lines_text,
    ship_items_from_shipment,
    shipment_comment,
    to_magento_invoice_items,
    to_magento_ship_items,
    to_magento_tracks,
)
from bridge.models.erp import ErpShipment, Kind, ParsedRecord
from bridge.models.status import RecordOutcome
from bridge.support.calls import for_record

__all__ = ["ApplyShipmentsFlow"]

log = structlog.get_logger(__name__)

StepHook = Callable[[str], None]


class ApplyShipmentsFlow:
    """Applies ERP shipment files: Magento shipments with tracks, then invoices.

    Args:
        settings: Bridge settings (``[shipments]``: ``notify_customer``, ``capture``,
            ``amount_tolerance``; ``[orders] invoice_fee`` for reading fees back).
        ledger: The ledger (``ledger.shipments`` keeps each step).
        orders: Magento orders adapter.
        fulfilment: Magento ship/invoice adapter.
        after_step: Called with ``"ship_posted"``, ``"shipped"``,
            ``"invoice_posted"``, ``"invoiced"`` right after each step (a ``*_posted``
            step before its ledger write). For crash tests; None in production.
        stock_guard: Keeps MSI stock on the ERP's figure around each ship call
            (None: Magento's deduction is left as it is).
        ownership: This process's leases: each delivery is applied under the lease
            ``shipment:<shipment_id>``, the one the automatic invoice retry of
            another process takes (None: one process only).
    """

    kind: Kind = "shipments"

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        orders: OrdersAdapter,
        fulfilment: FulfilmentAdapter,
        *,
        after_step: StepHook | None = None,
        stock_guard: ShipmentStockGuard | None = None,
        ownership: Ownership | None = None,
    ) -> None:
        """Keep the collaborators (S6.2)."""
        self._ownership = ownership
        self._settings = settings
        self._ledger = ledger
        self._orders = orders
        self._fulfilment = fulfilment
        self._after_step = after_step
        self._stock_guard = stock_guard

    def apply(self, ctx: FileContext, records: Iterable[ParsedRecord]) -> FlowResult:
        """Apply every shipment record of one file.

        ``ctx.force`` changes nothing here: a delivery already shipped and invoiced
        is never shipped or captured again.

        Raises:
            TransientError: Magento or the ledger is unavailable; the file stays
                pending and a later call resumes each shipment where it stopped.
        """
        result = FlowResult()
        self._guard = DeliveryGuard(self._settings, self._ledger, ctx.now)
        for record in records:
            if not isinstance(record.model, ErpShipment):
                raise TypeError(f"shipments flow got a {type(record.model).__name__}")
            sid = record.model.shipment_id
            with (
                for_record(record.key),
                holding(self._ownership, f"shipment:{sid}") as mine,
            ):
                if not mine:  # another process's invoice retry: resume on a later tick
                    raise LedgerBusyError(
                        f"shipment {sid} is being invoiced by another process"
                    )
                self._apply_record(ctx, record, record.model, result)
        return result

    def _apply_record(
        self,
        ctx: FileContext,
        record: ParsedRecord,
        shipment: ErpShipment,
        result: FlowResult,
    ) -> None:
        step = self._ledger.shipments.get(shipment.shipment_id)
        conflict = conflict_with(step, shipment)
        if step is not None and conflict is not None:
            record_conflict(self._ledger, ctx, record, shipment, conflict, result)
            return
        try:
            if step is not None and step.state == "invoiced":
                self._already_done(ctx, record, shipment, step, result)
                return
            if step is not None and step.state in ("held", "closed"):
                # An operator decides (bridge resolve); a re-drop changes nothing.
                result.unchanged += 1
                result.note(record, RecordOutcome.UNCHANGED, step.message or step.state)
                return
            try:
                made, summary = self._deliver(ctx, shipment, step, result)
            except MagentoUnavailableError as exc:
                self._guard.failed(shipment, exc)
        except RecordRejectedError as exc:
            reject(self._ledger, ctx, record, shipment, exc, result)
            return
        if made:
            result.applied += 1
            result.note(record, RecordOutcome.APPLIED, summary)
        else:
            result.unchanged += 1
            result.note(
                record, RecordOutcome.UNCHANGED, f"already in Magento: {summary}"
            )

    def _deliver(
        self,
        ctx: FileContext,
        shipment: ErpShipment,
        step: ShipmentStep | None,
        result: FlowResult,
    ) -> tuple[bool, str]:
        """Ship (unless done), then invoice; return (a document was made, summary)."""
        order = self._find_order(shipment)
        order_id = int(order["entity_id"])
        shipped: list[ShipItem] | None = None
        ship_made = False
        if step is None or step.state in ("pending", "rejected"):
            self._ledger.shipments.start(
                shipment.shipment_id,
                shipment.order_number,
                order_id=order_id,
                file_id=ctx.file_id,
                invoice_amount=shipment.invoice_amount,
                currency=shipment.currency,
                lines=lines_text(shipment),
            )
            shipment_no, shipped, ship_made = self._ship(ctx, shipment, order)
            order = self._orders.get(order_id)
        else:
            shipment_no = int(step.magento_shipment_id or 0)
        invoice_no, invoice_made, held = self._invoice(
            ctx, shipment, order, shipment_no, shipped
        )
        if held:
            result.warnings.append(
                f"shipment {shipment.shipment_id} (order {shipment.order_number}): "
                f"{held}"
            )
            return ship_made, f"shipment #{shipment_no}, {held}"
        if invoice_no is not None:
            result.warnings.extend(self._read_back(shipment, order, invoice_no))
        else:
            result.warnings.append(
                f"shipment {shipment.shipment_id} (order {shipment.order_number}): "
                "nothing left to invoice in Magento; no invoice created"
            )
        invoice_text = f"invoice #{invoice_no}" if invoice_no else "no invoice"
        return ship_made or invoice_made, f"shipment #{shipment_no}, {invoice_text}"

    def invoice_shipped(
        self, ctx: FileContext, shipment: ErpShipment, order_id: int, shipment_no: int
    ) -> tuple[int | None, list[str]]:
        """Invoice a delivery already shipped (the retry of a refused invoice).

        Returns:
            The invoice id (None: nothing left to invoice, or held under
            ``on_amount_mismatch = "hold"``) and the reconciliation warnings or the
            reason it is held. Raises as :meth:`apply` does for one record.
        """
        self._guard = DeliveryGuard(self._settings, self._ledger, ctx.now)
        order = self._orders.get(order_id)
        invoice_no, _, held = self._invoice(ctx, shipment, order, shipment_no, None)
        if invoice_no is None:
            return None, [held] if held else []
        return invoice_no, self._read_back(shipment, order, invoice_no)

    def _find_order(self, shipment: ErpShipment) -> dict[str, Any]:
        found = self._orders.find_by_increment_id(shipment.order_number)
        if found is None:
            message = f"order {shipment.order_number} not found in Magento"
            raise RecordRejectedError(message, magento_message=message)
        return self._orders.get(int(found["entity_id"]))

    # --- ship ---------------------------------------------------------------------

    def _ship(
        self, ctx: FileContext, shipment: ErpShipment, order: Mapping[str, Any]
    ) -> tuple[int, list[ShipItem], bool]:
        """Create the Magento shipment unless Magento has it; record its id at once."""
        order_id = int(order["entity_id"])
        taken = {
            int(row.magento_shipment_id)
            for row in self._ledger.shipments.for_order(shipment.order_number)
            if row.magento_shipment_id and row.shipment_id != shipment.shipment_id
        }

        def find() -> Mapping[str, Any] | None:
            mine = self._fulfilment.shipments_for_order(order_id)
            return find_shipment(mine, shipment, order, taken)

        existing = find()
        made = existing is None
        if existing is not None:
            shipment_no = int(existing["entity_id"])
            items = ship_items_from_shipment(existing, order)
        else:
            items = to_magento_ship_items(shipment, order)
            # Stock: MSI deducts on save; the guard keeps the ERP's figure (issue 13).
            guard = (
                self._stock_guard.around_ship(ctx, shipment, items)
                if self._stock_guard is not None
                else contextlib.nullcontext()
            )
            with guard:
                shipment_no = self._guard.post_once(
                    shipment,
                    "ship",
                    lambda: self._fulfilment.ship(
                        order_id,
                        [i.payload() for i in items],
                        tracks=to_magento_tracks(shipment),
                        notify=self._settings.shipments.notify_customer,
                        comment=shipment_comment(shipment.shipment_id, ctx.name),
                    ),
                    find,
                )
            self._hook("ship_posted")
        self._ledger.shipments.mark_shipped(
            shipment.shipment_id,
            shipment_no,
            order_number=shipment.order_number,
            order_id=order_id,
            file_id=ctx.file_id,
        )
        log.info(
            "shipment_created" if made else "shipment_found",
            flow=self.kind,
            file=ctx.name,
            record_key=shipment.shipment_id,
            order=shipment.order_number,
        )
        self._hook("shipped")
        return shipment_no, items, made

    # --- invoice ------------------------------------------------------------------

    def _invoice(
        self,
        ctx: FileContext,
        shipment: ErpShipment,
        order: Mapping[str, Any],
        shipment_no: int,
        shipped: list[ShipItem] | None,
        *,
        hold: bool = True,
    ) -> tuple[int | None, bool, str]:
        """Invoice this delivery's items unless Magento has its invoice; record it.

        Returns:
            The invoice id (None: nothing left to invoice, or held), whether it was
            made now, and why it is held ("" when it is not).
        """
        order_id = int(order["entity_id"])
        sid = shipment.shipment_id
        invoices = self._fulfilment.invoices_for_order(order_id)
        existing = find_invoice(invoices, sid)
        if existing is not None:
            invoice_no: int | None = int(existing["entity_id"])
            made = False
        else:
            if shipped is None:
                shipped = self._shipped_items(order, shipment_no)
            items = to_magento_invoice_items(shipped, order)
            held = self._hold_reason(shipment, order, items, invoices) if hold else ""
            if held:
                self._ledger.shipments.mark_held(sid, held, file_id=ctx.file_id)
                log.warning(
                    "invoice_held",
                    flow=self.kind,
                    record_key=sid,
                    order=shipment.order_number,
                    status=held,
                )
                return None, False, held
            invoice_no = None
            if items:
                invoice_no = self._guard.post_once(
                    shipment,
                    "invoice",
                    lambda: self._fulfilment.invoice(
                        order_id,
                        [i.payload() for i in items],
                        capture=self._settings.shipments.capture,
                        notify=self._settings.shipments.notify_customer,
                        comment=shipment_comment(sid, ctx.name),
                    ),
                    lambda: find_invoice(
                        self._fulfilment.invoices_for_order(order_id), sid
                    ),
                )
                self._hook("invoice_posted")
            made = invoice_no is not None
        self._ledger.shipments.mark_invoiced(
            sid, invoice_no, file_id=ctx.file_id, invoice_amount=shipment.invoice_amount
        )
        log.info(
            "invoice_created" if made else "invoice_found",
            flow=self.kind,
            file=ctx.name,
            record_key=sid,
            order=shipment.order_number,
        )
        self._hook("invoiced")
        return invoice_no, made, ""

    def _hold_reason(
        self,
        shipment: ErpShipment,
        order: Mapping[str, Any],
        items: list[ShipItem],
        invoices: list[dict[str, Any]],
    ) -> str:
        """Why the invoice must wait (``on_amount_mismatch = "hold"``), or ""."""
        policy = self._settings.shipments
        erp = shipment.invoice_amount
        if policy.on_amount_mismatch != "hold" or erp is None or not items:
            return ""
        fee_mode = self._settings.orders.invoice_fee
        expected = expected_invoice_total(order, items, invoices, fee_mode)
        if abs(erp - expected) <= policy.amount_tolerance:
            return ""
        return (
            f"invoice held: ERP invoice_amount {erp:.2f} differs from Magento's "
            f"invoice {expected:.2f} by {abs(erp - expected):.2f} (tolerance "
            f"{policy.amount_tolerance:f}); nothing captured: release or close it "
            f"with `bridge resolve --shipment {shipment.shipment_id}`"
        )

    def release(self, ctx: FileContext, step: ShipmentStep) -> list[str]:
        """Invoice a held delivery anyway (an operator's decision).

        Args:
            ctx: The context of the file that shipped it (marker, ledger file id).
            step: The held delivery.

        Returns:
            The reconciliation warnings of the invoice now captured.
        """
        self._guard = DeliveryGuard(self._settings, self._ledger, ctx.now)
        order = self._orders.get(int(step.order_id or 0))
        shipment = ErpShipment(
            shipment_id=step.shipment_id,
            order_number=step.order_number,
            lines=(),
            invoice_amount=step.invoice_amount,
        )
        shipment_no = int(step.magento_shipment_id or 0)
        invoice_no, _, _ = self._invoice(
            ctx, shipment, order, shipment_no, None, hold=False
        )
        if invoice_no is None:
            return [f"shipment {step.shipment_id}: nothing left to invoice in Magento"]
        return self._read_back(shipment, order, invoice_no)

    def _shipped_items(
        self, order: Mapping[str, Any], shipment_no: int
    ) -> list[ShipItem]:
        """What the recorded Magento shipment shipped (after a restart)."""
        order_id = int(order["entity_id"])
        for candidate in self._fulfilment.shipments_for_order(order_id):
            if int(candidate.get("entity_id") or 0) == shipment_no:
                return ship_items_from_shipment(candidate, order)
        message = f"Magento shipment #{shipment_no} from the ledger is not in the order"
        raise RecordRejectedError(message, magento_message=message)

    def _read_back(
        self, shipment: ErpShipment, order: Mapping[str, Any], invoice_no: int
    ) -> list[str]:
        """Read the invoice back, record its amounts, return reconciliation warnings."""
        return read_back_invoice(
            self._settings, self._ledger, self._fulfilment, shipment, order, invoice_no
        )

    def _already_done(
        self,
        ctx: FileContext,
        record: ParsedRecord,
        shipment: ErpShipment,
        step: ShipmentStep,
        result: FlowResult,
    ) -> None:
        if step.invoice_id and step.grand_total is None and step.order_id:
            # Stopped between recording the invoice and reading it back: finish that.
            order = self._orders.get(step.order_id)
            result.warnings.extend(self._read_back(shipment, order, step.invoice_id))
        result.unchanged += 1
        invoice = f"invoice #{step.invoice_id}" if step.invoice_id else "no invoice"
        result.note(
            record,
            RecordOutcome.DUPLICATE,
            f"already applied: shipment #{step.magento_shipment_id}, {invoice}",
        )
        log.info(
            "shipment_skipped",
            flow=self.kind,
            file=ctx.name,
            record_key=step.shipment_id,
            order=step.order_number,
        )

    def _hook(self, name: str) -> None:
        if self._after_step is not None:
            self._after_step(name)
