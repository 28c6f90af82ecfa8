"""ERP product → Magento product payloads, plus the core-data fingerprint.

Pure functions (S2.3): the ERP owns a product's *core data* (SKU, EAN, name, price,
short and long description). A new SKU becomes a disabled simple product; a known SKU
gets a ``PUT`` carrying only the core fields that changed. Nothing here ever produces
``status``, ``visibility``, ``extension_attributes`` or ``media_gallery_entries`` for
an update: Magento's ``ProductRepository::save()`` keeps whatever is not sent
(API-FACTS §1), which is how staff's categories and enabling survive ERP updates.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from bridge.models.erp import ErpProduct

__all__ = [
    "CORE_FIELDS",
    "DISABLED",
    "changed_fields",
    "core_fields",
    "drifted_fields",
    "ean_not_kept",
    "fingerprint",
    "format_decimal",
    "from_magento_core_fields",
    "is_url_key_clash",
    "slugify",
    "to_magento_product_create",
    "to_magento_product_update",
    "url_key_for",
]

#: The fields the ERP owns, in fingerprint order.
CORE_FIELDS = ("sku", "ean", "name", "price", "short_description", "description")
#: Magento's product status "disabled" (1 is enabled).
DISABLED = 2
_CUSTOM = ("short_description", "description")

CoreFields = dict[str, str | None]


def format_decimal(value: Decimal) -> str:
    """Render a decimal canonically, so ``10``, ``10.0`` and ``10.00`` compare equal.

    Args:
        value: Any finite decimal.

    Returns:
        Plain notation without trailing zeros (``"10"``, ``"9.5"``), never exponent.
    """
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def core_fields(product: ErpProduct, *, ean_attribute: str) -> CoreFields:
    """Return the product's core data as canonical strings.

    Args:
        product: The validated ERP product.
        ean_attribute: The EAN's attribute code; ``""`` means the EAN is not managed,
            so it is left out of the core data altogether.

    Returns:
        ``{field: value}`` for every field of ``CORE_FIELDS`` (EAN only when managed);
        optional fields absent in the ERP record are ``None``.
    """
    fields: CoreFields = {
        "sku": product.sku,
        "name": product.name,
        "price": format_decimal(product.price),
        "short_description": product.short_description,
        "description": product.description,
    }
    if ean_attribute:
        fields["ean"] = product.ean
    return fields


def fingerprint(fields: Mapping[str, str | None]) -> str:
    """Return the sha256 of the canonical JSON of the core fields."""
    canonical = json.dumps(
        [[name, fields.get(name)] for name in CORE_FIELDS if name in fields],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def changed_fields(
    old: Mapping[str, str | None] | None, new: Mapping[str, str | None]
) -> CoreFields:
    """Return the core fields to send: those that differ from what was applied last.

    A field the ERP left empty (``None``) is never sent: an optional field missing from
    the export leaves Magento's value as it is rather than wiping it.

    Args:
        old: The fields applied last, or ``None`` when unknown (send everything).
        new: The fields of the current record.

    Returns:
        The changed, non-empty fields (``sku`` excluded; it goes in the URL).
    """
    return {
        name: value
        for name, value in new.items()
        if name != "sku"
        and value is not None
        and (old is None or old.get(name) != value)
    }


def slugify(text: str) -> str:
    """Lowercase, ASCII-folded, hyphen-separated slug of ``text``."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def url_key_for(name: str, sku: str) -> str:
    """Return a ``url_key`` unique per SKU: the slug of name and SKU.

    Args:
        name: The product name.
        sku: The SKU, which makes the key unique among the ERP's products.

    Returns:
        e.g. ``"widget-10-mm-erp-1001"``; just the SKU's slug when ``name`` is empty.
    """
    # A name and SKU with no ASCII letters or digits still need a key.
    return slugify(f"{name} {sku}") or hashlib.sha256(sku.encode()).hexdigest()[:16]


def is_url_key_clash(message: str) -> bool:
    """Tell whether Magento's error message is its url_key uniqueness refusal."""
    text = message.lower()
    return "url key" in text or "url that already exists" in text


def ean_not_kept(
    sent: Mapping[str, Any], saved: Mapping[str, Any], *, ean_attribute: str
) -> str | None:
    """Return the EAN a product write sent but Magento's saved product lacks.

    Magento drops a custom attribute that is not in the product's attribute set and
    still answers 200 (magento2#9594), so the saved product (the write's answer) is
    read back.

    Args:
        sent: The ``product`` payload that was written.
        saved: The product Magento answered with.
        ean_attribute: The EAN's custom attribute code (``""``: never sent).

    Returns:
        The EAN that was sent and not kept, or None when it was kept or not sent.
    """
    if not ean_attribute:
        return None
    wanted = _attribute(sent, ean_attribute)
    if wanted is None:
        return None
    kept = _attribute(saved, ean_attribute)
    return None if kept is not None and str(kept) == str(wanted) else str(wanted)


