"""Pure shipment mapping: ERP delivery lines → Magento order items, payloads, matching.

Everything here works on plain Magento JSON dicts (as the REST adapter returns them)
and ERP models; no I/O. The flow uses it to:

- build the comment marker that ties a Magento shipment/invoice to one ERP shipment,
  and to recognise that marker again, exactly (``DN-1001`` never matches ``DN-10010``);
- map each ERP line's SKU to the order item to ship. For a configurable product the
  **parent** line carries the simple's SKU and is the one shipped and invoiced; the
  child is a dummy (API-FACTS §4, magento2#9762);
- refuse SKUs not in the order and quantities over what is left to ship, with
  Magento's own validation messages (API-FACTS §4, ``QuantityValidator``);
- cap invoice quantities by what is still uninvoiced, so nothing is captured twice;
- read an invoice's amounts back (grand total, freight, invoice fee).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bridge.errors import RecordRejectedError
from bridge.mapping.bundles import with_bundle_family
from bridge.models.erp import ErpShipment
from bridge.models.units import is_pieces
from bridge.support.jsonvalues import json_number

__all__ = [
    "InvoiceAmounts",
    "ShipItem",
    "comment_marks",
    "find_invoice",
    "find_shipment",
    "invoice_amounts",
    "lines_text",
    "qty_left_to_invoice",
    "qty_left_to_ship",
    "reconcile_invoice",
    "ship_items_from_shipment",
    "shipment_comment",
    "to_magento_invoice_items",
    "to_magento_ship_items",
    "to_magento_tracks",
]

# States in which Magento refuses a shipment (Validation/CanShip.php, API-FACTS §4).
_NO_SHIP_STATES = frozenset({"holded", "canceled", "payment_review"})


@dataclass(frozen=True)
class ShipItem:
    """One order item and the quantity to ship (or invoice) for it."""

    order_item_id: int
    sku: str
    qty: Decimal

    def payload(self) -> dict[str, Any]:
        """Return the ``{"order_item_id", "qty"}`` entry of a ship/invoice body."""
        return {"order_item_id": self.order_item_id, "qty": json_number(self.qty)}


@dataclass(frozen=True)
class InvoiceAmounts:
    """What one Magento invoice captured."""

    grand_total: Decimal
    shipping_amount: Decimal
    fee: Decimal


def shipment_comment(shipment_id: str, file_name: str) -> str:
    """Return the comment marking a Magento shipment or invoice as this ERP shipment's.

    Args:
        shipment_id: The ERP delivery-note number.
        file_name: The file it came from (for people reading the order history).
    """
    return f"ERP shipment {shipment_id} (file {file_name})"


def comment_marks(comment: str, shipment_id: str) -> bool:
    """Tell whether ``comment`` carries the marker of exactly ``shipment_id``.

    The id must be delimited on both sides, so ``DN-1001`` is not found in a comment
    about ``DN-10010`` nor about ``XDN-1001``.
    """
    pattern = rf"(?:^|\s)ERP shipment {re.escape(shipment_id)} \(file "
    return re.search(pattern, comment) is not None


_ANY_MARKER = re.compile(r"(?:^|\s)ERP shipment \S")


def _comments(entity: Mapping[str, Any]) -> list[str]:
    return [str(c.get("comment") or "") for c in entity.get("comments") or []]


def lines_text(shipment: ErpShipment) -> str:
    """Return the delivery's lines as ``SKU x qty`` by SKU (same SKUs added up).

    Two versions of a delivery note ship the same when their texts are equal.
    """
    wanted: dict[str, Decimal] = {}
    for line in shipment.lines:
        wanted[line.sku] = wanted.get(line.sku, Decimal(0)) + line.qty
    return "; ".join(f"{sku} x {_qty(qty)}" for sku, qty in sorted(wanted.items()))


def _same_items(
    candidate: Mapping[str, Any], shipment: ErpShipment, order: Mapping[str, Any]
) -> bool:
    """Tell whether a Magento shipment shipped exactly the delivery's lines."""
    shipped: dict[str, Decimal] = {}
    for item in ship_items_from_shipment(candidate, order):
        shipped[item.sku] = shipped.get(item.sku, Decimal(0)) + item.qty
    text = "; ".join(f"{k} x {_qty(v)}" for k, v in sorted(shipped.items()))
    return text == lines_text(shipment)


