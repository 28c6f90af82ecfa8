"""``POST /V1/order/{orderId}/ship`` and the shipment read endpoints.

Ship answers the new shipment id as a bare JSON scalar. It refuses orders in
payment_review, holded or canceled (``A shipment cannot be created when an order
has a status of %1``) and orders with nothing left to ship (``Sales/Model/
ShipOrder.php``). Requested items are clamped and truncated as
``ShipmentFactory::prepareItems`` does (:mod:`bridge.sandbox._documents`). A
configurable is shipped on its parent line; the child's ``qty_shipped`` stays 0
(magento2#26228); a ship-together bundle's selections follow the bundle line. Saving
the shipment deducts its source's quantities as MSI does, or fails the whole call
with ``Could not save a shipment, see error log for details``
(:mod:`bridge.sandbox._msi`). With ``notify`` the customer's e-mail is recorded,
with the comment only when ``appendComment`` is set.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bridge.sandbox._documents import (
    SHIPMENT,
    choose,
    comment_entries,
    document_item,
    list_documents,
    notify,
    refuse,
)
from bridge.sandbox._money import ZERO, dec, num
from bridge.sandbox._msi import deduct
from bridge.sandbox._orders import can_do, is_dummy, recompute_state
from bridge.sandbox._router import Request, Router
from bridge.sandbox._state import Shop

router = Router()
SHIP = "Magento_Sales::ship"
BLOCKED_STATES = ("payment_review", "holded", "canceled")
ITEM_TYPE = "\\Magento\\Sales\\Api\\Data\\ShipmentItemCreationInterface"


def _order_errors(order: dict[str, Any]) -> list[str]:
    if order["state"] in BLOCKED_STATES:
        return [
            "A shipment cannot be created when an order has a status of "
            f"{order['status']}"
        ]
    if not can_do(order, "qty_shipped"):
        return ["The order does not allow a shipment to be created."]
    return []


def _tracks(
    shop: Shop, body: dict[str, Any], order_id: int, shipment_id: int, errors: list[str]
) -> list[dict[str, Any]]:
    tracks = []
    for track in body.get("tracks") or []:
        if (
            not isinstance(track, dict)
            or not str(track.get("track_number") or "").strip()
        ):
            errors.append("Please enter a tracking number.")
            continue
        tracks.append(
            {
                "entity_id": shop.next_id("track"),
                "parent_id": shipment_id,
                "order_id": order_id,
                "track_number": str(track["track_number"]),
                "title": track.get("title"),
                "carrier_code": track.get("carrier_code"),
                "created_at": shop.now(),
                "updated_at": shop.now(),
            }
        )
    return tracks


@router.add("POST", "/V1/order/{orderId}/ship", SHIP)
def ship(shop: Shop, req: Request, orderId: str) -> int:  # noqa: N803
    """Create a shipment (with tracks) for the requested or all remaining items."""
    order = shop.order(orderId)
    body = req.body if isinstance(req.body, dict) else {}
    chosen = choose(shop, order, body, SHIPMENT, ITEM_TYPE, _order_errors(order))
    errors = chosen.errors
    shipment_id = int(shop.data["seq"].get("shipment", 0)) + 1
    tracks = _tracks(shop, body, order["entity_id"], shipment_id, errors)
    refuse(SHIPMENT, errors)
    shipped = chosen.lines + bundle_children(order, chosen.lines)
    deduct(shop, _source_code(body), shipped)
    shop.next_id("shipment")
    items = []
    for line, qty in shipped:
        line["qty_shipped"] = num(dec(line["qty_shipped"]) + qty)
        item = document_item(shop, "shipment_item", shipment_id, line, qty)
        item.update(
            price=line["price"], weight=line.get("weight"), row_total=line["row_total"]
        )
        items.append(item)
    shop.data["shipments"][str(shipment_id)] = {
        "entity_id": shipment_id,
        "increment_id": f"{shipment_id:09d}",
        "order_id": order["entity_id"],
        "store_id": order["store_id"],
        "customer_id": order.get("customer_id"),
        "billing_address_id": order["billing_address_id"],
        "shipping_address_id": order["extension_attributes"]["shipping_assignments"][0][
            "shipping"
        ]["address"]["entity_id"],
        "total_qty": num(sum((q for _, q in chosen.lines), ZERO)),
        "email_sent": int(bool(body.get("notify"))),
        "created_at": shop.now(),
        "updated_at": shop.now(),
        "packages": [],
        "items": items,
        "tracks": tracks,
        "comments": comment_entries(shop, shipment_id, body),
        "extension_attributes": {"source_code": _source_code(body)},
    }
    recompute_state(order, shop.now())
    notify(shop, order, "shipment", shipment_id, body)
    return shipment_id


def bundle_children(
    order: dict[str, Any], chosen: list[tuple[dict[str, Any], Decimal]]
) -> list[tuple[dict[str, Any], Decimal]]:
    """The selections of ship-together bundles follow their bundle's quantity.

    ``ShipmentFactory::prepareItems``: a dummy child gets ``selection qty x the
    bundle's shipped qty`` (``bundle_selection_attributes``). A configurable's child
    is left alone (its ``qty_shipped`` stays 0, magento2#26228).
    """
    shipped = {line["item_id"]: qty for line, qty in chosen}
    out = []
    for line in order["items"]:
        parent_qty = shipped.get(line.get("parent_item_id") or -1)
        if parent_qty is None or not line.get("_bundle"):
            continue
        if is_dummy(order, line, shipment=True):
            out.append((line, parent_qty * dec(line["_bundle"]["selection_qty"])))
    return out


def _source_code(body: dict[str, Any]) -> str:
    arguments = body.get("arguments") or {}
    ext = arguments.get("extension_attributes") if isinstance(arguments, dict) else None
    return str((ext or {}).get("source_code") or "default")


@router.add("GET", "/V1/shipment/{id}", "Magento_Sales::shipment")
def get_shipment(shop: Shop, req: Request, id: str) -> dict[str, Any]:
    """GET /V1/shipment/{id}."""
    return shop.entity("shipments", id)


@router.add("GET", "/V1/shipments", "Magento_Sales::shipment")
def list_shipments(shop: Shop, req: Request) -> dict[str, Any]:
    """GET /V1/shipments?searchCriteria... (with order_id, items, tracks, comments)."""
    return list_documents(shop, "shipments", req.query)
