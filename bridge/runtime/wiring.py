"""The composition root: settings in, wired adapters, flows and pipeline out.

Only this module knows how the pieces fit together (S6.2: composition, not hooks).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bridge.config import Settings
from bridge.flows.apply_products import ApplyProductsFlow
from bridge.flows.apply_shipments import ApplyShipmentsFlow
from bridge.flows.apply_stock import ApplyStockFlow
from bridge.flows.base import ApplyFlow
from bridge.flows.export_orders import ExportOrdersFlow
from bridge.flows.resolve_items import ItemsByGtinFlow
from bridge.flows.stock_guard import ShipmentStockGuard
from bridge.folders.base import Folder
from bridge.folders.local import LocalInbox
from bridge.folders.outbox import LocalOutbox
from bridge.formats import install_user_layouts
from bridge.kinds import FOLDERS
from bridge.ledger import Ledger, utcnow
from bridge.ledger.ownership import Ownership
from bridge.magento import (
    FulfilmentAdapter,
    MagentoClient,
    OrdersAdapter,
    ProductsAdapter,
    StockAdapter,
)
from bridge.runtime.pipeline import Pipeline
from bridge.runtime.telemetry import Telemetry

__all__ = ["Components", "build"]


@dataclass
class Components:
    """Everything the service and the CLI commands work with."""

    settings: Settings
    ledger: Ledger
    client: MagentoClient
    inbox: Folder
    outbox: LocalOutbox
    flows: dict[str, ApplyFlow]
    pipeline: Pipeline
    export: ExportOrdersFlow
    telemetry: Telemetry
    ownership: Ownership | None = None
    sftp: Any = None
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        """Release network connections and the ledger."""
        for close in reversed(self.closers):
            with contextlib.suppress(Exception):
                close()


def build(settings: Settings, *, now: Callable[[], datetime] = utcnow) -> Components:
    """Wire the bridge for ``settings``."""
    install_user_layouts(settings.layouts)
    root = settings.root
    for sub in (*(f"inbox/{folder}" for folder in FOLDERS), "outbox/orders", "var"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    ledger = Ledger(settings.ledger_url, now=now)
    telemetry = Telemetry(settings, ledger)
    # One owner id per process: its files and the order export are held under leases.
    ownership = Ownership(ledger.leases, settings.runtime.lease_seconds)
    client = MagentoClient(settings.magento, on_request=telemetry.magento_request)
    products = ProductsAdapter(client)
    stock = StockAdapter(client)
    orders = OrdersAdapter(client)
    fulfilment = FulfilmentAdapter(client)
    stock_flow = ApplyStockFlow(settings, ledger, stock)
    shipments_flow = ApplyShipmentsFlow(
        settings,
        ledger,
        orders,
        fulfilment,
        stock_guard=ShipmentStockGuard(settings, ledger, stock),
        ownership=ownership,
    )
    ean = settings.magento.ean_attribute
    age = settings.magento.gtin_cache_seconds
    flows: dict[str, ApplyFlow] = {
        "products": ApplyProductsFlow(settings, ledger, products, stock),
        # Lines naming their item only by a GTIN are resolved first (SPEC §7).
        "stock": ItemsByGtinFlow(stock_flow, ledger, products, ean, age),
        "shipments": ItemsByGtinFlow(shipments_flow, ledger, products, ean, age),
    }
    inbox = LocalInbox(
        root,
        stable_seconds=settings.folders.stable_seconds,
        done_suffix=settings.folders.done_suffix,
    )
    inbox.ensure()
    outbox = LocalOutbox(root / "outbox" / "orders")
    export = ExportOrdersFlow(
        settings, ledger, orders, outbox, now=now, ownership=ownership
    )
    comps = Components(
        settings=settings,
        ledger=ledger,
        client=client,
        inbox=inbox,
        outbox=outbox,
        flows=flows,
        pipeline=Pipeline(
            settings, ledger, flows, now=now, endpoint=inbox, ownership=ownership
        ),
        export=export,
        telemetry=telemetry,
        ownership=ownership,
        closers=[ledger.close, client.close, ownership.close, telemetry.close],
    )
    comps.pipeline.observe = telemetry.file_outcome
    if settings.sftp.host:
        from bridge.runtime.remote import RemoteBackedInbox, build_sftp

        comps.sftp = build_sftp(settings, ledger, now=now)
        comps.closers.append(comps.sftp.close)
        # Files that came from the SFTP inbox are completed remotely as well.
        comps.inbox = RemoteBackedInbox(inbox, comps.sftp.inbox)
        comps.pipeline.endpoint = comps.inbox
    return comps
