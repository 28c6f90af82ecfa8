"""The ``audit`` use cases: what happened to a SKU, an order or a file, and when."""

from __future__ import annotations

from bridge.ledger import Ledger
from bridge.ledger.resolutions import ResolutionStore
from bridge.ledger.shipments import ShipmentRow
from bridge.support.clock import as_utc
from bridge.usecases._rows import call_entry, file_entry, record_history
from bridge.usecases.file_views import DeliveryView
from bridge.usecases.views import (
    FileAudit,
    FileCalls,
    OrderAudit,
    OrderExportEntry,
    ProductStateView,
    ShipmentStepView,
    SkuAudit,
)

__all__ = ["audit_file", "audit_order", "audit_sku", "unfinished_shipments"]

FILE_RECORD_OUTCOMES = ("rejected", "stale", "duplicate", "warning")
"""The per-record outcomes ``audit file`` lists (applied ones are counted only)."""

FILE_CALLS_SHOWN = 20
"""Writes and failed Magento calls ``audit file`` lists per file."""


def audit_sku(ledger: Ledger, sku: str) -> SkuAudit:
    """History of one SKU in the products and stock files, and its product state."""
    rows = ledger.files.history(sku, ["products", "stock"])
    product = ledger.products.get(sku)
    state = None
    if product is not None:
        state = ProductStateView(
            action=str(product.action),
            applied_at=as_utc(product.applied_at),
            file_id=product.file_id,
            fields=str(product.fields),
        )
    return SkuAudit(sku, tuple(record_history(r) for r in rows), state)


def _step(step: ShipmentRow) -> ShipmentStepView:
    def text(value: object) -> str | None:
        return None if value is None else str(value)

    return ShipmentStepView(
        shipment_id=step.shipment_id,
        state=str(step.state),
        magento_shipment_id=step.magento_shipment_id,
        ship_file=step.ship_file,
        invoice_id=step.invoice_id,
        invoice_file=step.invoice_file,
        grand_total=text(step.grand_total),
        shipping_amount=text(step.shipping_amount),
        fee=text(step.fee),
        mismatch=step.mismatch,
        mismatch_reason=step.mismatch_reason,
    )


def audit_order(ledger: Ledger, number: str) -> OrderAudit:
    """One order: its export, its ERP shipments and the records that touched them."""
    found = ledger.orders.find(number)
    export = None
    if found is not None:
        export = OrderExportEntry(
            exported_at=as_utc(found.exported_at),
            file_name=found.file_name,
            sha256=found.sha256,
            entity_id=found.entity_id,
            comment_state=found.comment_state,
        )
    steps = ledger.shipments.for_order(number)
    history = [
        record_history(r)
        for step in steps
        for r in ledger.files.history(step.shipment_id, ["shipments"])
    ]
    return OrderAudit(number, export, tuple(_step(s) for s in steps), tuple(history))


def audit_file(ledger: Ledger, name: str) -> FileAudit:
    """Every file received under ``name``: outcome, counts, notable records, resolution.

    With each file, its Magento calls in short: how many, how many failed, and the
    first ``FILE_CALLS_SHOWN`` writes and failed calls (the console pages them all).
    """
    resolutions = ResolutionStore(ledger)
    rows = ledger.files.by_name(name)
    return FileAudit(
        name,
        tuple(
            file_entry(
                row,
                resolution=resolutions.get(row.id),
                records=ledger.files.records_of(row.id, FILE_RECORD_OUTCOMES),
            )
            for row in rows
        ),
        tuple(_file_calls(ledger, row.id) for row in rows),
    )


def _file_calls(ledger: Ledger, file_id: int) -> FileCalls:
    summary = ledger.calls.summary(file_id, limit=FILE_CALLS_SHOWN)
    return FileCalls(
        file_id=file_id,
        recorded=summary.recorded,
        dropped=summary.dropped,
        failed=summary.failed,
        shown=tuple(call_entry(c) for c in summary.notable),
        more=summary.notable_total - len(summary.notable),
    )


def unfinished_shipments(ledger: Ledger, limit: int = 20) -> tuple[DeliveryView, ...]:
    """ERP shipments started but not invoiced yet: pending, shipped, or held."""
    rows = [*ledger.shipments.pending(), *ledger.shipments.held()]
    return tuple(
        DeliveryView(
            shipment_id=str(s.shipment_id),
            order_number=str(s.order_number),
            state=str(s.state),
            magento_shipment_id=s.magento_shipment_id,
            message=None if s.message is None else str(s.message),
        )
        for s in rows[:limit]
    )
