"""The non-Magento ``/sandbox/`` helpers for demos and tests (SPEC §6).

``POST /sandbox/orders`` places an order, ``POST /sandbox/faults`` arms faults,
``GET /sandbox/requests`` lists every request seen (``DELETE`` forgets them),
``GET /sandbox/emails`` lists the customer e-mails Magento would have sent,
``POST /sandbox/reset`` empties the shop, ``POST /sandbox/config`` switches input
limits, assigns order statuses to states (as Admin > Stores > Order Status does) and
sets the attribute set's custom attributes and the MSI sources that exist,
``POST /sandbox/seed`` adds realistic orders or a big catalogue in one call,
``POST /sandbox/integration`` revokes or restores the integration's access token, and
``POST /sandbox/orders/{id}/state`` forces a state (e.g. ``payment_review``) that
no REST call can reach. Their answers are not Magento's and are not schema-checked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bridge.sandbox._order_build import build_order
from bridge.sandbox._orders import set_state, view
from bridge.sandbox._router import Request, Router, bad_request
from bridge.sandbox._seed import seed_orders, seed_products

if TYPE_CHECKING:
    from bridge.sandbox._app import SandboxApp

router = Router()
HELPER = "sandbox"


@router.add("POST", "/sandbox/orders", HELPER)
def create_order(app: SandboxApp, req: Request) -> dict[str, Any]:
    """Place an order from a spec and answer it as GET /V1/orders/{id} would."""
    if not isinstance(req.body, dict):
        raise bad_request("The order spec must be a JSON object.")
    return view(build_order(app.shop, req.body))


@router.add("POST", "/sandbox/orders/{id}/state", HELPER)
def force_state(app: SandboxApp, req: Request, id: str) -> dict[str, Any]:
    """Force an order's state and status, e.g. ``{"state": "payment_review"}``."""
    body = req.body if isinstance(req.body, dict) else {}
    if not body.get("state"):
        raise bad_request("A state is required.")
    order = app.shop.order(id)
    set_state(order, str(body["state"]), body.get("status"))
    return view(order)


@router.add("POST", "/sandbox/faults", HELPER)
def set_faults(app: SandboxApp, req: Request) -> dict[str, Any]:
    """Arm (or with ``{}`` clear) the fault plan."""
    return app.faults.configure(req.body if req.body is not None else {})


@router.add("GET", "/sandbox/faults", HELPER)
def get_faults(app: SandboxApp, req: Request) -> dict[str, Any]:
    """Show what is left of the fault plan."""
    return app.faults.snapshot()


@router.add("GET", "/sandbox/requests", HELPER)
def get_requests(app: SandboxApp, req: Request) -> list[dict[str, Any]]:
    """Every request seen: method, path, query, body, status and response."""
    return app.requests.entries()


@router.add("GET", "/sandbox/emails", HELPER)
def get_emails(app: SandboxApp, req: Request) -> list[dict[str, Any]]:
    """Every customer e-mail Magento would have sent: kind, to, order, comment."""
    return list(app.shop.data.get("emails", []))


@router.add("DELETE", "/sandbox/requests", HELPER)
def clear_requests(app: SandboxApp, req: Request) -> bool:
    """Forget the request log."""
    app.requests.clear()
    return True


@router.add("POST", "/sandbox/reset", HELPER)
def reset(app: SandboxApp, req: Request) -> bool:
    """Empty the shop, the fault plan and the request log."""
    app.shop.reset()
    app.faults.configure({})
    app.requests.clear()
    app.auth.revoked = False
    return True


@router.add("POST", "/sandbox/integration", HELPER)
def integration(app: SandboxApp, req: Request) -> dict[str, Any]:
    """Revoke (``{"revoked": true}``) or restore the integration's access token.

    While revoked every REST call is refused with Magento's 401, as after
    Admin > System > Integrations > Reauthorize or a deleted token
    (``Integration/Model/Authorization/TokenUserContext::processRequest`` ignores a
    revoked token; ``Webapi/Controller/Rest/RequestValidator::checkPermissions``
    then raises ``AuthorizationException``).
    """
    body = req.body if isinstance(req.body, dict) else {}
    if "revoked" in body:
        app.auth.revoked = bool(body["revoked"])
    return {"revoked": app.auth.revoked}


@router.add("POST", "/sandbox/config", HELPER)
def configure(app: SandboxApp, req: Request) -> dict[str, Any]:
    """Set ``input_limit``, ``order_statuses``, ``attributes`` or MSI ``sources``.

    ``attributes`` are the custom attribute codes of the default attribute set (a
    value for any other is dropped on save); ``sources`` the MSI source codes that
    exist (``default`` always does; a source item for another is refused).
    """
    body = req.body if isinstance(req.body, dict) else {}
    if "input_limit" in body:
        app.shop.input_limit = bool(body["input_limit"])
    for state, statuses in (body.get("order_statuses") or {}).items():
        app.shop.data["order_statuses"][state] = list(statuses)
    if body.get("sources") is not None:
        app.shop.data["sources"] = sorted({"default", *map(str, body["sources"])})
    if body.get("attributes") is not None:
        app.shop.data["attributes"] = sorted(set(map(str, body["attributes"])))
    return {
        "input_limit": app.shop.input_limit,
        "order_statuses": app.shop.data["order_statuses"],
        "sources": app.shop.data["sources"],
        "attributes": app.shop.data["attributes"],
    }


@router.add("POST", "/sandbox/seed", HELPER)
def seed(app: SandboxApp, req: Request) -> list[str] | dict[str, Any]:
    """Add orders or products in one call.

    ``{"orders": N}`` places realistic orders and answers their increment ids;
    ``{"products": N, "sku_prefix": "PF-"}`` (optional ``"start"``, default 0)
    adds N enabled simple products and answers ``{"created", "first", "last"}``.
    """
    body = req.body if isinstance(req.body, dict) else {}
    if "products" in body:
        return seed_products(
            app.shop,
            int(body["products"]),
            sku_prefix=str(body.get("sku_prefix", "PF-")),
            start=int(body.get("start", 0)),
        )
    return seed_orders(app.shop, int(body.get("orders", 1)), seed=body.get("seed"))
