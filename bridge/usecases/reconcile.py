"""The reconcile use case: repair drift between the ERP's last values and Magento.

``bridge reconcile stock|products [--sku SKU ...]`` and the service's schedule
(``runtime.reconcile_hours``) call :func:`reconcile`; the work is the
:class:`~bridge.flows.reconcile_drift.ReconcileDriftFlow`'s.
"""

from __future__ import annotations

from collections.abc import Sequence

from bridge.config import Settings
from bridge.flows.reconcile_drift import DriftReport, ReconcileDriftFlow
from bridge.ledger import Ledger
from bridge.magento import MagentoClient, ProductsAdapter, StockAdapter

__all__ = ["DriftReport", "reconcile"]


def reconcile(
    settings: Settings, ledger: Ledger, what: str, skus: Sequence[str] = ()
) -> DriftReport:
    """Write the ERP's last values back where Magento differs.

    Args:
        settings: The bridge settings.
        ledger: The open ledger.
        what: ``stock`` or ``products``.
        skus: Only these SKUs (empty: every SKU the ledger knows).

    Returns:
        Counts, one line per drifted value, and what could not be fixed.

    Raises:
        ValueError: ``what`` is neither ``stock`` nor ``products``.
        TransientError: Magento is unavailable (nothing is half-recorded: the
            ledger is only read).
        MagentoAuthError: The credentials are refused.
    """
    if what not in ("stock", "products"):
        raise ValueError(f"reconcile stock or products, not {what!r}")
    client = MagentoClient(settings.magento)
    try:
        flow = ReconcileDriftFlow(
            settings, ledger, ProductsAdapter(client), StockAdapter(client)
        )
        return flow.stock(skus) if what == "stock" else flow.products(skus)
    finally:
        client.close()
