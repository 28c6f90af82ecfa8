"""Orders: GET by id, search, comments with Magento's status rule, hold/unhold/cancel.

States move ``new`` → ``processing`` → ``complete`` (complete = every line fully
invoiced and fully shipped, API-FACTS §6). A comment's ``status`` must be one of the
statuses assigned to the order's *current* state, else 400 ``Unable to add comment:
The status "%1" is not part of the order status history.`` (M18).
"""

from __future__ import annotations

import copy
from typing import Any

from bridge.sandbox._money import dec, num
from bridge.sandbox._router import Request, Router, bad_request
from bridge.sandbox._search import parse, search
from bridge.sandbox._state import Shop, record_email

router = Router()
SALES = "Magento_Sales::sales"
ACTIONS = "Magento_Sales::actions_view"
UNKNOWN_STATUS = (
    'Unable to add comment: The status "%1" is not part of the order status history.'
)


def bundle_options(order: dict[str, Any], line: dict[str, Any]) -> dict[str, Any]:
    """The bundle options of ``line``'s bundle (its own, or its parent's); {} if none.

    ``shipment_type`` 1 = ship separately, ``product_calculations`` 0 = dynamic price
    (children calculated), as Magento keeps them in the item's ``product_options``.
    """
    if line.get("_bundle") is not None:
        return dict(line["_bundle"])
    for other in order["items"]:
        if other["item_id"] == line.get("parent_item_id") and other.get("_bundle"):
            return dict(other["_bundle"])
    return {}


def is_dummy(order: dict[str, Any], line: dict[str, Any], *, shipment: bool) -> bool:
    """``Sales/Model/Order/Item::isDummy``: a line the document does not count itself.

    For shipments a parent is the dummy when its children ship separately, a child
    when they ship together; for invoices a parent is the dummy when the children
    carry the price (dynamic bundle), a child when the parent does (configurable,
    fixed-price bundle).
    """
    options = bundle_options(order, line)
    if shipment:
        flag = options.get("shipment_type") == 1
    else:
        flag = options.get("product_calculations") == 0
    has_children = any(
        ln.get("parent_item_id") == line["item_id"] for ln in order["items"]
    )
    if has_children:
        return flag
    if line.get("parent_item_id") is not None:
        return not flag
    return False


def document_lines(order: dict[str, Any], done_key: str) -> list[dict[str, Any]]:
    """The lines a shipment (``qty_shipped``) or invoice counts: the non-dummy ones."""
    shipment = done_key == "qty_shipped"
    return [ln for ln in order["items"] if not is_dummy(order, ln, shipment=shipment)]


def remaining(line: dict[str, Any], done_key: str) -> Any:
    """Return the quantity of ``line`` not yet ``done_key`` and not canceled."""
    return dec(line["qty_ordered"]) - dec(line[done_key]) - dec(line["qty_canceled"])


def can_do(order: dict[str, Any], done_key: str) -> bool:
    """Whether any line still has quantity left to ship or invoice."""
    return any(remaining(ln, done_key) > 0 for ln in document_lines(order, done_key))


def set_state(order: dict[str, Any], state: str, status: str | None = None) -> None:
    """Move the order to ``state`` with its default status."""
    order["state"] = state
    order["status"] = status or state


def recompute_state(order: dict[str, Any], now: str) -> None:
    """Apply Magento's state check after a shipment or invoice (M4, M7)."""
    order["updated_at"] = now
    if order["state"] not in ("new", "processing"):
        return
    if not can_do(order, "qty_invoiced") and not can_do(order, "qty_shipped"):
        set_state(order, "complete")
    elif order["state"] == "new":
        set_state(order, "processing")


def view(order: dict[str, Any]) -> dict[str, Any]:
    """Return the order as GET /V1/orders/{id} shows it (children with parent_item)."""
    out = copy.deepcopy(order)
    by_id = {ln["item_id"]: ln for ln in out["items"]}
    for line in out["items"]:
        line.pop("_bundle", None)  # product_options: not part of the REST item
    for line in out["items"]:
        if line.get("parent_item_id") is not None:
            line["parent_item"] = copy.deepcopy(by_id[line["parent_item_id"]])
    out["extension_attributes"]["shipping_assignments"][0]["items"] = copy.deepcopy(
        out["items"]
    )
    out["status_histories"] = sorted(
        out["status_histories"], key=lambda h: h["entity_id"], reverse=True
    )
    return out


@router.add("GET", "/V1/orders/{id}", SALES)
def get_order(shop: Shop, req: Request, id: str) -> dict[str, Any]:
    """GET /V1/orders/{id}."""
    return view(shop.order(id))


