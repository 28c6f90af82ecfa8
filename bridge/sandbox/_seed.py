"""Realistic demo orders over products that exist in the catalogue.

Customers vary (guest and registered), some lines are configurable, and orders
carry discounts and invoice fees.
"""

from __future__ import annotations

import random
from typing import Any

from bridge.sandbox._catalog import slug
from bridge.sandbox._order_build import build_order
from bridge.sandbox._state import Shop

_SIMPLES = [
    ("SEED-1001", "Widget 10 mm", "99.00"),
    ("SEED-1002", "Widget 12 mm", "119.00"),
    ("SEED-2001", "Hex bolt M8 (50 pcs)", "49.50"),
    ("SEED-3001", "Cordless drill 18 V", "1249.00"),
    ("SEED-4001", "Work gloves", "89.00"),
]
_CONFIGURABLE = ("SEED-TEE", "Workwear T-shirt", "199.00", ["S", "M", "L", "XL"])
_CUSTOMERS: list[dict[str, Any]] = [
    {
        "email": "anna.svensson@example.com",
        "firstname": "Anna",
        "lastname": "Svensson",
        "id": 11,
    },
    {"email": "erik.nilsson@example.com", "firstname": "Erik", "lastname": "Nilsson"},
    {
        "email": "maria.berg@example.net",
        "firstname": "Maria",
        "lastname": "Berg",
        "id": 12,
    },
    {"email": "lars.ek@example.org", "firstname": "Lars", "lastname": "Ek"},
    {
        "email": "sofia.holm@example.com",
        "firstname": "Sofia",
        "lastname": "Holm",
        "id": 13,
        "company": "Holm Bygg AB",
    },
]
_CITIES = [
    ("Stockholm", "111 22"),
    ("Göteborg", "411 05"),
    ("Malmö", "211 20"),
    ("Uppsala", "753 10"),
]
_PAYMENTS = [
    ("checkmo", "0"),
    ("sveawebpay_invoice", "29"),
    ("klarna_kp", "0"),
    ("sveawebpay_invoice", "19"),
]


def _product(
    shop: Shop, sku: str, name: str, price: str, type_id: str = "simple"
) -> None:
    if sku in shop.data["products"]:
        return
    pid = shop.next_id("product")
    now = shop.now()
    shop.data["products"][sku] = {
        "id": pid,
        "sku": sku,
        "name": name,
        "attribute_set_id": 4,
        "price": float(price),
        "status": 1,
        "visibility": 4 if type_id == "configurable" or "-" not in sku[5:] else 1,
        "type_id": type_id,
        "created_at": now,
        "updated_at": now,
        "weight": 1,
        "extension_attributes": {
            "website_ids": [1],
            "category_links": [],
            "stock_item": {
                "item_id": pid,
                "product_id": pid,
                "stock_id": 1,
                "qty": 100,
                "is_in_stock": True,
            },
        },
        "product_links": [],
        "options": [],
        "media_gallery_entries": [],
        "tier_prices": [],
        "custom_attributes": [
            {"attribute_code": "url_key", "value": f"{slug(name)}-{slug(sku)}"}
        ],
    }
    shop.data["source_items"][sku] = {
        "default": {"sku": sku, "source_code": "default", "quantity": 100, "status": 1}
    }
    # Seeded orders never run the demo catalogue dry: like a SKU without stock data
    # (``_msi.reserve_for_order``) its stock is topped up for the orders placed,
    # until a stock call writes its quantity.
    shop.data.setdefault("auto_stock", {})[sku] = True


def ensure_catalogue(shop: Shop) -> None:
    """Create the seed products (simples and one configurable with sizes) if missing."""
    for sku, name, price in _SIMPLES:
        _product(shop, sku, name, price)
    parent, name, price, sizes = _CONFIGURABLE
    _product(shop, parent, name, price, "configurable")
    for size in sizes:
        _product(shop, f"{parent}-{size}", f"{name} {size}", price)