def find_shipment(
    shipments: Iterable[Mapping[str, Any]],
    shipment: ErpShipment,
    order: Mapping[str, Any] | None = None,
    taken: Collection[int] = (),
) -> Mapping[str, Any] | None:
    """Find the Magento shipment already created for ``shipment``, if any.

    A shipment counts when one of its comments carries the ERP shipment's marker, or
    when one of its tracks has one of the ERP shipment's tracking numbers, it carries
    no marker of another ERP shipment, it is not ``taken`` (bound to another ERP
    shipment in the ledger) and, when ``order`` is given, it shipped exactly the
    delivery's lines: a tracking number alone never binds a delivery to a shipment
    someone else made.
    """
    numbers = {t.number for t in shipment.tracks}
    by_track = None
    for candidate in shipments:
        comments = _comments(candidate)
        if any(comment_marks(c, shipment.shipment_id) for c in comments):
            return candidate
        other_erp = any(_ANY_MARKER.search(c) for c in comments)
        tracks = {str(t.get("track_number")) for t in candidate.get("tracks") or []}
        if (
            by_track is None
            and numbers & tracks
            and not other_erp
            and int(candidate.get("entity_id") or 0) not in taken
            and (order is None or _same_items(candidate, shipment, order))
        ):
            by_track = candidate
    return by_track


def find_invoice(
    invoices: Iterable[Mapping[str, Any]], shipment_id: str
) -> Mapping[str, Any] | None:
    """Find the Magento invoice whose comments carry the ERP shipment's marker."""
    for candidate in invoices:
        if any(comment_marks(c, shipment_id) for c in _comments(candidate)):
            return candidate
    return None


def _dec(value: Any) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def _qty(value: Decimal) -> str:
    """A quantity for messages, without trailing zeros (``2.0`` → ``2``)."""
    return f"{value.normalize():f}"


def _money(value: Decimal) -> str:
    """An amount for messages, in cents (``49`` → ``49.00``)."""
    return f"{value.quantize(Decimal('0.01')):f}"


def qty_left_to_ship(item: Mapping[str, Any]) -> Decimal:
    r"""Return what is left to ship of one order item (never negative).

    Same formula as Magento's ``Order\Item::getSimpleQtyToShip``.
    """
    done = sum(
        (_dec(item.get(k)) for k in ("qty_shipped", "qty_refunded", "qty_canceled")),
        Decimal(0),
    )
    return max(_dec(item.get("qty_ordered")) - done, Decimal(0))


def qty_left_to_invoice(item: Mapping[str, Any]) -> Decimal:
    """Return what is left to invoice of one order item (never negative)."""
    done = _dec(item.get("qty_invoiced")) + _dec(item.get("qty_canceled"))
    return max(_dec(item.get("qty_ordered")) - done, Decimal(0))


def _has_parent(item: Mapping[str, Any]) -> bool:
    return bool(item.get("parent_item_id"))


