"""MagentoOrder → ExportOrder: the pure mapping behind the order export (SPEC §3).

No I/O and no clock (S2.3). Everything that makes an order impossible to export (a
missing address, an unknown country, no lines ...) is collected and raised together
as one ``RecordRejectedError`` naming each field, so operations see the whole problem
at once; the flow reports it and retries the order on the next poll.

Rules that are not obvious from the field names:

* Amounts are rounded half-up to cents; quantities and tax rates keep their exact
  value without trailing zeros (``2``, ``12.5``).
* Discounts are exported as positive amounts (what was taken off), on lines and in
  the totals, although Magento's order-level ``discount_amount`` is negative.
* A configurable product is one line: Magento lists the configurable parent (which
  carries price, tax and discount) and a dummy child; the line is the parent's
  ``item_id`` with the child's (the ordered simple product's) SKU.
* The delivery address comes from ``extension_attributes.shipping_assignments``; a
  virtual order without one is delivered to its billing address, method ``none``.
* ``orders.invoice_fee``: ``derived`` computes ``grand_total - (subtotal +
  shipping_amount + tax_amount + discount_amount + discount_tax_compensation_amount
  + shipping_discount_tax_compensation_amount)``; a result between -0.01 and 0 is
  rounding and
  becomes 0, a larger negative one means totals the formula does not know (gift
  card, store credit) and the order is rejected rather than exported wrong.
  ``extension_attribute:<code>`` reads ``extension_attributes.<code>`` (absent
  means no fee); ``none`` is always 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import ValidationError

from bridge.errors import RecordRejectedError
from bridge.models.export import (
    ExportAddress,
    ExportCustomer,
    ExportLine,
    ExportOrder,
    ExportPayment,
    ExportShipping,
    ExportTotals,
)
from bridge.models.magento import (
    MagentoAddress,
    MagentoOrder,
    MagentoOrderItem,
    to_decimal,
)
from bridge.support.clock import as_utc

__all__ = ["exact", "invoice_fee", "money", "parse_order", "to_export_order"]

_CENT = Decimal("0.01")
_ZERO = Decimal(0)
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# The order number becomes part of a file name: keep it a plain, portable name.
_ORDER_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_EXT_PREFIX = "extension_attribute:"


def money(value: Decimal | None) -> Decimal:
    """Round an amount half-up to cents (``None`` counts as 0)."""
    amount = _ZERO if value is None else value
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP) + _ZERO


def exact(value: Decimal) -> Decimal:
    """Return ``value`` without trailing zeros and without an exponent (``1E+2``)."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        normal = normal.quantize(Decimal(1))
    return normal + _ZERO


def parse_order(raw: Mapping[str, Any]) -> MagentoOrder:
    """Validate one order object from Magento.

    Args:
        raw: One element of a search answer's ``items[]``.

    Returns:
        The validated order.

    Raises:
        RecordRejectedError: A field has an impossible type (named in the message).
    """
    key = str(raw.get("increment_id") or raw.get("entity_id") or "?")
    try:
        return MagentoOrder.from_api(dict(raw))
    except ValidationError as exc:
        issues = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            for err in exc.errors()
        )
        raise RecordRejectedError(
            f"order {key}: unreadable Magento data: {issues}", record_key=key
        ) from exc


class _Problems:
    """Collects what is missing or wrong in one order, then raises once."""

    def __init__(self, order: MagentoOrder) -> None:
        self.key = order.increment_id
        self.items: list[str] = []

    def add(self, field: str, reason: str) -> None:
        self.items.append(f"{field}: {reason}")

    def text(self, value: str | None, field: str) -> str:
        clean = (value or "").strip()
        if not clean:
            self.add(field, "missing")
        return clean

    def raise_if_any(self) -> None:
        if self.items:
            raise RecordRejectedError(
                f"order {self.key} cannot be exported: " + "; ".join(self.items),
                record_key=self.key,
            )


def _optional(value: str | None) -> str | None:
    clean = (value or "").strip()
    return clean or None