def from_magento_core_fields(
    product: Mapping[str, Any], *, ean_attribute: str
) -> CoreFields:
    """Read a Magento product's core fields in the ledger's form (for reconcile).

    Args:
        product: Magento's product JSON.
        ean_attribute: The EAN's custom attribute code (``""``: the EAN is left out).

    Returns:
        ``name``, ``price`` (canonical decimal), the descriptions and the EAN;
        a field Magento does not have is None.
    """
    price = product.get("price")
    fields: CoreFields = {
        "name": None if product.get("name") is None else str(product["name"]),
        "price": None if price is None else format_decimal(Decimal(str(price))),
    }
    for code in _CUSTOM:
        value = _attribute(product, code)
        fields[code] = None if value is None else str(value)
    if ean_attribute:
        value = _attribute(product, ean_attribute)
        fields["ean"] = None if value is None else str(value)
    return fields


def drifted_fields(
    erp: Mapping[str, str | None], magento: Mapping[str, str | None]
) -> CoreFields:
    """The ERP's core fields that Magento holds otherwise (price compared as numbers).

    A field the ERP left empty is not the ERP's to assert and is never drift.
    """
    drift: CoreFields = {}
    for name, value in magento.items():
        want = erp.get(name)
        if want is None:
            continue
        if name == "price" and value is not None:
            if Decimal(want) == Decimal(value):
                continue
        elif want == value:
            continue
        drift[name] = want
    return drift


def _attribute(product: Mapping[str, Any], code: str) -> Any:
    for attr in product.get("custom_attributes") or ():
        if isinstance(attr, Mapping) and attr.get("attribute_code") == code:
            return attr.get("value")
    return None


def _custom_attributes(
    fields: Mapping[str, str | None], *, ean_attribute: str
) -> list[dict[str, Any]]:
    attrs = [
        {"attribute_code": code, "value": fields[code]}
        for code in _CUSTOM
        if fields.get(code) is not None
    ]
    if ean_attribute and fields.get("ean") is not None:
        attrs.append({"attribute_code": ean_attribute, "value": fields["ean"]})
    return attrs


def _price(value: str) -> float:
    # JSON has no decimal type; Magento stores decimal(20,6): a float is exact enough.
    return float(Decimal(value))


def to_magento_product_create(
    fields: Mapping[str, str | None],
    *,
    attribute_set_id: int,
    website_ids: Sequence[int],
    ean_attribute: str,
    url_key: str,
) -> dict[str, Any]:
    """Build the ``product`` object that creates a new, disabled simple product.

    Args:
        fields: Core fields from ``core_fields()``.
        attribute_set_id: The configured attribute set.
        website_ids: The configured websites.
        ean_attribute: The EAN's custom attribute code (``""`` = not sent).
        url_key: The unique URL key to give the product.

    Returns:
        The value of ``product`` in ``POST /rest/all/V1/products``.
    """
    attrs = _custom_attributes(fields, ean_attribute=ean_attribute)
    attrs.append({"attribute_code": "url_key", "value": url_key})
    return {
        "sku": fields["sku"],
        "name": fields["name"],
        "price": _price(fields["price"] or "0"),
        "status": DISABLED,
        "type_id": "simple",
        "attribute_set_id": attribute_set_id,
        "extension_attributes": {"website_ids": list(website_ids)},
        "custom_attributes": attrs,
    }


def to_magento_product_update(
    sku: str, changed: Mapping[str, str | None], *, ean_attribute: str
) -> dict[str, Any] | None:
    """Build the ``product`` object of an update carrying only the changed core fields.

    Args:
        sku: The product's SKU.
        changed: The output of ``changed_fields()``.
        ean_attribute: The EAN's custom attribute code (``""`` = not sent).

    Returns:
        The value of ``product`` in ``PUT /rest/all/V1/products/{sku}``, or ``None``
        when nothing needs sending. Never contains status, visibility, websites,
        categories, stock, images or any attribute outside the core data.
    """
    product: dict[str, Any] = {"sku": sku}
    if changed.get("name") is not None:
        product["name"] = changed["name"]
    if changed.get("price") is not None:
        product["price"] = _price(changed["price"] or "0")
    attrs = _custom_attributes(changed, ean_attribute=ean_attribute)
    if attrs:
        product["custom_attributes"] = attrs
    return product if len(product) > 1 else None
