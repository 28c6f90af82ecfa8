"""Shipments and invoices in Magento: create them once, and look them up.

``POST /V1/order/{id}/ship`` and ``/invoice`` are not idempotent: each call makes a
new document. They are therefore sent exactly once (``retry=False``). After a
timeout, a dropped connection or a 5xx the caller cannot know whether Magento made
the document, so it must look with ``shipments_for_order`` / ``invoices_for_order``
before it tries again (S5.1). Both calls return only the new id, as a bare JSON
scalar that may be ``3`` or ``"3"``. A success answer whose body cannot be read (a PHP
notice before the JSON, an empty body) is just as ambiguous: it is raised as
``MagentoUnavailableError``, never as a permanent error.
"""

from __future__ import annotations

from typing import Any

from bridge.errors import MagentoRequestError, MagentoUnavailableError
from bridge.magento._client import (
    Filter,
    MagentoClient,
    parse_id,
    search_params,
    segment,
)

__all__ = ["FulfilmentAdapter"]

# Magento's maximum page size with input limits on is 300; documents per order are
# few, so one page is the rule and the page cap only guards against a loop.
_PAGE_SIZE = 100
_MAX_PAGES = 100


def _require_items(items: list[dict[str, Any]], what: str) -> None:
    # Magento treats an empty item list as "everything remaining": never send one.
    if not items:
        raise ValueError(f"refusing to {what} without items: Magento would take all")


class FulfilmentAdapter:
    """Magento's ship, invoice, shipment-search and invoice-search endpoints.

    Args:
        client: The shared Magento client (its settings give the MSI source).
    """

    def __init__(self, client: MagentoClient) -> None:
        """Wrap the shared client."""
        self._client = client

    def ship(
        self,
        order_id: int,
        items: list[dict[str, Any]],
        *,
        tracks: list[dict[str, Any]],
        notify: bool,
        comment: str,
    ) -> int:
        """Create one shipment (``POST /V1/order/{id}/ship``), never retried.

        Args:
            order_id: The order's entity id.
            items: ``{"order_item_id", "qty"}`` dicts; never empty.
            tracks: ``{"track_number", "title", "carrier_code"}`` dicts.
            notify: Whether Magento mails the customer.
            comment: A comment stored with the shipment ("" for none).

        Returns:
            The new shipment's id.

        Raises:
            MagentoUnavailableError: The outcome is unknown: check Magento first.
            RecordRejectedError: Magento refused the shipment (its message).
        """
        _require_items(items, "ship")
        body: dict[str, Any] = {"items": items, "notify": notify, "tracks": tracks}
        settings = self._client.settings
        if settings.inventory == "msi":
            body["arguments"] = {
                "extension_attributes": {"source_code": settings.source_code}
            }
        return self._create("ship", order_id, body, comment)

    def invoice(
        self,
        order_id: int,
        items: list[dict[str, Any]],
        *,
        capture: bool,
        notify: bool,
        comment: str,
    ) -> int:
        """Create one invoice (``POST /V1/order/{id}/invoice``), never retried.

        Args:
            order_id: The order's entity id.
            items: ``{"order_item_id", "qty"}`` dicts; never empty.
            capture: Capture the money through the payment gateway.
            notify: Whether Magento mails the customer.
            comment: A comment stored with the invoice ("" for none).

        Returns:
            The new invoice's id.

        Raises:
            MagentoUnavailableError: The outcome is unknown: check Magento first.
            RecordRejectedError: Magento refused the invoice (its message).
        """
        _require_items(items, "invoice")
        body: dict[str, Any] = {"capture": capture, "items": items, "notify": notify}
        return self._create("invoice", order_id, body, comment)

    def shipments_for_order(self, order_id: int) -> list[dict[str, Any]]:
        """Every shipment of an order, with tracks and comments.

        Args:
            order_id: The order's entity id.

        Returns:
            Magento's shipment JSON objects, oldest first.
        """
        return self._for_order("/V1/shipments", order_id)

    def invoices_for_order(self, order_id: int) -> list[dict[str, Any]]:
        """Every invoice of an order, with comments.

        Args:
            order_id: The order's entity id.

        Returns:
            Magento's invoice JSON objects, oldest first.
        """
        return self._for_order("/V1/invoices", order_id)

    def get_invoice(self, invoice_id: int) -> dict[str, Any]:
        """One invoice by id (``GET /V1/invoices/{id}``).

        Args:
            invoice_id: The invoice's entity id.

        Returns:
            Magento's invoice JSON.
        """
        invoice: dict[str, Any] = self._client.request(
            "GET", f"/V1/invoices/{segment(invoice_id)}"
        )
        return invoice

    def _create(
        self, action: str, order_id: int, body: dict[str, Any], comment: str
    ) -> int:
        """POST ``/V1/order/{id}/{action}`` once (no retry) and return the new id."""
        if comment:
            # The comment is the internal marker that ties the document to its ERP
            # delivery. Magento stores it in the document's history whatever
            # ``appendComment`` says, but puts it into the customer's e-mail only with
            # ``appendComment`` (Sales/Model/ShipOrder and InvoiceOrder: "if
            # (!$appendComment) { $comment = null; }" before notify): never append it.
            body["appendComment"] = False
            body["comment"] = {"comment": comment, "is_visible_on_front": 0}
        label = f"POST /V1/order/{order_id}/{action}"
        try:
            answer = self._client.request(
                "POST",
                f"/V1/order/{segment(order_id)}/{action}",
                json=body,
                retry=False,
            )
            return parse_id(answer)
        except MagentoRequestError as exc:
            status = exc.status_code
            if status is not None and not 200 <= status < 300:
                raise
            # A success status whose body cannot be read (a PHP notice before the
            # JSON, an empty body, no id): Magento may well have made the document.
            raise MagentoUnavailableError(
                f"Magento answered {label} with a success status but a body that "
                "cannot be read: the outcome is unknown",
                status_code=status,
            ) from exc

    def _for_order(self, path: str, order_id: int) -> list[dict[str, Any]]:
        """Every document of an order, page by page up to ``total_count``.

        Paging matters: with input limits on, Magento returns 20 items when no
        page size is asked for, and a missed shipment would be shipped again.
        """
        found: list[dict[str, Any]] = []
        for page in range(1, _MAX_PAGES + 1):
            params = search_params(
                [[Filter("order_id", str(order_id), "eq")]],
                sort=[("entity_id", "ASC")],
                page_size=_PAGE_SIZE,
                current_page=page,
            )
            answer = self._client.request("GET", path, params=params)
            items = list(answer.get("items") or [])
            found.extend(items)
            if not items or len(found) >= int(answer.get("total_count") or 0):
                return found
        raise MagentoRequestError(
            f"{path} for order {order_id}: more than {_MAX_PAGES} pages of documents"
        )
