"""MSI source items: ``POST /V1/inventory/source-items`` and its search.

The call is all-or-nothing and answers ``[]``. With input limits on, more than 20
items are refused before anything is saved with Magento's
``Maximum items of type "%type" is %max``. A SKU that is not in the catalogue or an
unknown source fails the whole call with ``Could not save Source Item``, as 2.4.6
does (magento/inventory#889). The ``default`` source mirrors the legacy stock item.
"""

from __future__ import annotations

from typing import Any

from bridge.sandbox._catalog import find
from bridge.sandbox._money import dec, num
from bridge.sandbox._msi import stock_written
from bridge.sandbox._router import MagentoHttpError, Request, Router, bad_request
from bridge.sandbox._search import parse, search
from bridge.sandbox._state import Shop

router = Router()
SOURCE_ITEMS = "Magento_InventoryApi::source"
INPUT_LIST_LIMIT = 20
COULD_NOT_SAVE = "Could not save Source Item"


def check_input_limit(shop: Shop, items: list[Any], type_name: str) -> None:
    """Refuse an array longer than the input list limit when limits are on.

    Raises:
        MagentoHttpError: 400 ``Maximum items of type "%type" is %max``.
    """
    if shop.input_limit and len(items) > INPUT_LIST_LIMIT:
        raise MagentoHttpError(
            400,
            'Maximum items of type "%type" is %max',
            {"type": type_name, "max": INPUT_LIST_LIMIT},
        )


def _validate(shop: Shop, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise bad_request(COULD_NOT_SAVE)
    errors = [
        {"message": '"%field" can not be empty.', "parameters": {"field": field}}
        for field in ("sku", "source_code")
        if not str(item.get(field) or "").strip()
    ]
    if item.get("status") is None:
        errors.append(
            {
                "message": '"%field" should be numeric.',
                "parameters": {"field": "status"},
            }
        )
    if errors:
        raise MagentoHttpError(400, "Validation Failed", extra={"errors": errors})
    if (
        item["sku"] not in shop.data["products"]
        or item["source_code"] not in shop.data["sources"]
    ):
        raise bad_request(COULD_NOT_SAVE)
    return item


@router.add("POST", "/V1/inventory/source-items", SOURCE_ITEMS)
def save_source_items(shop: Shop, req: Request) -> list[Any]:
    """POST /V1/inventory/source-items ``{"sourceItems": [...]}`` → ``[]``."""
    items = req.body.get("sourceItems") if isinstance(req.body, dict) else None
    if not isinstance(items, list):
        raise bad_request(
            '"%fieldName" is required. Enter and try again.', "sourceItems"
        )
    check_input_limit(
        shop, items, "\\Magento\\InventoryApi\\Api\\Data\\SourceItemInterface"
    )
    checked = [_validate(shop, item) for item in items]
    for item in checked:
        quantity = num(dec(item.get("quantity")))
        status = int(item["status"])
        stock_written(shop, item["sku"])
        shop.data["source_items"].setdefault(item["sku"], {})[item["source_code"]] = {
            "sku": item["sku"],
            "source_code": item["source_code"],
            "quantity": quantity,
            "status": status,
        }
        if item["source_code"] == "default":
            stock = find(shop, item["sku"])["extension_attributes"]["stock_item"]
            stock["qty"] = (
                quantity  # the API does not derive status from qty (I4 #2823)
            )
            stock["is_in_stock"] = bool(status)
    return []


@router.add("GET", "/V1/inventory/source-items", SOURCE_ITEMS)
def list_source_items(shop: Shop, req: Request) -> dict[str, Any]:
    """GET /V1/inventory/source-items?searchCriteria...."""
    rows = [
        (dict(item), dict(item))
        for by_source in shop.data["source_items"].values()
        for item in by_source.values()
    ]
    return search(rows, parse(req.query, input_limit=shop.input_limit))
