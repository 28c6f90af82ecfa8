"""MSI quantities: salable quantity at checkout, source deduction when a shipment is saved.

Magento keeps a physical quantity per (SKU, source) in ``inventory_source_item`` and
never touches it when an order is placed: the checkout only appends a negative
*reservation*, and the salable quantity is the sources' quantity plus the
reservations (InventoryReservations, InventorySales ``GetProductSalableQty``). The
source quantity drops only when a shipment is saved:
``InventoryShipping/Observer/SourceDeductionProcessor.php`` (on
``sales_order_shipment_save_after``) asks
``InventorySourceDeductionApi/Model/SourceDeductionService.php`` to take each shipped
quantity off the shipment's source (``arguments.extension_attributes.source_code``,
else the default source in single-source mode). When ``quantity - qty < 0`` it throws
``Not all of your products are available in the requested quantity.``; a missing
source item throws ``NoSuchEntityException``. Both happen inside ``ShipOrder``'s
save, which answers 400 ``Could not save a shipment, see error log for details`` and
rolls the shipment back. Then a compensating reservation cancels the checkout's one.

The sandbox derives the reservations from the orders themselves (what is ordered and
neither shipped nor canceled on an open order), which is what the two reservations
add up to.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bridge.sandbox._money import ZERO, dec, num
from bridge.sandbox._router import MagentoHttpError, bad_request
from bridge.sandbox._state import Shop

NOT_ENOUGH = "Not all of your products are available in the requested quantity."
COULD_NOT_SHIP = "Could not save a shipment, see error log for details"
QTY_NOT_AVAILABLE = "The requested qty is not available"
_OPEN_STATES = ("new", "processing", "holded", "payment_review", "pending_payment")


def stock_lines(order: dict[str, Any]) -> list[dict[str, Any]]:
    """The lines that hold stock, by the SKU Magento deducts (``GetSkuFromOrderItem``).

    A configurable's parent line carries the simple's SKU (its child line is left
    out); a bundle's selections hold the stock, not the bundle line.
    """
    types = {ln["item_id"]: ln.get("product_type") for ln in order["items"]}
    return [
        ln
        for ln in order["items"]
        if ln.get("product_type") != "bundle"
        and types.get(ln.get("parent_item_id")) != "configurable"
    ]


def reserved(shop: Shop, sku: str) -> Decimal:
    """What open orders hold of ``sku``: ordered, not yet shipped, not canceled."""
    held = ZERO
    for order in shop.data["orders"].values():
        if order["state"] not in _OPEN_STATES:
            continue
        for line in stock_lines(order):
            if line["sku"] == sku:
                held += (
                    dec(line["qty_ordered"])
                    - dec(line["qty_shipped"])
                    - dec(line["qty_canceled"])
                )
    return held


def salable(shop: Shop, sku: str) -> Decimal | None:
    """Salable quantity of ``sku`` over its in-stock sources; None without any."""
    items = shop.data["source_items"].get(sku)
    if not items:
        return None
    physical = sum(
        (dec(i["quantity"]) for i in items.values() if int(i.get("status") or 0)),
        ZERO,
    )
    return physical - reserved(shop, sku)


def reserve_for_order(shop: Shop, wanted: dict[str, Decimal]) -> None:
    """Check (or, for SKUs without stock data, provide) the quantity an order takes.

    A SKU whose stock was written through Magento's endpoints must have the salable
    quantity, or the order is refused as Magento's checkout refuses it. A SKU without
    any source item (not in the catalogue, or created without stock) gets a
    ``default`` source item holding what its orders need, and keeps being topped up
    for later orders until a stock call writes its quantity: the stock the shop had
    when the customer bought.

    Raises:
        MagentoHttpError: 400 ``The requested qty is not available``.
    """
    auto = shop.data.setdefault("auto_stock", {})
    short: dict[str, Decimal] = {}
    for sku, qty in wanted.items():
        left = salable(shop, sku)
        if left is None or (sku in auto and left < qty):
            short[sku] = qty - (left or ZERO)
        elif left < qty:
            raise bad_request(QTY_NOT_AVAILABLE)
    for sku, missing in short.items():
        item = shop.data["source_items"].get(sku, {}).get("default")
        have = dec(item["quantity"]) if item else ZERO
        set_source_quantity(shop, sku, "default", have + missing)
        auto[sku] = True


def stock_written(shop: Shop, sku: str) -> None:
    """A stock call set ``sku``'s quantity: from now on orders are checked against it."""
    shop.data.setdefault("auto_stock", {}).pop(sku, None)


def set_source_quantity(shop: Shop, sku: str, source: str, quantity: Decimal) -> None:
    """Write a source item (status from the quantity) and mirror ``default``."""
    shop.data["source_items"].setdefault(sku, {})[source] = {
        "sku": sku,
        "source_code": source,
        "quantity": num(quantity),
        "status": int(quantity > 0),
    }
    product = shop.data["products"].get(sku)
    if source == "default" and product is not None:
        stock = product["extension_attributes"]["stock_item"]
        stock["qty"] = num(quantity)
        stock["is_in_stock"] = quantity > 0


def deduct(
    shop: Shop, source: str, shipped: list[tuple[dict[str, Any], Decimal]]
) -> None:
    """Take shipped quantities off ``source``, all or nothing, as MSI does.

    Raises:
        MagentoHttpError: 400 ``Could not save a shipment, see error log for
            details`` when a source item is missing or short (nothing deducted).
    """
    needed: dict[str, Decimal] = {}
    for line, qty in shipped:
        if line.get("product_type") == "bundle" or line.get("is_virtual"):
            continue
        if not _manages_stock(shop, line["sku"]):
            continue
        needed[line["sku"]] = needed.get(line["sku"], ZERO) + qty
    new: dict[str, Decimal] = {}
    for sku, qty in needed.items():
        item = shop.data["source_items"].get(sku, {}).get(source)
        if item is None or dec(item["quantity"]) - qty < 0:
            # SourceDeductionService throws NOT_ENOUGH (or NoSuchEntity); ShipOrder's
            # catch (\Exception) logs it and answers only this.
            raise MagentoHttpError(400, COULD_NOT_SHIP)
        new[sku] = dec(item["quantity"]) - qty
    for sku, quantity in new.items():
        set_source_quantity(shop, sku, source, quantity)


def _manages_stock(shop: Shop, sku: str) -> bool:
    product = shop.data["products"].get(sku)
    if product is None:
        return True
    stock = product["extension_attributes"].get("stock_item") or {}
    return stock.get("manage_stock", True) is not False
