"""Deliveries shipped but not invoiced get their invoice when the cause clears."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bridge.errors import LedgerBusyError
from bridge.flows.apply_shipments import ApplyShipmentsFlow
from bridge.flows.invoice_open_deliveries import InvoiceOpenDeliveriesFlow
from bridge.ledger import Ledger
from bridge.ledger.ownership import Ownership
from bridge.magento import FulfilmentAdapter, OrdersAdapter
from bridge.usecases.status import status
from tests.flows.test_apply_shipments import (
    Runner,
    _by_order,
    _context,
    _order,
    _records,
    _shipment,
    _writes,
    client,
    ledger,
    run,
    settings,
)

__all__ = ["client", "ledger", "run", "settings"]  # fixtures, imported for pytest

REFUSAL = "The capture action is not available."


def _refuse_invoice_once(sandbox: Any) -> None:
    """Magento refuses the next invoice call (a payment gateway without capture)."""
    plan = {"status": 400, "count": 1, "message": REFUSAL, "paths": "/invoice$"}
    httpx.post(f"{sandbox.url}/sandbox/faults", json=plan, timeout=10)


def _finish_files(ledger: Ledger) -> None:
    """Complete every file the runner started, as the pipeline does after a file."""
    for row in ledger.files.processing():
        ledger.files.finish(row.id, status="partial", final_path=None, report_path=None)


def test_refused_invoice_is_retried_with_backoff_once_the_cause_clears(
    sandbox: Any, run: Runner, ledger: Ledger
) -> None:
    """A refused invoice waits for its backoff, then is invoiced exactly once."""
    order = _order(sandbox)
    _refuse_invoice_once(sandbox)
    result = run.apply(_shipment("DN-R1", order, [("A-1", "2")], ("T-R1",)))
    assert REFUSAL in result.rejected[0].message
    _finish_files(ledger)
    step = ledger.shipments.get("DN-R1")
    assert step is not None
    assert step.state == "shipped"
    (listed,) = status(run.settings, ledger).not_invoiced
    assert listed.shipment_id == "DN-R1"
    assert "next automatic invoice try" in listed.detail

    clock = [datetime.now(UTC)]
    retry = InvoiceOpenDeliveriesFlow(
        run.settings, ledger, run.flow(), now=lambda: clock[0]
    )
    assert retry.run() == []  # not due: the first retry waits its backoff
    clock[0] += timedelta(seconds=61)
    (done,) = retry.run()
    assert done.error is None
    assert done.invoice_id is not None
    step = ledger.shipments.get("DN-R1")
    assert step is not None
    assert step.state == "invoiced"
    assert step.invoice_id == done.invoice_id
    assert len(_by_order(sandbox, "invoices", order["entity_id"])) == 1
    clock[0] += timedelta(hours=1)
    assert retry.run() == []
    assert _writes(sandbox) == ["ship", "invoice", "invoice"]  # refused, then made
    assert status(run.settings, ledger).not_invoiced == ()


def test_invoice_refused_again_waits_twice_as_long(
    sandbox: Any, run: Runner, ledger: Ledger
) -> None:
    """Each refusal of a retry doubles the wait before the next one."""
    order = _order(sandbox)
    _refuse_invoice_once(sandbox)
    run.apply(_shipment("DN-R2", order, [("A-1", "1")]))
    _finish_files(ledger)
    clock = [datetime.now(UTC) + timedelta(seconds=61)]
    retry = InvoiceOpenDeliveriesFlow(
        run.settings, ledger, run.flow(), now=lambda: clock[0]
    )
    _refuse_invoice_once(sandbox)
    (failed,) = retry.run()
    assert failed.error == REFUSAL
    clock[0] += timedelta(seconds=119)
    assert retry.run() == []
    clock[0] += timedelta(seconds=2)
    (done,) = retry.run()
    assert done.invoice_id is not None
    assert len(_by_order(sandbox, "invoices", order["entity_id"])) == 1


def test_a_file_leaves_a_delivery_whose_lease_another_process_holds(
    sandbox: Any, run: Runner, ledger: Ledger
) -> None:
    """While another process's retry holds shipment:<id>, a file carrying it posts nothing."""
    order = _order(sandbox)
    _refuse_invoice_once(sandbox)
    delivery = _shipment("DN-L1", order, [("A-1", "2")], ("T-L1",))
    run.apply(delivery)
    _finish_files(ledger)  # shipped, its invoice refused: open
    other = Ownership(ledger.leases, 60, owner="other-host:1:retry")
    mine = Ownership(ledger.leases, 60, owner="this-host:2:files")
    flow = ApplyShipmentsFlow(
        run.settings,
        ledger,
        OrdersAdapter(run.client),
        FulfilmentAdapter(run.client),
        ownership=mine,
    )
    try:
        assert other.try_hold("shipment:DN-L1")  # the other's invoice retry runs
        with pytest.raises(LedgerBusyError, match="DN-L1"):
            flow.apply(_context("again.xml", 2), _records(delivery))
        assert _writes(sandbox) == ["ship", "invoice"]  # nothing posted meanwhile
        other.let_go("shipment:DN-L1")
        result = flow.apply(_context("again.xml", 2), _records(delivery))
        assert result.applied == 1
        assert len(_by_order(sandbox, "invoices", order["entity_id"])) == 1
        assert not mine.holds("shipment:DN-L1")  # let go after the delivery
    finally:
        other.close()
        mine.close()