def _spec(rng: random.Random) -> dict[str, Any]:
    customer = dict(rng.choice(_CUSTOMERS))
    city, postcode = rng.choice(_CITIES)
    items = []
    for sku, _, price in rng.sample(_SIMPLES, rng.randint(1, 3)):
        items.append(
            {"sku": sku, "qty": rng.randint(1, 4), "price": price, "tax_percent": 25}
        )
    if rng.random() < 0.5:
        parent, _, price, sizes = _CONFIGURABLE
        items.append(
            {
                "sku": f"{parent}-{rng.choice(sizes)}",
                "parent_sku": parent,
                "qty": rng.randint(1, 2),
                "price": price,
                "tax_percent": 25,
            }
        )
    method, fee = rng.choice(_PAYMENTS)
    address = {
        "street": [
            f"{rng.choice(['Storgatan', 'Kungsgatan', 'Drottninggatan'])} "
            f"{rng.randint(1, 99)}"
        ],
        "city": city,
        "postcode": postcode,
        "country_id": "SE",
        "company": customer.pop("company", None),
    }
    return {
        "customer": customer,
        "items": items,
        "billing_address": address,
        "shipping_amount": rng.choice(["49", "79", "0"]),
        "payment_method": method,
        "invoice_fee": fee,
        "discount_amount": rng.choice(["0", "0", "50", "100"]),
    }


def seed_orders(shop: Shop, count: int, *, seed: Any = None) -> list[str]:
    """Place ``count`` varied orders over the seed catalogue.

    Args:
        shop: The shop.
        count: How many orders.
        seed: Random seed for a reproducible set (None: a fixed default).

    Returns:
        The increment ids of the new orders.
    """
    ensure_catalogue(shop)
    rng = random.Random(seed if seed is not None else 2024)  # noqa: S311 - demo data, not crypto
    # No salable-quantity check per seeded order: it reads every open order, which
    # makes seeding thousands quadratic; the seed catalogue's stock follows orders.
    return [
        build_order(shop, _spec(rng), reserve=False)["increment_id"]
        for _ in range(count)
    ]


def seed_products(
    shop: Shop, count: int, *, sku_prefix: str = "PF-", start: int = 0
) -> dict[str, Any]:
    """Add ``count`` enabled simple products at once, for demos and big-shop benches.

    SKUs are ``<sku_prefix><index, 7 digits>`` for index ``start`` .. ``start +
    count - 1``; each has a ``default`` source item with quantity 0. SKUs that
    already exist are left as they are. Built directly, without the per-product
    checks of ``POST /V1/products`` (unique ``url_key`` is guaranteed by the SKU).

    Args:
        shop: The shop.
        count: How many products.
        sku_prefix: The SKU prefix.
        start: The first index.

    Returns:
        ``{"created": n, "first": sku, "last": sku}`` (the SKU range asked for).
    """
    products = shop.data["products"]
    sources = shop.data["source_items"]
    now = shop.now()
    created = 0
    for index in range(start, start + count):
        sku = f"{sku_prefix}{index:07d}"
        if sku in products:
            continue
        pid = shop.next_id("product")
        products[sku] = _seeded_product(sku, pid, now)
        sources[sku] = {
            "default": {
                "sku": sku,
                "source_code": "default",
                "quantity": 0,
                "status": 0,
            }
        }
        created += 1
    last = f"{sku_prefix}{start + count - 1:07d}" if count else None
    return {"created": created, "first": f"{sku_prefix}{start:07d}", "last": last}


def _seeded_product(sku: str, pid: int, now: str) -> dict[str, Any]:
    """One enabled, visible simple product with an empty stock item."""
    return {
        "id": pid,
        "sku": sku,
        "name": f"Product {sku}",
        "attribute_set_id": 4,
        "price": 10.0,
        "status": 1,
        "visibility": 4,
        "type_id": "simple",
        "created_at": now,
        "updated_at": now,
        "weight": 1,
        "extension_attributes": {
            "website_ids": [1],
            "category_links": [],
            "stock_item": {
                "item_id": pid,
                "product_id": pid,
                "stock_id": 1,
                "qty": 0,
                "is_in_stock": False,
            },
        },
        "product_links": [],
        "options": [],
        "media_gallery_entries": [],
        "tier_prices": [],
        "custom_attributes": [
            {"attribute_code": "url_key", "value": f"product-{slug(sku)}"}
        ],
    }
