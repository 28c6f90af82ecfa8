"""Test support: apply one ERP shipment and SIGKILL this process at a given step.

Run as ``python _crash_shipments.py BASE_URL TOKEN LEDGER_URL ROOT STEP SHIPMENT_JSON``.
The flow's ``after_step`` hook kills the process (no clean-up, no flush beyond what
the flow already committed) when it reports ``STEP``; the parent test then restarts
the flow in-process and checks that nothing is shipped or captured twice.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from bridge.config import load_config
from bridge.flows.apply_shipments import ApplyShipmentsFlow
from bridge.flows.base import FileContext
from bridge.ledger import Ledger
from bridge.magento import FulfilmentAdapter, MagentoClient, OrdersAdapter
from bridge.models.erp import ErpShipment, ParsedRecord


def main(argv: list[str]) -> None:
    """Apply the shipment given on the command line, dying at the named step."""
    base_url, token, ledger_url, root, step, shipment_json = argv
    settings = load_config(
        None,
        overrides={
            "magento": {"base_url": base_url, "token": token},
            "folders": {"root": root},
        },
    )

    def hook(name: str) -> None:
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)

    shipment = ErpShipment.model_validate_json(shipment_json)
    ctx = FileContext(
        file_id=1,
        kind="shipments",
        name="crash.xml",
        sha256="0" * 64,
        path=Path(root) / "crash.xml",
        fmt="xml",
        generated=None,
        mtime=datetime.now(UTC),
        force=False,
        now=lambda: datetime.now(UTC),
    )
    record = ParsedRecord(0, 2, shipment.shipment_id, shipment)
    ledger = Ledger(ledger_url)
    client = MagentoClient(settings.magento)
    flow = ApplyShipmentsFlow(
        settings,
        ledger,
        OrdersAdapter(client),
        FulfilmentAdapter(client),
        after_step=hook,
    )
    flow.apply(ctx, [record])
    sys.exit(3)  # the step never came: the parent test reports this exit code


if __name__ == "__main__":
    main(sys.argv[1:])
