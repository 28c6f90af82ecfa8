"""The order export record of SPEC §3, shared by the XML and CSV writers.

A ``MagentoOrder`` is mapped (``bridge.mapping.orders``) into an ``ExportOrder``; the
writers in ``bridge.formats.orders`` turn it into bytes. Amounts are ``Decimal``
already rounded to cents; quantities and tax rates are exact ``Decimal`` values. The
field order of each model is the element order of ``schemas/orders.xsd``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "ExportAddress",
    "ExportCustomer",
    "ExportLine",
    "ExportOrder",
    "ExportPayment",
    "ExportShipping",
    "ExportTotals",
]


class _Export(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ExportCustomer(_Export):
    """Who ordered; ``customer_id`` is None for a guest checkout."""

    email: str
    firstname: str
    lastname: str
    telephone: str | None = None
    customer_id: int | None = None
    is_guest: bool


class ExportAddress(_Export):
    """A billing or delivery address; ``country`` is ISO 3166-1 alpha-2."""

    firstname: str
    lastname: str
    company: str | None = None
    street: tuple[str, ...]
    postcode: str
    city: str
    region: str | None = None
    country: str
    telephone: str | None = None


class ExportShipping(_Export):
    """The shipping method and freight, excluding and including tax."""

    method: str
    description: str
    amount: Decimal
    amount_incl_tax: Decimal


class ExportPayment(_Export):
    """The payment method, the gateway transaction (if any) and the invoice fee."""

    method: str
    transaction_id: str | None = None
    invoice_fee: Decimal


class ExportLine(_Export):
    """One ordered product; a configurable product is one line with the simple SKU.

    ``discount_amount`` is the (positive) discount on the row; ``row_total_incl_tax``
    is Magento's row total including tax, before that discount.
    """

    line_id: int
    sku: str
    name: str
    qty: Decimal
    unit_price: Decimal
    unit_price_incl_tax: Decimal
    tax_percent: Decimal
    discount_amount: Decimal
    row_total_incl_tax: Decimal


class ExportTotals(_Export):
    """Order totals; ``discount_amount`` is positive (the amount taken off)."""

    subtotal: Decimal
    discount_amount: Decimal
    shipping_amount: Decimal
    invoice_fee: Decimal
    tax_amount: Decimal
    grand_total: Decimal


class ExportOrder(_Export):
    """One Magento order as the ERP receives it (one file per order)."""

    order_number: str
    magento_id: int
    created_at: datetime
    status: str
    currency: str
    customer: ExportCustomer
    billing_address: ExportAddress
    shipping_address: ExportAddress
    shipping: ExportShipping
    payment: ExportPayment
    lines: tuple[ExportLine, ...]
    totals: ExportTotals
