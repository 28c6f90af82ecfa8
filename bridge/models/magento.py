"""Magento REST responses, validated where they enter the bridge (S3.3).

The models are frozen and use ``extra="ignore"``: Magento answers carry dozens of
fields the bridge never reads, and modules add more. Only what a flow uses is
declared. Wire names that are poor Python names go in ``alias=``.

Amounts: Magento sends JSON numbers, which the JSON parser turns into floats. Every
amount is converted with ``Decimal(str(x))`` (the shortest repr of the float, so
``19.99`` stays ``19.99``) before anything is computed with it; floats never reach the
mapping. Rounding to cents is the mapping's job.

New response models (shipments, invoices, ...) are added below the order models.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "MagentoAddress",
    "MagentoAmount",
    "MagentoOrder",
    "MagentoOrderItem",
    "MagentoPayment",
    "MagentoShippingAssignment",
    "to_decimal",
]


def to_decimal(value: Any) -> Any:
    """Turn a JSON number (float, int or numeric string) into an exact ``Decimal``.

    Args:
        value: What Magento sent.

    Returns:
        A ``Decimal`` for numbers, ``None`` for ``None``, anything else unchanged
        (pydantic then reports it as invalid).
    """
    if value is None or isinstance(value, Decimal | bool):
        return value
    if isinstance(value, float | int):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return value
    return value


MagentoAmount = Annotated[Decimal, BeforeValidator(to_decimal)]
"""An amount or quantity from Magento, converted exactly (never via float math)."""


class _Magento(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=False)


class MagentoAddress(_Magento):
    """An order address (billing, or shipping from the shipping assignment)."""

    firstname: str | None = None
    lastname: str | None = None
    company: str | None = None
    street: tuple[str, ...] = ()
    postcode: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = Field(default=None, alias="country_id")
    telephone: str | None = None
    email: str | None = None


class MagentoOrderItem(_Magento):
    """One line of ``items[]``; configurable parents and their children both appear."""

    item_id: int
    parent_item_id: int | None = None
    product_type: str | None = None
    sku: str | None = None
    name: str | None = None
    qty: MagentoAmount = Field(default=Decimal(0), alias="qty_ordered")
    price: MagentoAmount | None = None
    price_incl_tax: MagentoAmount | None = None
    tax_percent: MagentoAmount | None = None
    tax_amount: MagentoAmount | None = None
    discount_amount: MagentoAmount | None = None
    row_total: MagentoAmount | None = None
    row_total_incl_tax: MagentoAmount | None = None


class MagentoPayment(_Magento):
    """The order's payment: method code and the gateway's last transaction id."""

    method: str | None = None
    last_trans_id: str | None = None


class _MagentoShipping(_Magento):
    address: MagentoAddress | None = None
    method: str | None = None


class MagentoShippingAssignment(_Magento):
    """One of ``extension_attributes.shipping_assignments[]``.

    The REST API keeps the delivery address and the shipping method here, not on the
    order itself.
    """

    shipping: _MagentoShipping | None = None


class _MagentoOrderExtension(_Magento):
    shipping_assignments: tuple[MagentoShippingAssignment, ...] = ()


class MagentoOrder(_Magento):
    """A sales order as ``GET /V1/orders`` returns it (the fields the export reads).

    ``extension`` keeps the raw ``extension_attributes`` mapping as well, so that an
    invoice fee published by a payment module under any code can be read from it.
    """

    entity_id: int
    increment_id: str
    state: str | None = None
    status: str | None = None
    created_at: str | None = None
    currency: str | None = Field(default=None, alias="order_currency_code")
    customer_email: str | None = None
    customer_firstname: str | None = None
    customer_lastname: str | None = None
    customer_id: int | None = None
    customer_is_guest: bool | None = None
    is_virtual: bool | None = None
    subtotal: MagentoAmount | None = None
    discount_amount: MagentoAmount | None = None
    discount_tax_compensation_amount: MagentoAmount | None = None
    shipping_discount_tax_compensation_amount: MagentoAmount | None = None
    shipping_amount: MagentoAmount | None = None
    shipping_incl_tax: MagentoAmount | None = None
    shipping_description: str | None = None
    shipping_method: str | None = None
    tax_amount: MagentoAmount | None = None
    grand_total: MagentoAmount | None = None
    items: tuple[MagentoOrderItem, ...] = ()
    billing_address: MagentoAddress | None = None
    payment: MagentoPayment | None = None
    extension: _MagentoOrderExtension = Field(
        default_factory=_MagentoOrderExtension, alias="extension_attributes"
    )
    extension_raw: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> MagentoOrder:
        """Validate one order object of a Magento answer.

        Args:
            data: One element of ``items[]`` (or the body of ``GET /V1/orders/{id}``).

        Returns:
            The validated order; ``extension_raw`` holds the raw extension attributes.

        Raises:
            pydantic.ValidationError: A field has an impossible type.
        """
        raw_ext = data.get("extension_attributes")
        order = cls.model_validate(data)
        if isinstance(raw_ext, dict):
            return order.model_copy(update={"extension_raw": raw_ext})
        return order

    @property
    def shipping_assignment(self) -> MagentoShippingAssignment | None:
        """The first shipping assignment (Magento writes exactly one per order)."""
        assignments = self.extension.shipping_assignments
        return assignments[0] if assignments else None