def _address(
    addr: MagentoAddress | None, field: str, p: _Problems
) -> ExportAddress | None:
    if addr is None:
        p.add(field, "missing")
        return None
    before = len(p.items)
    street = tuple(line.strip() for line in addr.street if line and line.strip())
    if not street:
        p.add(f"{field}.street", "missing")
    country = (addr.country or "").strip().upper()
    if not _COUNTRY.match(country):
        p.add(f"{field}.country", f"not an ISO 3166-1 alpha-2 code: {addr.country!r}")
    values = {
        "firstname": p.text(addr.firstname, f"{field}.firstname"),
        "lastname": p.text(addr.lastname, f"{field}.lastname"),
        "postcode": p.text(addr.postcode, f"{field}.postcode"),
        "city": p.text(addr.city, f"{field}.city"),
    }
    if len(p.items) > before:
        return None
    return ExportAddress(
        company=_optional(addr.company),
        street=street,
        region=_optional(addr.region),
        country=country,
        telephone=_optional(addr.telephone),
        **values,
    )


def _customer(order: MagentoOrder, p: _Problems) -> ExportCustomer:
    bill = order.billing_address or MagentoAddress()
    is_guest = (
        order.customer_is_guest
        if order.customer_is_guest is not None
        else order.customer_id is None
    )
    return ExportCustomer(
        email=p.text(order.customer_email or bill.email, "customer_email"),
        firstname=p.text(
            order.customer_firstname or bill.firstname, "customer_firstname"
        ),
        lastname=p.text(order.customer_lastname or bill.lastname, "customer_lastname"),
        telephone=_optional(bill.telephone),
        customer_id=None if is_guest else order.customer_id,
        is_guest=is_guest,
    )


def _shipping(order: MagentoOrder, p: _Problems) -> ExportShipping:
    assignment = order.shipping_assignment
    shipping = assignment.shipping if assignment else None
    method = (shipping.method if shipping else None) or order.shipping_method
    if not method and order.is_virtual:
        method = "none"
    amount = money(order.shipping_amount)
    incl = order.shipping_incl_tax
    return ExportShipping(
        method=p.text(method, "shipping_method"),
        description=(order.shipping_description or "").strip(),
        amount=amount,
        amount_incl_tax=amount if incl is None else money(incl),
    )


def _delivery_address(order: MagentoOrder) -> MagentoAddress | None:
    assignment = order.shipping_assignment
    addr = assignment.shipping.address if assignment and assignment.shipping else None
    if addr is None and order.is_virtual:
        return order.billing_address
    return addr


def invoice_fee(order: MagentoOrder, mode: str) -> Decimal:
    """The order's invoice fee according to ``orders.invoice_fee``.

    Args:
        order: The Magento order.
        mode: ``derived``, ``none`` or ``extension_attribute:<code>``.

    Returns:
        The fee rounded to cents, never negative.

    Raises:
        RecordRejectedError: The fee cannot be determined reliably.
    """
    fee = _fee_or_reason(order, mode)
    if isinstance(fee, str):
        key = order.increment_id
        raise RecordRejectedError(f"order {key}: {fee}", record_key=key)
    return fee


def _fee_or_reason(order: MagentoOrder, mode: str) -> Decimal | str:
    if mode == "none":
        return money(_ZERO)
    if mode.startswith(_EXT_PREFIX):
        code = mode[len(_EXT_PREFIX) :]
        raw = order.extension_raw.get(code)
        if raw is None:
            return money(_ZERO)
        value = to_decimal(raw)
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
            return f"extension_attributes.{code}: not an amount: {raw!r}"
        return money(value)
    parts = (
        order.subtotal,
        order.shipping_amount,
        order.tax_amount,
        order.discount_amount,
        order.discount_tax_compensation_amount,
        # The freight discount's tax when prices include tax (in the grand total).
        order.shipping_discount_tax_compensation_amount,
    )
    fee = money(order.grand_total) - money(sum((v or _ZERO for v in parts), _ZERO))
    if fee >= 0:
        return fee
    if fee >= -_CENT:
        return money(_ZERO)
    return (
        f"invoice_fee: derived fee is negative ({fee}): the order has totals the "
        "formula does not know (gift card, store credit?); set orders.invoice_fee "
        "to extension_attribute:<code> or none"
    )


