"""The shipments flow over a real ledger and client, as the money and bundle tests use it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.config import Settings, load_config
from bridge.flows.apply_shipments import ApplyShipmentsFlow
from bridge.flows.base import FileContext, FlowResult
from bridge.ledger import Ledger
from bridge.magento import FulfilmentAdapter, MagentoClient, OrdersAdapter
from bridge.models.erp import ErpShipment, ErpShipmentLine, ParsedRecord
from tests.conftest import SANDBOX_TOKEN
from tests.e2e.conftest import write_config


def place_order(sandbox: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """Place an order through the sandbox helper."""
    answer = httpx.post(f"{sandbox.url}/sandbox/orders", json=spec, timeout=30)
    answer.raise_for_status()
    order: dict[str, Any] = answer.json()
    return order


def delivery(
    sid: str, order: dict[str, Any], lines: list[tuple[str, str]], amount: str | None
) -> ErpShipment:
    """An ERP delivery note for ``order``."""
    return ErpShipment(
        shipment_id=sid,
        order_number=order["increment_id"],
        lines=tuple(ErpShipmentLine(sku=s, qty=Decimal(q)) for s, q in lines),
        invoice_amount=None if amount is None else Decimal(amount),
    )


def by_order(sandbox: Any, what: str, order_id: int) -> list[dict[str, Any]]:
    """The order's ``shipments`` or ``invoices`` as Magento lists them."""
    params = {
        "searchCriteria[filter_groups][0][filters][0][field]": "order_id",
        "searchCriteria[filter_groups][0][filters][0][value]": str(order_id),
    }
    answer = httpx.get(
        f"{sandbox.url}/rest/V1/{what}",
        params=params,
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        timeout=30,
    )
    answer.raise_for_status()
    return list(answer.json()["items"])


def order_now(sandbox: Any, order_id: int) -> dict[str, Any]:
    """The order as Magento shows it now."""
    answer = httpx.get(
        f"{sandbox.url}/rest/V1/orders/{order_id}",
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        timeout=30,
    )
    answer.raise_for_status()
    order: dict[str, Any] = answer.json()
    return order


class Runner:
    """Applies deliveries through the flow, one ledger file per call."""

    def __init__(self, settings: Settings, ledger: Ledger, client: MagentoClient):
        self.settings = settings
        self.ledger = ledger
        self.client = client
        self.files = 0

    def apply(self, *deliveries: ErpShipment, hold: bool = False) -> FlowResult:
        """Apply ``deliveries`` as one file, with invoices held on a mismatch or not."""
        self.files += 1
        name = f"dn-{self.files}.xml"
        file_id = self.ledger.files.start(
            kind="shipments",
            name=name,
            sha256=hashlib.sha256(name.encode()).hexdigest(),
            size=1,
            source="local",
            received_at=datetime.now(UTC),
            work_path=f"/work/{name}",
            forced=False,
        )
        ctx = FileContext(
            file_id=file_id,
            kind="shipments",
            name=name,
            sha256="0" * 64,
            path=Path("/work") / name,
            fmt="xml",
            generated=None,
            mtime=datetime.now(UTC),
            force=False,
            now=lambda: datetime.now(UTC),
        )
        policy = "hold" if hold else "report"
        shipments = self.settings.shipments.model_copy(
            update={"on_amount_mismatch": policy}
        )
        settings = self.settings.model_copy(update={"shipments": shipments})
        flow = ApplyShipmentsFlow(
            settings,
            self.ledger,
            OrdersAdapter(self.client),
            FulfilmentAdapter(self.client),
        )
        records = [
            ParsedRecord(i, 2 + i, d.shipment_id, d) for i, d in enumerate(deliveries)
        ]
        return flow.apply(ctx, records)


@pytest.fixture(name="settings")
def shipments_settings(sandbox: Any, tmp_path: Path) -> Settings:
    """Settings from a bridge.toml on tmp_path with invoices held on a mismatch."""
    extra = '[shipments]\non_amount_mismatch = "hold"\n'
    return load_config(write_config(tmp_path, sandbox.url, extra))


@pytest.fixture(name="run")
def shipments_run(settings: Settings) -> Iterator[Runner]:
    """A runner over a real ledger file and a real client."""
    settings.root.joinpath("var").mkdir(exist_ok=True)
    book = Ledger(settings.ledger_url)
    with MagentoClient(settings.magento) as client:
        yield Runner(settings, book, client)
    book.close()
