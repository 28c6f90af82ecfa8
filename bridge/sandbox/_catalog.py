"""Products and legacy stock items as Magento 2.4 ``ProductRepository`` handles them.

Behaviour kept (API-FACTS §1-2): ``PUT /V1/products/{sku}`` creates a missing SKU
with Magento's defaults (status 1, visibility 4, attribute set 4, all websites);
an update applies only the keys that were sent; a write through ``/rest/default``
(or ``/rest/V1``) stores store-scoped attributes as store-view overrides that
``/rest/all`` does not show; ``url_key`` must be unique.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from bridge.sandbox._money import dec, num
from bridge.sandbox._msi import stock_written
from bridge.sandbox._router import Request, Router, bad_request, not_found
from bridge.sandbox._search import parse, search
from bridge.sandbox._state import Shop

router = Router()
CATALOG = "Magento_Catalog::products"
STOCK = "Magento_CatalogInventory::cataloginventory"
PRODUCT_MISSING = (
    "The product that was requested doesn't exist. Verify the product and try again."
)
URL_KEY_TAKEN = "URL key for specified store already exists."
EMPTY_ATTRIBUTE = 'The "%1" attribute value is empty. Set the attribute and try again.'

#: Attributes whose scope is the store view on a stock install.
STORE_VIEW_ATTRIBUTES = frozenset(
    {
        "name",
        "description",
        "short_description",
        "url_key",
        "meta_title",
        "meta_keyword",
        "meta_description",
    }
)
#: Attributes every product has (the default set's system attributes); the custom
#: ones come from ``/sandbox/config {"attributes": [...]}`` (default ``["ean"]``).
SYSTEM_ATTRIBUTES = STORE_VIEW_ATTRIBUTES | {
    "category_ids",
    "cost",
    "country_of_manufacture",
    "gift_message_available",
    "has_options",
    "image",
    "manufacturer",
    "msrp",
    "news_from_date",
    "news_to_date",
    "options_container",
    "required_options",
    "small_image",
    "special_from_date",
    "special_price",
    "special_to_date",
    "swatch_image",
    "tax_class_id",
    "thumbnail",
}
_TOP_LEVEL = (
    "name",
    "price",
    "status",
    "visibility",
    "type_id",
    "weight",
    "attribute_set_id",
)


def slug(text: str) -> str:
    """Return Magento's default url_key for a product name."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _attributes(product: dict[str, Any]) -> dict[str, Any]:
    return {c["attribute_code"]: c.get("value") for c in product["custom_attributes"]}


def _set_attribute(product: dict[str, Any], code: str, value: Any) -> None:
    for item in product["custom_attributes"]:
        if item["attribute_code"] == code:
            item["value"] = value
            return
    product["custom_attributes"].append({"attribute_code": code, "value": value})


def view(shop: Shop, product: dict[str, Any], store: str) -> dict[str, Any]:
    """Return ``product`` as a GET through ``store`` shows it."""
    out = copy.deepcopy(product)
    if store != "all":
        for code, value in (
            shop.data["overrides"].get(store, {}).get(product["sku"], {}).items()
        ):
            if code in _TOP_LEVEL:
                out[code] = value
            else:
                _set_attribute(out, code, value)
    return out


def find(shop: Shop, sku: str) -> dict[str, Any]:
    """Return the stored product ``sku`` or raise Magento's 404."""
    product = shop.data["products"].get(sku)
    if product is None:
        raise not_found(PRODUCT_MISSING)
    return product  # type: ignore[no-any-return]


def _url_key_taken(shop: Shop, url_key: str, except_sku: str) -> bool:
    """Whether another product (or a store-view override) already uses ``url_key``."""
    for sku, product in shop.data["products"].items():
        if sku == except_sku:
            continue
        for attribute in product["custom_attributes"]:
            if attribute["attribute_code"] == "url_key":
                if str(attribute.get("value") or "") == url_key:
                    return True
                break
    for overrides in shop.data["overrides"].values():
        for sku, values in overrides.items():
            if sku != except_sku and str(values.get("url_key") or "") == url_key:
                return True
    return False