@router.add("GET", "/V1/orders", SALES)
def list_orders(shop: Shop, req: Request) -> dict[str, Any]:
    """GET /V1/orders?searchCriteria...: any scalar order field can be filtered."""
    rows = []
    for order in shop.data["orders"].values():
        record = {k: v for k, v in order.items() if not isinstance(v, (list, dict))}
        rows.append((record, order))
    rows.sort(key=lambda row: int(row[0]["entity_id"]))
    found = search(rows, parse(req.query, input_limit=shop.input_limit))
    # Render only the page's orders: rendering every order made big shops crawl.
    found["items"] = [view(order) for order in found["items"]]
    return found


@router.add("POST", "/V1/orders/{id}/comments", SALES)
def add_comment(shop: Shop, req: Request, id: str) -> bool:
    """POST /V1/orders/{id}/comments ``{"statusHistory": {...}}`` → true."""
    order = shop.order(id)
    history = req.body.get("statusHistory") if isinstance(req.body, dict) else None
    if not isinstance(history, dict):
        raise bad_request(
            '"%fieldName" is required. Enter and try again.', "statusHistory"
        )
    status = history.get("status")
    if status and status not in shop.data["order_statuses"].get(order["state"], []):
        raise bad_request(UNKNOWN_STATUS, status)
    if status:
        order["status"] = status
    add_history(
        shop,
        order,
        history.get("comment"),
        order["status"],
        notified=int(history.get("is_customer_notified") or 0),
        visible=int(history.get("is_visible_on_front") or 0),
    )
    if history.get("is_customer_notified"):
        # OrderCommentSender mails the comment itself (Sales/Model/Order/Email/Sender).
        record_email(
            shop, order, "order_comment", order["entity_id"], history.get("comment")
        )
    return True


def add_history(
    shop: Shop,
    order: dict[str, Any],
    comment: Any,
    status: str,
    *,
    notified: int = 0,
    visible: int = 0,
) -> None:
    """Append a status-history entry to ``order``."""
    order["status_histories"].append(
        {
            "entity_id": shop.next_id("status_history"),
            "parent_id": order["entity_id"],
            "comment": comment,
            "status": status,
            "created_at": shop.now(),
            "entity_name": "order",
            "is_customer_notified": notified,
            "is_visible_on_front": visible,
        }
    )
    order["updated_at"] = shop.now()


@router.add("GET", "/V1/orders/{id}/comments", SALES)
def list_comments(shop: Shop, req: Request, id: str) -> dict[str, Any]:
    """GET /V1/orders/{id}/comments."""
    items = view(shop.order(id))["status_histories"]
    return {
        "items": items,
        "search_criteria": {"filter_groups": []},
        "total_count": len(items),
    }


@router.add("GET", "/V1/orders/{id}/statuses", SALES)
def list_statuses(shop: Shop, req: Request, id: str) -> str:
    """GET /V1/orders/{id}/statuses: the order's current status label."""
    return str(shop.order(id)["status"])


@router.add("POST", "/V1/orders/{id}/hold", ACTIONS)
def hold(shop: Shop, req: Request, id: str) -> bool:
    """POST /V1/orders/{id}/hold: only new/processing orders can be held."""
    order = shop.order(id)
    if order["state"] not in ("new", "processing"):
        raise bad_request("A hold action is not available.")
    order["hold_before_state"], order["hold_before_status"] = (
        order["state"],
        order["status"],
    )
    set_state(order, "holded")
    order["updated_at"] = shop.now()
    return True


@router.add("POST", "/V1/orders/{id}/unhold", ACTIONS)
def unhold(shop: Shop, req: Request, id: str) -> bool:
    """POST /V1/orders/{id}/unhold: restores the state held before."""
    order = shop.order(id)
    if order["state"] != "holded":
        raise bad_request("You cannot remove the hold.")
    set_state(order, order.pop("hold_before_state"), order.pop("hold_before_status"))
    order["updated_at"] = shop.now()
    return True


@router.add("POST", "/V1/orders/{id}/cancel", ACTIONS)
def cancel(shop: Shop, req: Request, id: str) -> bool:
    """POST /V1/orders/{id}/cancel: false (no error) when it cannot be canceled."""
    order = shop.order(id)
    if order["state"] not in ("new", "processing") or not can_do(order, "qty_invoiced"):
        return False
    for line in order["items"]:
        line["qty_canceled"] = num(dec(line["qty_ordered"]) - dec(line["qty_invoiced"]))
    set_state(order, "canceled")
    order["updated_at"] = shop.now()
    return True
