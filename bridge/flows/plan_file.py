"""Dry-run planners: what applying a file would do, read from Magento with GETs only.

``FilePlanner.plan`` walks a validated file's records and asks Magento (GET only) for
each record's current state: a product is created or updated (each changed core field,
Magento's value → the ERP's) or unchanged; a stock level goes old → new (or is stale
against what the ledger last applied); a shipment lists its items and tracks and the
amount Magento will capture (computed as Magento does from the order's items, freight
and fee on the order's first invoice). A line naming its item only by a GTIN is
looked up through the EAN attribute as the run does. A record the run would reject
says why. Nothing is written: no Magento write, no ledger row, the file is not moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bridge.config import Settings
from bridge.errors import RecordRejectedError
from bridge.flows.resolve_items import gtin_problem, gtin_references, with_skus
from bridge.magento import MagentoClient, OrdersAdapter, ProductsAdapter
from bridge.mapping.products import core_fields, format_decimal
from bridge.mapping.shipments import to_magento_ship_items
from bridge.models.erp import ErpProduct, ErpShipment, ErpStockLevel, ParsedRecord

__all__ = ["Change", "FilePlanner", "PlannedRecord"]

Change = tuple[str, "str | None", "str | None"]
"""One changed field: its name, Magento's value, the ERP's value."""


@dataclass(frozen=True)
class PlannedRecord:
    """What applying one record would do.

    Attributes:
        line: The record's line in the file.
        key: Its business key.
        action: ``create``, ``update``, ``unchanged``, ``stock``, ``ship``, ``stale``
            or ``reject``.
        changes: ``(field, Magento's value, the ERP's value)`` per changed field.
        detail: The reason of a reject, or what a shipment would post.
    """

    line: int
    key: str
    action: str
    changes: tuple[Change, ...] = ()
    detail: str = ""


@dataclass
class FilePlanner:
    """Plans one kind's records against Magento's current state (GET only)."""

    settings: Settings
    client: MagentoClient
    _orders_with_invoice: set[int] = field(default_factory=set)

    def plan(self, kind: str, records: Iterable[ParsedRecord]) -> list[PlannedRecord]:
        """The plan of every record, in file order."""
        step = {
            "products": self._product,
            "stock": self._stock,
            "shipments": self._shipment,
        }[kind]
        out = []
        for rec in records:
            try:
                out.append(step(self._by_gtin(rec)))
            except RecordRejectedError as exc:
                out.append(PlannedRecord(rec.line, rec.key, "reject", detail=str(exc)))
        return out

    def _by_gtin(self, rec: ParsedRecord) -> ParsedRecord:
        """The record with its GTIN references replaced by the SKUs Magento finds.

        Raises:
            RecordRejectedError: A GTIN matches no product or several (as the run).
        """
        gtins = gtin_references(rec)
        if not gtins:
            return rec
        attribute = self.settings.magento.ean_attribute
        if not attribute:
            raise RecordRejectedError(
                f"GTIN {gtins[0]} cannot be looked up: no EAN attribute is configured"
            )
        answers = ProductsAdapter(self.client).skus_by_gtin(gtins, attribute)
        problems = [gtin_problem(g, answers.get(g, []), attribute) for g in gtins]
        reasons = [p for p in dict.fromkeys(problems) if p is not None]
        if reasons:
            raise RecordRejectedError("; ".join(reasons))
        return with_skus(rec, {g: answers[g][0] for g in gtins})

    # -- products ------------------------------------------------------------------
    def _product(self, rec: ParsedRecord) -> PlannedRecord:
        assert isinstance(rec.model, ErpProduct)
        ean = self.settings.magento.ean_attribute
        erp = core_fields(rec.model, ean_attribute=ean)
        current = ProductsAdapter(self.client).get(rec.model.sku)
        changes: tuple[Change, ...]
        if current is None:
            changes = tuple(
                (k, None, v) for k, v in erp.items() if k != "sku" and v is not None
            )
            return PlannedRecord(rec.line, rec.key, "create", changes, "disabled")
        shop = _magento_core(current, ean)
        changes = tuple(
            (k, shop.get(k), v)
            for k, v in erp.items()
            if k != "sku" and v is not None and shop.get(k) != v
        )
        return PlannedRecord(
            rec.line, rec.key, "update" if changes else "unchanged", changes
        )

    # -- stock ---------------------------------------------------------------------
    def _stock(self, rec: ParsedRecord) -> PlannedRecord:
        assert isinstance(rec.model, ErpStockLevel)
        sku, new = rec.model.sku, format_decimal(rec.model.qty)
        source = rec.model.source or self.settings.magento.source_code
        product = ProductsAdapter(self.client).get(sku)
        if product is None:
            raise RecordRejectedError(f"The SKU {sku} does not exist.")
        if self.settings.magento.inventory == "msi":
            old = self._source_qty(sku, source)
        else:
            item = product.get("extension_attributes", {}).get("stock_item") or {}
            old = _num(item.get("qty"))
        action = "unchanged" if old == new else "stock"
        return PlannedRecord(
            rec.line, rec.key, action, (("qty", old, new),), f"source {source}"
        )

    def _source_qty(self, sku: str, source: str) -> str | None:
        params = {
            "searchCriteria[filterGroups][0][filters][0][field]": "sku",
            "searchCriteria[filterGroups][0][filters][0][value]": sku,
            "searchCriteria[filterGroups][1][filters][0][field]": "source_code",
            "searchCriteria[filterGroups][1][filters][0][value]": source,
            "searchCriteria[pageSize]": "1",
        }
        found = self.client.request("GET", "/V1/inventory/source-items", params=params)
        items = found.get("items") or []
        return _num(items[0].get("quantity")) if items else None

    # -- shipments -----------------------------------------------------------------
    def _shipment(self, rec: ParsedRecord) -> PlannedRecord:
        assert isinstance(rec.model, ErpShipment)
        ship = rec.model
        order = OrdersAdapter(self.client).find_by_increment_id(ship.order_number)
        if order is None:
            raise RecordRejectedError(
                f"order {ship.order_number} does not exist in Magento"
            )
        items = to_magento_ship_items(ship, order)
        by_id = {int(i["item_id"]): i for i in order.get("items") or []}
        amount = sum(
            (_row_share(by_id[s.order_item_id], s.qty) for s in items), Decimal(0)
        )
        order_id = int(order["entity_id"])
        first = (
            _dec(order.get("total_invoiced")) == 0
            and order_id not in self._orders_with_invoice
        )
        if first:
            amount += _dec(order.get("shipping_incl_tax"))
        self._orders_with_invoice.add(order_id)
        lines = ", ".join(f"{s.sku} x {format_decimal(s.qty)}" for s in items)
        tracks = ", ".join(t.number for t in ship.tracks) or "none"
        freight = "with freight" if first else "products only"
        detail = (
            f"order {ship.order_number}: items {lines}; tracks {tracks}; invoice "
            f"{amount.quantize(Decimal('0.01'))} {order.get('order_currency_code', '')}"
            f" ({freight})"
        )
        return PlannedRecord(rec.line, rec.key, "ship", detail=detail.rstrip())


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _num(value: Any) -> str | None:
    return None if value is None else format_decimal(_dec(value))


def _row_share(item: dict[str, Any], qty: Decimal) -> Decimal:
    """The part of an order line's total (incl. tax, less discount) ``qty`` takes."""
    ordered = _dec(item.get("qty_ordered")) or Decimal(1)
    row = _dec(item.get("row_total_incl_tax")) - _dec(item.get("discount_amount"))
    return row * qty / ordered


def _magento_core(product: dict[str, Any], ean: str) -> dict[str, str | None]:
    attrs = {
        str(a["attribute_code"]): a.get("value")
        for a in product.get("custom_attributes") or []
    }
    shop: dict[str, str | None] = {
        "name": product.get("name"),
        "price": _num(product.get("price")),
        "short_description": attrs.get("short_description"),
        "description": attrs.get("description"),
    }
    if ean:
        shop["ean"] = attrs.get(ean)
    return shop
