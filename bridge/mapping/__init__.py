"""Pure mapping between the systems' records (no I/O, no clock; S2.3).

One module per business object (S1.3): ``products`` and ``stock`` (ERP record →
Magento payload), ``shipments`` (ERP shipment → ship/invoice items) and ``orders``
(Magento order → ERP export record). Import the per-object functions from their
modules; the order export's entry points are re-exported here.
"""

from __future__ import annotations

from bridge.mapping.orders import invoice_fee, parse_order, to_export_order

__all__ = ["invoice_fee", "parse_order", "to_export_order"]