def _candidates(
    sku: str, items: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The order lines shipping ``sku``: top-level lines first, else via a child."""
    top = [i for i in items if i.get("sku") == sku and not _has_parent(i)]
    if top:
        return top
    by_id = {i.get("item_id"): i for i in items}
    found: list[Mapping[str, Any]] = []
    for child in (i for i in items if i.get("sku") == sku and _has_parent(i)):
        parent = by_id.get(child.get("parent_item_id"))
        # A configurable child is a dummy: ship its parent (API-FACTS §4). A bundle
        # child shipped separately is itself the line to ship.
        if parent is not None and parent.get("product_type") == "configurable":
            found.append(parent)
        else:
            found.append(child)
    return found


def _check_can_ship(order: Mapping[str, Any]) -> None:
    if order.get("state") in _NO_SHIP_STATES:
        status = order.get("status") or order.get("state")
        raise RecordRejectedError(
            f"A shipment cannot be created when an order has a status of {status}",
            magento_message=(
                f"A shipment cannot be created when an order has a status of {status}"
            ),
        )


def to_magento_ship_items(
    shipment: ErpShipment, order: Mapping[str, Any]
) -> list[ShipItem]:
    """Map the ERP shipment's lines to the order items and quantities to ship.

    Lines with the same SKU are added up; a SKU ordered on several lines is spread over
    them in order, each taking what it has left to ship.

    Args:
        shipment: The ERP delivery.
        order: The Magento order (``GET /V1/orders/{id}``), with its ``items``.

    Returns:
        One entry per order item to ship, in the order of the ERP lines.

    Raises:
        RecordRejectedError: The order is on hold, canceled or in payment review; a SKU
            is not in the order; a quantity is over what is left to ship (Magento's
            own validation messages); or a quantity in a unit other than pieces is
            for an order item without a decimal quantity.
    """
    _check_can_ship(order)
    items: Sequence[Mapping[str, Any]] = order.get("items") or []
    wanted: dict[str, Decimal] = {}
    for line in shipment.lines:
        if not is_pieces(line.unit):
            _check_decimal(line.sku, line.unit or "", _candidates(line.sku, items))
        wanted[line.sku] = wanted.get(line.sku, Decimal(0)) + line.qty
    planned: list[ShipItem] = []
    for sku, qty in wanted.items():
        planned.extend(_allocate(sku, qty, _candidates(sku, items)))
    return _family(planned, order, qty_left_to_ship)


def _family(
    planned: list[ShipItem],
    order: Mapping[str, Any],
    left: Callable[[Mapping[str, Any]], Decimal],
) -> list[ShipItem]:
    """``planned`` plus its bundles' other lines (``mapping.bundles``), capped."""
    by_id = {i.get("item_id"): i for i in order.get("items") or []}
    entries = [(p.order_item_id, p.sku, p.qty) for p in planned]
    out = list(planned)
    for item_id, sku, qty in with_bundle_family(entries, order)[len(planned) :]:
        take = min(qty, left(by_id.get(item_id) or {}))
        if take > 0:
            out.append(ShipItem(item_id, sku, take))
    return out


def _check_decimal(sku: str, unit: str, lines: Sequence[Mapping[str, Any]]) -> None:
    """Refuse a quantity in ``unit`` unless every order line of ``sku`` takes decimals.

    Magento counts an order item in pieces unless it has a decimal quantity
    (``is_qty_decimal``); only then is 4.25 ``KGM`` the item's quantity (SPEC §7).
    """
    counted = [ln for ln in lines if not ln.get("is_qty_decimal")]
    if counted:
        message = (
            f'The quantity of product SKU "{sku}" is in {unit}, but the order item is '
            "counted in pieces (no decimal quantity): only pieces are taken for it."
        )
        raise RecordRejectedError(message, record_key=sku, magento_message=message)


def _allocate(
    sku: str, qty: Decimal, lines: Sequence[Mapping[str, Any]]
) -> list[ShipItem]:
    if not lines:
        message = (
            f'The shipment contains product SKU "{sku}" that is not part of the '
            "original order."
        )
        raise RecordRejectedError(message, record_key=sku, magento_message=message)
    left = sum((qty_left_to_ship(line) for line in lines), Decimal(0))
    if qty > left:
        message = (
            "The quantity to ship must not be greater than the unshipped quantity "
            f'for product SKU "{sku}".'
        )
        detail = f"{message} (requested {_qty(qty)}, left to ship {_qty(left)})"
        raise RecordRejectedError(detail, record_key=sku, magento_message=detail)
    out: list[ShipItem] = []
    for line in lines:
        take = min(qty, qty_left_to_ship(line))
        if take > 0:
            out.append(ShipItem(int(line["item_id"]), sku, take))
            qty -= take
    return out


def ship_items_from_shipment(
    mshipment: Mapping[str, Any], order: Mapping[str, Any]
) -> list[ShipItem]:
    """Return what an existing Magento shipment shipped, as invoiceable order items.

    Child lines of a configurable product are dropped: their parent is invoiced.
    """
    by_id = {i.get("item_id"): i for i in order.get("items") or []}
    out: list[ShipItem] = []
    for entry in mshipment.get("items") or []:
        item = by_id.get(entry.get("order_item_id"))
        if item is None or _dummy_child(item, by_id):
            continue
        qty = _dec(entry.get("qty"))
        if qty > 0:
            out.append(ShipItem(int(item["item_id"]), str(item.get("sku")), qty))
    return out


def _dummy_child(
    item: Mapping[str, Any], by_id: Mapping[Any, Mapping[str, Any]]
) -> bool:
    parent = by_id.get(item.get("parent_item_id")) if _has_parent(item) else None
    return parent is not None and parent.get("product_type") == "configurable"


def to_magento_invoice_items(
    shipped: Sequence[ShipItem], order: Mapping[str, Any]
) -> list[ShipItem]:
    """Return the items to invoice for one ERP shipment: its shipped quantities, capped.

    Each quantity is capped by what the order item still has uninvoiced, so an order
    already invoiced (by an earlier run or by hand in the Admin) is never invoiced, and
    never captured, a second time. An empty list means: nothing left to invoice. A
    bundle is named with its whole family (``mapping.bundles``): Magento invoices a
    fixed-price one on its bundle line and a dynamic one on its selections.
    """
    by_id = {i.get("item_id"): i for i in order.get("items") or []}
    out: list[ShipItem] = []
    for entry in _family(list(shipped), order, qty_left_to_invoice):
        item = by_id.get(entry.order_item_id)
        left = qty_left_to_invoice(item) if item is not None else Decimal(0)
        qty = min(entry.qty, left)
        if qty > 0:
            out.append(ShipItem(entry.order_item_id, entry.sku, qty))
    return out


def to_magento_tracks(shipment: ErpShipment) -> list[dict[str, str]]:
    """Return the ship call's ``tracks`` (a title is required: default the carrier)."""
    return [
        {
            "track_number": t.number,
            "title": t.title or t.carrier_code,
            "carrier_code": t.carrier_code,
        }
        for t in shipment.tracks
    ]


def invoice_amounts(
    invoice: Mapping[str, Any], fee_mode: str = "derived"
) -> InvoiceAmounts:
    """Read an invoice's grand total, freight and invoice fee.

    Args:
        invoice: The Magento invoice (``GET /V1/invoices/{id}``).
        fee_mode: ``orders.invoice_fee``: ``derived`` (grand total minus the core
            totals; fee modules add columns REST does not show, API-FACTS §5),
            ``extension_attribute:<code>``, or ``none``.
    """
    grand_total = _dec(invoice.get("grand_total"))
    shipping = _dec(invoice.get("shipping_amount"))
    if fee_mode == "none":
        fee = Decimal(0)
    elif fee_mode.startswith("extension_attribute:"):
        ext = invoice.get("extension_attributes") or {}
        fee = _dec(ext.get(fee_mode.split(":", 1)[1]))
    else:
        core = sum(
            (
                _dec(invoice.get(k))
                for k in (
                    "subtotal",
                    "tax_amount",
                    "discount_amount",
                    "discount_tax_compensation_amount",
                    # The tax a freight discount removed when prices include tax:
                    # Sales/Model/Order/Invoice/Total/Tax adds it to the grand total.
                    "shipping_discount_tax_compensation_amount",
                )
            ),
            shipping,
        )
        fee = grand_total - core
    return InvoiceAmounts(grand_total, shipping, fee)


# Magento invoice states: 1 open, 2 paid, 3 canceled (Sales\Model\Order\Invoice).
_INVOICE_CANCELED = 3


def reconcile_invoice(
    shipment: ErpShipment,
    order: Mapping[str, Any],
    invoice: Mapping[str, Any],
    earlier: Sequence[Mapping[str, Any]],
    *,
    tolerance: Decimal,
    fee_mode: str = "derived",
) -> tuple[InvoiceAmounts, list[str]]:
    """Check one invoice against the order and the ERP's amount.

    Magento puts all freight (and a fee module its invoice fee) on the first
    non-canceled invoice, and nothing on later ones (API-FACTS §5). The bridge relies
    on that and verifies it here, and compares the ERP's ``invoice_amount`` (when
    given) with the invoice's grand total.

    Args:
        shipment: The ERP delivery the invoice is for.
        order: The Magento order.
        invoice: The invoice as read back from Magento.
        earlier: The order's invoices created before this one.
        tolerance: ``shipments.amount_tolerance``.
        fee_mode: ``orders.invoice_fee`` (see ``invoice_amounts``).

    Returns:
        The invoice's amounts and one sentence per problem (empty when it reconciles).
    """
    amounts = invoice_amounts(invoice, fee_mode)
    number = invoice.get("increment_id") or invoice.get("entity_id")
    live = [i for i in earlier if _dec(i.get("state")) != _INVOICE_CANCELED]
    prior = [invoice_amounts(i, fee_mode) for i in live]
    problems: list[str] = []
    first_freight = not any(abs(p.shipping_amount) > tolerance for p in prior)
    want_freight = _dec(order.get("shipping_amount")) if first_freight else Decimal(0)
    if abs(amounts.shipping_amount - want_freight) > tolerance:
        problems.append(
            f"Magento invoice {number} carries freight "
            f"{_money(amounts.shipping_amount)}, expected {_money(want_freight)}"
        )
    first_fee = not any(abs(p.fee) > tolerance for p in prior)
    want_fee = invoice_amounts(order, fee_mode).fee if first_fee else Decimal(0)
    if abs(amounts.fee - want_fee) > tolerance:
        problems.append(
            f"Magento invoice {number} carries invoice fee {_money(amounts.fee)}, "
            f"expected {_money(want_fee)}"
        )
    erp = shipment.invoice_amount
    if erp is not None and abs(erp - amounts.grand_total) > tolerance:
        problems.append(
            f"ERP invoice_amount {_money(erp)} differs from Magento invoice {number} "
            f"grand total {_money(amounts.grand_total)} "
            f"by {_money(abs(erp - amounts.grand_total))} "
            f"(tolerance {tolerance:f})"
        )
    currency = invoice.get("order_currency_code") or order.get("order_currency_code")
    if shipment.currency and currency and shipment.currency != currency:
        problems.append(
            f"ERP invoice_amount currency {shipment.currency} differs from "
            f"Magento's {currency}"
        )
    return amounts, problems
