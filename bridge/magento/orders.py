"""Orders in Magento: search, read, find by order number, add a comment.

``GET /V1/orders`` takes ``searchCriteria`` (see ``search_params``); the order-export
flow builds the search and pages through it up to ``total_count``.
"""

from __future__ import annotations

from typing import Any

from bridge.errors import RecordRejectedError
from bridge.magento._client import Filter, MagentoClient, search_params, segment

__all__ = ["OrdersAdapter"]


class OrdersAdapter:
    """Magento's sales order endpoints.

    Args:
        client: The shared Magento client.
    """

    def __init__(self, client: MagentoClient) -> None:
        """Wrap the shared client."""
        self._client = client

    def search(self, params: dict[str, str]) -> dict[str, Any]:
        """Search orders (``GET /V1/orders``).

        Args:
            params: ``searchCriteria`` query parameters from ``search_params``.

        Returns:
            ``{"items": [...], "search_criteria": {...}, "total_count": N}``.
        """
        answer: dict[str, Any] = self._client.request(
            "GET", "/V1/orders", params=params
        )
        return answer

    def get(self, order_id: int) -> dict[str, Any]:
        """One order by its ``entity_id`` (``GET /V1/orders/{id}``).

        Args:
            order_id: The order's entity id.

        Returns:
            Magento's order JSON.

        Raises:
            RecordRejectedError: Magento does not know the order (404).
        """
        order: dict[str, Any] = self._client.request(
            "GET", f"/V1/orders/{segment(order_id)}"
        )
        return order

    def find_by_increment_id(self, increment_id: str) -> dict[str, Any] | None:
        """The order whose order number (``increment_id``) is ``increment_id``.

        Args:
            increment_id: The order number customers and the ERP see.

        Returns:
            Magento's order JSON, or None when no order has that number.

        Raises:
            RecordRejectedError: More than one order has that number (several
                stores with overlapping number ranges); the bridge cannot choose.
        """
        params = search_params(
            [[Filter("increment_id", increment_id, "eq")]], page_size=2
        )
        items = self.search(params).get("items") or []
        if len(items) > 1:
            raise RecordRejectedError(
                f"order number {increment_id} matches several Magento orders",
                record_key=increment_id,
            )
        return dict(items[0]) if items else None

    def add_comment(
        self, order_id: int, comment: str, *, status: str | None = None
    ) -> None:
        """Add a status-history comment (``POST /V1/orders/{id}/comments``).

        The comment is not shown to or mailed to the customer. A ``status`` must
        belong to the order's current state, or Magento refuses it (400).

        Args:
            order_id: The order's entity id.
            comment: The comment text.
            status: An order status to set with the comment, if any.
        """
        history: dict[str, Any] = {
            "comment": comment,
            "is_customer_notified": 0,
            "is_visible_on_front": 0,
            "parent_id": order_id,
        }
        if status is not None:
            history["status"] = status
        self._client.request(
            "POST",
            f"/V1/orders/{segment(order_id)}/comments",
            json={"statusHistory": history},
        )
