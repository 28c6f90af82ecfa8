"""Repair drift: write the ERP's last values back where Magento holds others.

Magento's stock and core product data change outside the bridge (the admin, other
integrations, MSI's own deductions gone wrong), and the stock and products flows judge
"unchanged" against the ledger, so such drift would never be repaired by the files
alone (issue 13). ``ReconcileDriftFlow`` reads, in pages, what the ledger says the ERP
last sent (stock: the quantity per SKU and source, net of deliveries shipped since;
products: the core fields), reads Magento's current values for the same page (GET,
searches by SKU), and writes the ERP's value back where they differ: MSI source items
in ``batch_size`` chunks, core-field-only product updates.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import structlog

from bridge.config import Settings
from bridge.errors import RecordRejectedError
from bridge.ledger import Ledger
from bridge.magento.products import ProductsAdapter
from bridge.magento.stock import StockAdapter
from bridge.mapping.products import (
    drifted_fields,
    format_decimal,
    from_magento_core_fields,
    to_magento_product_update,
)
from bridge.mapping.stock import to_magento_source_item

__all__ = ["DriftReport", "ReconcileDriftFlow"]

log = structlog.get_logger(__name__)

#: Ledger states (and so Magento reads) per page.
PAGE = 100


@dataclass
class DriftReport:
    """What one reconcile run found and did.

    Attributes:
        what: ``stock`` or ``products``.
        checked: Values compared with Magento.
        drifted: Values Magento held otherwise.
        fixed: Drifted values written back.
        failed: One line per value that could not be fixed, with the reason.
        details: One line per drifted value: Magento's value → the ERP's.
    """

    what: str
    checked: int = 0
    drifted: int = 0
    fixed: int = 0
    failed: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)


class ReconcileDriftFlow:
    """Compare the ERP's last values with Magento's and write the ERP's back.

    Args:
        settings: The bridge settings (``magento.batch_size``, ``ean_attribute``).
        ledger: The ledger holding what the ERP last sent.
        products: The Magento products adapter.
        stock: The Magento stock adapter.
    """

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        products: ProductsAdapter,
        stock: StockAdapter,
    ) -> None:
        """Keep the collaborators; nothing is called yet."""
        self._settings = settings
        self._ledger = ledger
        self._products = products
        self._stock = stock

    def stock(self, skus: Sequence[str] = ()) -> DriftReport:
        """Reconcile MSI source quantities (every SKU the ledger knows, or ``skus``)."""
        report = DriftReport("stock")
        after = ("", "")
        while page := self._ledger.stock.page(skus, after=after, limit=PAGE):
            after = page[-1][:2]
            self._stock_page(page, report)
        return report

    def _stock_page(
        self, page: Sequence[tuple[str, str, str]], report: DriftReport
    ) -> None:
        held = {
            (str(i.get("sku")), str(i.get("source_code"))): i.get("quantity")
            for i in self._stock.source_items(sorted({sku for sku, _, _ in page}))
        }
        fix = []
        for sku, source, qty in page:
            report.checked += 1
            now = held.get((sku, source))
            if now is not None and Decimal(str(now)) == Decimal(qty):
                continue
            report.drifted += 1
            shown = "none" if now is None else format_decimal(Decimal(str(now)))
            report.details.append(f"stock {sku} at {source}: {shown} -> {qty}")
            fix.append(to_magento_source_item(sku, source, Decimal(qty)))
        size = self._settings.magento.batch_size
        for start in range(0, len(fix), size):
            chunk = fix[start : start + size]
            try:
                self._stock.save_source_items(chunk)
            except RecordRejectedError as exc:
                reason = exc.magento_message or str(exc)
                report.failed.extend(
                    f"stock {i['sku']} at {i['source_code']}: {reason}" for i in chunk
                )
                continue
            report.fixed += len(chunk)
        log.info("stock_reconciled", flow="stock", status=f"{report.fixed} fixed")

    def products(self, skus: Sequence[str] = ()) -> DriftReport:
        """Reconcile core product fields (every SKU the ledger knows, or ``skus``)."""
        report = DriftReport("products")
        after = ""
        while page := self._ledger.products.page(skus, after=after, limit=PAGE):
            after = page[-1][0]
            self._products_page(page, report)
        return report

    def _products_page(
        self, page: Sequence[tuple[str, str]], report: DriftReport
    ) -> None:
        ean = self._settings.magento.ean_attribute
        held = self._products.find([sku for sku, _ in page])
        for sku, stored in page:
            report.checked += 1
            product = held.get(sku)
            if product is None:
                report.failed.append(f"product {sku}: not in Magento")
                continue
            now = from_magento_core_fields(product, ean_attribute=ean)
            drift = drifted_fields(json.loads(stored), now)
            payload = to_magento_product_update(sku, drift, ean_attribute=ean)
            if payload is None:
                continue
            report.drifted += 1
            report.details.extend(
                f"product {sku} {name}: {now.get(name)!r} -> {value!r}"
                for name, value in drift.items()
            )
            try:
                self._products.update(sku, payload)
            except RecordRejectedError as exc:
                reason = exc.magento_message or str(exc)
                report.failed.append(f"product {sku}: {reason}")
                continue
            report.fixed += 1
        log.info("products_reconciled", flow="products", status=f"{report.fixed} fixed")