def _new_product(shop: Shop, body: dict[str, Any]) -> dict[str, Any]:
    for required in ("name", "price"):
        if body.get(required) in (None, "") and not (
            required == "price" and body.get("type_id") == "configurable"
        ):
            raise bad_request(EMPTY_ATTRIBUTE, required)
    now = shop.now()
    product_id = shop.next_id("product")
    return {
        "id": product_id,
        "sku": body["sku"],
        "name": body["name"],
        "attribute_set_id": 4,
        "price": 0,
        "status": 1,
        "visibility": 4,
        "type_id": "simple",
        "created_at": now,
        "updated_at": now,
        "extension_attributes": {
            "website_ids": [1],
            "category_links": [],
            "stock_item": {
                "item_id": product_id,
                "product_id": product_id,
                "stock_id": 1,
                "qty": 0,
                "is_in_stock": False,
            },
        },
        "product_links": [],
        "options": [],
        "media_gallery_entries": [],
        "tier_prices": [],
        "custom_attributes": [],
    }


def _apply_extension(shop: Shop, product: dict[str, Any], ext: dict[str, Any]) -> None:
    target = product["extension_attributes"]
    for key in ("website_ids", "category_links"):
        if ext.get(key) is not None:
            target[key] = copy.deepcopy(ext[key])
    stock = ext.get("stock_item")
    if isinstance(stock, dict):
        set_stock(shop, product, stock)


def save_product(shop: Shop, store: str, body: Any, created: bool) -> dict[str, Any]:
    """Create or update a product from a ``{"product": {...}}`` body.

    Args:
        shop: The shop.
        store: ``"all"`` or ``"default"``; updates through ``default`` become
            store-view values for store-scoped attributes.
        body: The request's ``product`` object.
        created: Whether the product is new (values are then global in any store).

    Returns:
        The saved product as read back through ``store``.
    """
    product = shop.data["products"][body["sku"]]
    scoped = store if not created and store != "all" else None
    overrides = (
        shop.data["overrides"].setdefault(scoped or "default", {}) if scoped else None
    )
    sent = {k: body[k] for k in _TOP_LEVEL if body.get(k) is not None}
    # An attribute that is not in the product's attribute set is dropped without a
    # word and the save answers 200 (magento2#9594; Eav AbstractEntity::save only
    # writes the set's attributes).
    known = SYSTEM_ATTRIBUTES | set(shop.data.get("attributes", ["ean"]))
    sent.update(
        {
            c["attribute_code"]: c.get("value")
            for c in body.get("custom_attributes") or []
            if isinstance(c, dict) and c.get("attribute_code") in known
        }
    )
    if "url_key" not in sent and created:
        sent["url_key"] = slug(str(body.get("name", body["sku"])))
    if sent.get("url_key") and _url_key_taken(shop, str(sent["url_key"]), body["sku"]):
        raise bad_request(URL_KEY_TAKEN)
    for code, value in sent.items():
        if overrides is not None and code in STORE_VIEW_ATTRIBUTES:
            overrides.setdefault(body["sku"], {})[code] = value
        elif code in _TOP_LEVEL:
            product[code] = value
        else:
            _set_attribute(product, code, value)
    if isinstance(body.get("extension_attributes"), dict):
        _apply_extension(shop, product, body["extension_attributes"])
    for key in ("media_gallery_entries", "product_links", "options", "tier_prices"):
        if isinstance(body.get(key), list):
            product[key] = copy.deepcopy(body[key])
    product["updated_at"] = shop.now()
    return view(shop, product, store)


def _product_body(req: Request) -> dict[str, Any]:
    body = req.body.get("product") if isinstance(req.body, dict) else None
    if not isinstance(body, dict):
        raise bad_request('"%fieldName" is required. Enter and try again.', "product")
    return dict(body)