def _lines(order: MagentoOrder, p: _Problems) -> tuple[ExportLine, ...]:
    by_id = {item.item_id: item for item in order.items}
    children: dict[int, MagentoOrderItem] = {}
    for item in order.items:
        if item.parent_item_id is not None:
            children.setdefault(item.parent_item_id, item)
    lines = []
    for item in order.items:
        parent = by_id.get(item.parent_item_id) if item.parent_item_id else None
        if parent is not None and parent.product_type == "configurable":
            continue  # the dummy child: its data is on the parent line
        child = children.get(item.item_id)
        sku = child.sku if item.product_type == "configurable" and child else item.sku
        line = _line(item, sku, p)
        if line is not None:
            lines.append(line)
    if not order.items:
        p.add("items", "the order has no lines")
    return tuple(lines)


def _line(item: MagentoOrderItem, sku: str | None, p: _Problems) -> ExportLine | None:
    field = f"items[item_id={item.item_id}]"
    before = len(p.items)
    sku_text = p.text(sku, f"{field}.sku")
    name = p.text(item.name, f"{field}.name")
    if item.qty <= 0:
        p.add(f"{field}.qty_ordered", f"must be > 0, got {item.qty}")
    for attr in ("price", "price_incl_tax"):
        if getattr(item, attr) is None:
            p.add(f"{field}.{attr}", "missing")
    if len(p.items) > before or item.price is None or item.price_incl_tax is None:
        return None
    row_incl = item.row_total_incl_tax
    return ExportLine(
        line_id=item.item_id,
        sku=sku_text,
        name=name,
        qty=exact(item.qty),
        unit_price=money(item.price),
        unit_price_incl_tax=money(item.price_incl_tax),
        tax_percent=exact(item.tax_percent or _ZERO),
        discount_amount=money(abs(item.discount_amount or _ZERO)),
        row_total_incl_tax=money(
            row_incl if row_incl is not None else item.price_incl_tax * item.qty
        ),
    )


def _created_at(order: MagentoOrder, p: _Problems) -> datetime:
    text = p.text(order.created_at, "created_at")
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        if text:
            p.add("created_at", f"not a date and time: {text!r}")
        return datetime(1970, 1, 1, tzinfo=UTC)
    # Magento stores and returns created_at in UTC without a zone.
    return as_utc(stamp)


def to_export_order(order: MagentoOrder, *, invoice_fee_mode: str) -> ExportOrder:
    """Map a Magento order to the export record of SPEC §3.

    Args:
        order: The validated Magento order.
        invoice_fee_mode: The ``orders.invoice_fee`` setting.

    Returns:
        The export record, amounts rounded to cents.

    Raises:
        RecordRejectedError: The order lacks data the ERP needs; the message names
            every missing or invalid field.
    """
    p = _Problems(order)
    if not _ORDER_NUMBER.match(order.increment_id) or ".." in order.increment_id:
        p.add("increment_id", f"not usable in a file name: {order.increment_id!r}")
    currency = (order.currency or "").strip().upper()
    if not _CURRENCY.match(currency):
        p.add("order_currency_code", f"not an ISO 4217 code: {order.currency!r}")
    created_at = _created_at(order, p)
    status = p.text(order.status, "status")
    customer = _customer(order, p)
    billing = _address(order.billing_address, "billing_address", p)
    delivery = _address(_delivery_address(order), "shipping_address", p)
    shipping = _shipping(order, p)
    method = p.text(order.payment.method if order.payment else None, "payment.method")
    lines = _lines(order, p)
    if order.grand_total is None:
        p.add("grand_total", "missing")
    fee = _fee_or_reason(order, invoice_fee_mode)
    if isinstance(fee, str):
        p.items.append(fee)
        fee = _ZERO
    p.raise_if_any()
    assert billing is not None  # raise_if_any() has reported a missing address
    assert delivery is not None
    return ExportOrder(
        order_number=order.increment_id,
        magento_id=order.entity_id,
        created_at=created_at,
        status=status,
        currency=currency,
        customer=customer,
        billing_address=billing,
        shipping_address=delivery,
        shipping=shipping,
        payment=ExportPayment(
            method=method,
            transaction_id=_optional(
                order.payment.last_trans_id if order.payment else None
            ),
            invoice_fee=fee,
        ),
        lines=lines,
        totals=ExportTotals(
            subtotal=money(order.subtotal),
            discount_amount=money(abs(order.discount_amount or _ZERO)),
            shipping_amount=shipping.amount,
            invoice_fee=fee,
            tax_amount=money(order.tax_amount),
            grand_total=money(order.grand_total),
        ),
    )
