"""Store structure the preflight reads: websites, attribute sets, MSI sources.

Magento's defaults: the admin website ``0`` and ``base`` (id 1); attribute set 4
("Default") of the product entity (type 4), whose custom attributes are the shop's
``attributes`` (``/sandbox/config``); the MSI sources are the shop's ``sources``.
Only GETs: the bridge never writes store structure.
"""

from __future__ import annotations

from typing import Any

from bridge.sandbox._router import Request, Router, not_found
from bridge.sandbox._search import parse, search
from bridge.sandbox._state import Shop

__all__ = ["router"]

router = Router()
STORES = "Magento_Backend::stores"
SETS = "Magento_Catalog::sets"
SOURCES = "Magento_InventoryApi::source"
DEFAULT_SET = 4
PRODUCT_ENTITY = 4
_SYSTEM = ("sku", "name", "price", "description", "short_description", "status")


@router.add("GET", "/V1/store/websites", STORES)
def list_websites(shop: Shop, req: Request) -> list[dict[str, Any]]:
    """GET /V1/store/websites: the admin website and ``base``."""
    return [
        {"id": 0, "code": "admin", "name": "Admin", "default_group_id": 0},
        {"id": 1, "code": "base", "name": "Main Website", "default_group_id": 1},
    ]


@router.add("GET", "/V1/store/storeViews", STORES)
def list_store_views(shop: Shop, req: Request) -> list[dict[str, Any]]:
    """GET /V1/store/storeViews: the admin store and ``default``."""
    return [
        {
            "id": 0,
            "code": "admin",
            "name": "Admin",
            "website_id": 0,
            "store_group_id": 0,
            "is_active": 1,
        },
        {
            "id": 1,
            "code": "default",
            "name": "Default Store View",
            "website_id": 1,
            "store_group_id": 1,
            "is_active": 1,
        },
    ]


def _known_set(attribute_set_id: str) -> int:
    if attribute_set_id != str(DEFAULT_SET):
        raise not_found(
            'The attribute set with the "%1" ID doesn\'t exist. '
            "Verify the attributeSet and try again.",
            attribute_set_id,
        )
    return DEFAULT_SET


@router.add("GET", "/V1/products/attribute-sets/{attributeSetId}", SETS)
def get_attribute_set(
    shop: Shop,
    req: Request,
    attributeSetId: str,  # noqa: N803 - the route's placeholder, as Magento names it
) -> dict[str, Any]:
    """GET /V1/products/attribute-sets/{id}: only the default set 4 exists."""
    return {
        "attribute_set_id": _known_set(attributeSetId),
        "attribute_set_name": "Default",
        "sort_order": 1,
        "entity_type_id": PRODUCT_ENTITY,
    }


@router.add("GET", "/V1/products/attribute-sets/{attributeSetId}/attributes", SETS)
def list_set_attributes(
    shop: Shop,
    req: Request,
    attributeSetId: str,  # noqa: N803 - the route's placeholder, as Magento names it
) -> list[dict[str, Any]]:
    """GET /V1/products/attribute-sets/{id}/attributes: system plus custom codes."""
    _known_set(attributeSetId)
    codes = [*_SYSTEM, *shop.data.get("attributes", ["ean"])]
    return [
        {
            "attribute_code": code,
            "frontend_input": "text",
            "entity_type_id": str(PRODUCT_ENTITY),
            "is_required": code in ("sku", "name", "price"),
            "frontend_labels": [],
            "default_frontend_label": code,
        }
        for code in codes
    ]


@router.add("GET", "/V1/inventory/sources", SOURCES)
def list_sources(shop: Shop, req: Request) -> dict[str, Any]:
    """GET /V1/inventory/sources?searchCriteria...: the shop's source codes."""
    rows = [
        (row, row)
        for row in (
            {"source_code": code, "name": code, "enabled": True}
            for code in shop.data["sources"]
        )
    ]
    return search(rows, parse(req.query, input_limit=shop.input_limit))