def _save(shop: Shop, req: Request, body: dict[str, Any]) -> dict[str, Any]:
    if not body.get("sku"):
        raise bad_request('"%fieldName" is required. Enter and try again.', "sku")
    created = body["sku"] not in shop.data["products"]
    if created:
        shop.data["products"][body["sku"]] = _new_product(shop, body)
    try:
        return save_product(shop, req.store, body, created)
    except Exception:
        if created:
            del shop.data["products"][body["sku"]]
        raise


@router.add("POST", "/V1/products", CATALOG)
def post_product(shop: Shop, req: Request) -> dict[str, Any]:
    """POST /V1/products: save (create, or update an existing SKU)."""
    return _save(shop, req, _product_body(req))


@router.add("PUT", "/V1/products/{sku}", CATALOG)
def put_product(shop: Shop, req: Request, sku: str) -> dict[str, Any]:
    """PUT /V1/products/{sku}: the URL's SKU wins; a missing SKU is created."""
    body = _product_body(req)
    body["sku"] = sku  # ParamsOverrider: the path parameter wins (API-FACTS M9)
    return _save(shop, req, body)


@router.add("GET", "/V1/products/{sku}", CATALOG)
def get_product(shop: Shop, req: Request, sku: str) -> dict[str, Any]:
    """GET /V1/products/{sku} in the request's store scope."""
    return view(shop, find(shop, sku), req.store)


@router.add("DELETE", "/V1/products/{sku}", CATALOG)
def delete_product(shop: Shop, req: Request, sku: str) -> bool:
    """DELETE /V1/products/{sku}: returns true."""
    find(shop, sku)
    del shop.data["products"][sku]
    for overrides in shop.data["overrides"].values():
        overrides.pop(sku, None)
    shop.data["source_items"].pop(sku, None)
    return True


@router.add("GET", "/V1/products", CATALOG)
def list_products(shop: Shop, req: Request) -> dict[str, Any]:
    """GET /V1/products?searchCriteria...: custom attributes are searchable fields."""
    rows = []
    for product in shop.data["products"].values():
        shown = view(shop, product, req.store)
        record = {k: v for k, v in shown.items() if not isinstance(v, (list, dict))}
        record.update(_attributes(shown))
        record["entity_id"] = shown["id"]
        rows.append((record, shown))
    return search(rows, parse(req.query, input_limit=shop.input_limit))


def set_stock(shop: Shop, product: dict[str, Any], values: dict[str, Any]) -> int:
    """Update the legacy stock item (and the ``default`` MSI source, kept in sync).

    Magento forces out-of-stock at qty 0 without backorders (API-FACTS §2).

    Returns:
        The stock item id.
    """
    item = product["extension_attributes"]["stock_item"]
    stock_written(shop, product["sku"])
    if values.get("qty") is not None:
        item["qty"] = num(dec(values["qty"]))
    if values.get("is_in_stock") is not None:
        item["is_in_stock"] = bool(values["is_in_stock"])
    if dec(item["qty"]) <= 0:
        item["is_in_stock"] = False
    source = shop.data["source_items"].setdefault(product["sku"], {})
    source["default"] = {
        "sku": product["sku"],
        "source_code": "default",
        "quantity": item["qty"],
        "status": int(item["is_in_stock"]),
    }
    return int(item["item_id"])


@router.add("GET", "/V1/stockItems/{productSku}", STOCK)
def get_stock_item(shop: Shop, req: Request, productSku: str) -> dict[str, Any]:  # noqa: N803
    """GET /V1/stockItems/{sku}: the legacy stock item with its ``item_id``."""
    return copy.deepcopy(find(shop, productSku)["extension_attributes"]["stock_item"])


@router.add("PUT", "/V1/products/{productSku}/stockItems/{itemId}", STOCK)
def put_stock_item(shop: Shop, req: Request, productSku: str, itemId: str) -> int:  # noqa: N803
    """PUT /V1/products/{sku}/stockItems/{itemId}: the URL item id is ignored (M10)."""
    product = find(shop, productSku)
    values = req.body.get("stockItem") if isinstance(req.body, dict) else None
    if not isinstance(values, dict):
        raise bad_request('"%fieldName" is required. Enter and try again.', "stockItem")
    return set_stock(shop, product, values)
