"""Products in Magento: read, find existing SKUs, create disabled, update core fields.

Product writes go to ``/rest/all/V1``: without a store code Magento uses the
``default`` store view and an update becomes a store-view override (API-FACTS §1,
magento2#9186, #31083). The payloads come from ``bridge.mapping``; this adapter only
wraps them and sends them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from bridge.errors import RecordRejectedError
from bridge.magento._client import Filter, MagentoClient, search_params, segment
from bridge.models.gtin import gtin14, gtin_forms

__all__ = ["LOOKUP_CHUNK", "ProductsAdapter"]

ALL_STORES = "all"
#: SKUs per existence search. Magento caps pageSize at 300 when input limits are on;
#: stay well below it and keep the URL short (64-character SKUs).
LOOKUP_CHUNK = 50


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _attribute(product: dict[str, Any], code: str) -> str | None:
    """A custom attribute's value as text, or None when the product has none."""
    for entry in product.get("custom_attributes") or []:
        if entry.get("attribute_code") == code and entry.get("value") is not None:
            return str(entry["value"])
    return None


class ProductsAdapter:
    """Magento's catalog product endpoints.

    Args:
        client: The shared Magento client.
    """

    def __init__(self, client: MagentoClient) -> None:
        """Wrap the shared client."""
        self._client = client

    def get(self, sku: str) -> dict[str, Any] | None:
        """The product with ``sku`` (``GET /rest/all/V1/products/{sku}``), or None.

        Args:
            sku: The product's SKU.

        Returns:
            Magento's product JSON, or None when Magento does not know the SKU.
        """
        try:
            product: dict[str, Any] = self._client.request(
                "GET", f"/V1/products/{segment(sku)}", store=ALL_STORES
            )
        except RecordRejectedError as exc:
            if exc.status_code == 404:
                return None
            raise
        return product

    def existing_skus(self, skus: Sequence[str]) -> set[str]:
        """Which of ``skus`` Magento already has, in as few calls as possible.

        SKUs are looked up in chunks with ``sku in (a,b,c)``. A SKU containing a
        comma cannot be put in an ``in`` list, so it is looked up on its own. Magento
        compares SKUs case-insensitively, so a SKU counts as existing when Magento
        has it in any letter case (creating it would fail as a duplicate).

        Args:
            skus: The SKUs to look up.

        Returns:
            The subset of ``skus`` (as given) that exist in Magento.
        """
        wanted = list(dict.fromkeys(skus))
        listable = [s for s in wanted if "," not in s]
        found: set[str] = set()
        for chunk in _chunks(listable, LOOKUP_CHUNK):
            params = search_params(
                [[Filter("sku", ",".join(chunk), "in")]], page_size=len(chunk)
            )
            params["fields"] = "items[sku]"
            answer = self._client.request(
                "GET", "/V1/products", params=params, store=ALL_STORES
            )
            known = {str(item["sku"]).casefold() for item in answer.get("items") or []}
            found.update(s for s in chunk if s.casefold() in known)
        found.update(s for s in wanted if "," in s and self.get(s) is not None)
        return found

    def find(self, skus: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The products with ``skus`` as Magento has them, read in pages of a search.

        Args:
            skus: The SKUs to read (a SKU with a comma is read on its own).

        Returns:
            Magento's product JSON by SKU (as given); unknown SKUs are left out.
        """
        wanted = list(dict.fromkeys(skus))
        by_fold = {s.casefold(): s for s in wanted}
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks([s for s in wanted if "," not in s], LOOKUP_CHUNK):
            params = search_params(
                [[Filter("sku", ",".join(chunk), "in")]], page_size=len(chunk)
            )
            answer = self._client.request(
                "GET", "/V1/products", params=params, store=ALL_STORES
            )
            for item in answer.get("items") or []:
                sku = by_fold.get(str(item.get("sku")).casefold())
                if sku is not None:
                    found[sku] = item
        for sku in wanted:
            if "," in sku and (product := self.get(sku)) is not None:
                found[sku] = product
        return found

    def skus_by_gtin(
        self, gtins: Sequence[str], attribute: str
    ) -> dict[str, list[str]]:
        """The SKUs whose EAN attribute holds each GTIN, compared as GTIN-14.

        One search per chunk, ``<attribute> in (…)`` over every form a GTIN may be
        stored in (``07311100000047`` and ``7311100000047``); the values Magento
        answers with are read back as GTIN-14, so a stored EAN-13 finds its GTIN-14.

        Args:
            gtins: GTIN-14s to look up.
            attribute: The EAN attribute's code (``magento.ean_attribute``).

        Returns:
            The sorted SKUs found for each GTIN-14 (absent: none found).
        """
        wanted = set(gtins)
        forms = sorted({f for g in wanted for f in gtin_forms(g)})
        found: dict[str, set[str]] = {}
        for chunk in _chunks(forms, LOOKUP_CHUNK):
            params = search_params(
                [[Filter(attribute, ",".join(chunk), "in")]], page_size=200
            )
            answer = self._client.request(
                "GET", "/V1/products", params=params, store=ALL_STORES
            )
            for item in answer.get("items") or []:
                value = _attribute(item, attribute)
                normal = gtin14(value) if value else None
                if normal in wanted:
                    found.setdefault(normal, set()).add(str(item["sku"]))
        return {g: sorted(skus) for g, skus in found.items()}

    def create(self, product: dict[str, Any]) -> dict[str, Any]:
        """Create a product (``POST /rest/all/V1/products``).

        Args:
            product: A ``ProductInterface`` payload (built disabled by the mapping).

        Returns:
            The saved product as Magento returns it.

        Raises:
            RecordRejectedError: Magento refused the product (``record_key`` = SKU).
        """
        body = {"product": product, "saveOptions": True}
        return self._write("POST", "/V1/products", body, str(product.get("sku")))

    def update(self, sku: str, product: dict[str, Any]) -> dict[str, Any]:
        """Update a product's core fields (``PUT /rest/all/V1/products/{sku}``).

        Only the keys in ``product`` change; Magento keeps status, visibility,
        categories, websites and images when they are not sent.

        Args:
            sku: The product's SKU (the URL parameter).
            product: The fields to change, with ``sku``.

        Returns:
            The saved product as Magento returns it.

        Raises:
            RecordRejectedError: Magento refused the update (``record_key`` = SKU).
        """
        path = f"/V1/products/{segment(sku)}"
        return self._write("PUT", path, {"product": product}, sku)

    def _write(
        self, method: str, path: str, body: dict[str, Any], sku: str
    ) -> dict[str, Any]:
        try:
            saved: dict[str, Any] = self._client.request(
                method, path, json=body, store=ALL_STORES
            )
        except RecordRejectedError as exc:
            if exc.record_key is None:
                exc.record_key = sku
            raise
        return saved
