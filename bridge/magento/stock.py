"""Stock in Magento: MSI source items (bulk) or legacy stock items (one SKU a call).

MSI ``POST /V1/inventory/source-items`` takes many SKUs at once; shops with input
limits on refuse arrays over 20 items, so calls are chunked by ``batch_size``.
Saving source items sets absolute quantities, so re-sending a chunk is harmless.
Legacy ``stockItems`` need the item id from ``GET /V1/stockItems/{sku}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from bridge.errors import RecordRejectedError
from bridge.magento._client import (
    Filter,
    MagentoClient,
    parse_id,
    search_params,
    segment,
)

__all__ = ["StockAdapter"]


class StockAdapter:
    """Magento's inventory endpoints.

    Args:
        client: The shared Magento client (its settings give ``batch_size``).
    """

    def __init__(self, client: MagentoClient) -> None:
        """Wrap the shared client."""
        self._client = client

    def save_source_items(self, items: Sequence[dict[str, Any]]) -> None:
        """Save MSI source items (``POST /V1/inventory/source-items``), chunked.

        Args:
            items: ``{"sku", "source_code", "quantity", "status"}`` dicts.
        """
        size = self._client.settings.batch_size
        for start in range(0, len(items), size):
            chunk = list(items[start : start + size])
            self._client.request(
                "POST", "/V1/inventory/source-items", json={"sourceItems": chunk}
            )

    def source_items(
        self, skus: Sequence[str], *, page_size: int = 100
    ) -> list[dict[str, Any]]:
        """Magento's MSI source items of ``skus`` (``GET /V1/inventory/source-items``).

        Args:
            skus: The SKUs to read (one ``in`` filter, read in pages).
            page_size: Items per page.

        Returns:
            ``{"sku", "source_code", "quantity", "status"}`` dicts, every page.
        """
        found: list[dict[str, Any]] = []
        if not skus:
            return found
        groups = [[Filter("sku", ",".join(skus), "in")]]
        page = 1
        while True:
            params = search_params(groups, page_size=page_size, current_page=page)
            answer = self._client.request(
                "GET", "/V1/inventory/source-items", params=params
            )
            items = list(answer.get("items") or [])
            found.extend(items)
            total = int(answer.get("total_count") or 0)
            if not items or page * page_size >= total:
                return found
            page += 1

    def product_exists(self, sku: str) -> bool:
        """Whether Magento knows ``sku`` (``GET /V1/products/{sku}``, a few fields).

        Used only to name the cause of a refused source item: Magento refuses an
        unknown SKU and an unknown source with the same "Could not save Source Item".
        """
        try:
            self._client.request(
                "GET", f"/V1/products/{segment(sku)}", params={"fields": "sku"}
            )
        except RecordRejectedError as exc:
            if exc.status_code == 404:
                return False
            raise
        return True

    def get_stock_item(self, sku: str) -> dict[str, Any]:
        """The legacy stock item of ``sku`` (``GET /V1/stockItems/{sku}``).

        Args:
            sku: The product's SKU.

        Returns:
            Magento's stock item JSON (with ``item_id``, ``qty``, ``is_in_stock``).
        """
        item: dict[str, Any] = self._client.request(
            "GET", f"/V1/stockItems/{segment(sku)}"
        )
        return item

    def update_stock_item(
        self, sku: str, item_id: int, qty: Decimal | float, is_in_stock: bool
    ) -> int:
        """Set a legacy stock item's quantity and stock status.

        ``is_in_stock`` is always sent: Magento does not reliably flip an item back
        in stock by itself (magento2#11942).

        Args:
            sku: The product's SKU.
            item_id: The stock item id from ``get_stock_item``.
            qty: The absolute quantity.
            is_in_stock: The stock status to set.

        Returns:
            The stock item id Magento answers with.
        """
        body = {"stockItem": {"qty": qty, "is_in_stock": is_in_stock}}
        answer = self._client.request(
            "PUT", f"/V1/products/{segment(sku)}/stockItems/{item_id}", json=body
        )
        return parse_id(answer)
