"""Magento's state and the outbox, read back and normalised for comparison.

Everything is read through the sandbox's REST API as an admin would, never from the
sandbox's memory. Ids Magento assigns while the bridge works (product ids,
shipment and invoice ids) depend on processing order, so documents are keyed by what
the ERP knows: the SKU, the order number, and the ERP shipment id in the marker
comment the bridge writes on every shipment and invoice.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import SANDBOX_TOKEN

MARKER = re.compile(r"ERP shipment (\S+) \(file ")


def _get(url: str, path: str, params: dict[str, str] | None = None) -> Any:
    answer = httpx.get(
        url + path,
        params=params,
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
        timeout=30,
    )
    answer.raise_for_status()
    return answer.json()


def _all(url: str, path: str) -> list[dict[str, Any]]:
    """Every item of a search endpoint, page by page."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        answer = _get(
            url,
            path,
            {
                "searchCriteria[pageSize]": "100",
                "searchCriteria[currentPage]": str(page),
            },
        )
        batch = answer.get("items") or []
        items.extend(batch)
        if len(items) >= int(answer.get("total_count") or 0) or not batch:
            return items
        page += 1


def _product(p: dict[str, Any]) -> dict[str, Any]:
    attrs = {a["attribute_code"]: a["value"] for a in p.get("custom_attributes") or []}
    ext = p.get("extension_attributes") or {}
    stock = ext.get("stock_item") or {}
    return {
        "name": p.get("name"),
        "price": p.get("price"),
        "status": p.get("status"),
        "visibility": p.get("visibility"),
        "type_id": p.get("type_id"),
        "attribute_set_id": p.get("attribute_set_id"),
        "website_ids": ext.get("website_ids"),
        "attributes": attrs,
        "qty": stock.get("qty"),
        "is_in_stock": stock.get("is_in_stock"),
    }


def _marked(documents: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Group shipments or invoices by the ERP shipment id in their comments."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in documents:
        ids = {
            m.group(1)
            for c in doc.get("comments") or []
            for m in [MARKER.search(str(c.get("comment") or ""))]
            if m
        }
        for sid in ids or {"<unmarked>"}:
            found[sid].append(doc)
    return dict(found)


def _shipment(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "items": sorted((i["sku"], float(i["qty"])) for i in doc.get("items") or []),
        "tracks": sorted(
            (t["track_number"], t.get("carrier_code")) for t in doc.get("tracks") or []
        ),
    }


def _invoice(doc: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "grand_total",
        "subtotal",
        "tax_amount",
        "shipping_amount",
        "discount_amount",
        "state",
    )
    found = {k: doc.get(k) for k in keys}
    # A fee module (Svea WebPay) shows its fee only inside the grand total.
    core = ("subtotal", "shipping_amount", "tax_amount", "discount_amount")
    found["invoice_fee"] = round(
        float(doc.get("grand_total") or 0) - sum(float(doc.get(k) or 0) for k in core),
        2,
    )
    found["items"] = sorted(
        (i["sku"], float(i["qty"]), i.get("row_total")) for i in doc.get("items") or []
    )
    return found


def _order(o: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "state",
        "status",
        "grand_total",
        "total_invoiced",
        "total_paid",
        "total_due",
        "shipping_invoiced",
    )
    found = {k: o.get(k) for k in keys}
    found["items"] = sorted(
        (i["sku"], i.get("qty_shipped"), i.get("qty_invoiced"))
        for i in o.get("items") or []
    )
    return found


def snapshot(url: str, outbox: Path) -> dict[str, Any]:
    """Read products, stock, orders, shipments, invoices and the outbox files."""
    products = _all(url, "/rest/all/V1/products")
    orders = _all(url, "/rest/V1/orders")
    number_of = {o["entity_id"]: o["increment_id"] for o in orders}
    shipments = _marked(_all(url, "/rest/V1/shipments"))
    invoices = _marked(_all(url, "/rest/V1/invoices"))
    return {
        "products": {p["sku"]: _product(p) for p in products},
        "stock": {
            (s["sku"], s["source_code"]): (s["quantity"], s["status"])
            for s in _all(url, "/rest/V1/inventory/source-items")
        },
        "orders": {o["increment_id"]: _order(o) for o in orders},
        "shipments": {
            sid: [(number_of.get(d["order_id"]), _shipment(d)) for d in docs]
            for sid, docs in shipments.items()
        },
        "invoices": {
            sid: [(number_of.get(d["order_id"]), _invoice(d)) for d in docs]
            for sid, docs in invoices.items()
        },
        "outbox": {
            p.name: p.read_bytes() for p in sorted(outbox.iterdir()) if p.is_file()
        },
    }


def differences(reference: dict[str, Any], chaos: dict[str, Any]) -> list[str]:
    """Every way ``chaos`` differs from ``reference``, one line each (empty: equal)."""
    problems: list[str] = []
    for section in ("products", "stock", "orders", "shipments", "invoices", "outbox"):
        ref, got = reference[section], chaos[section]
        for key in sorted(set(ref) | set(got), key=str):
            if key not in got:
                problems.append(f"{section}: {key} missing after the chaos run")
            elif key not in ref:
                problems.append(
                    f"{section}: {key} only in the chaos run: {got[key]!r:.300}"
                )
            elif ref[key] != got[key]:
                problems.append(
                    f"{section}: {key} differs:\n    reference {ref[key]!r:.400}\n"
                    f"    chaos     {got[key]!r:.400}"
                )
    return problems


def exactly_once(state: dict[str, Any], erp_shipments: dict[str, str]) -> list[str]:
    """Each ERP shipment is one Magento shipment and one invoice, on its own order."""
    problems: list[str] = []
    for what in ("shipments", "invoices"):
        docs = state[what]
        if "<unmarked>" in docs:
            problems.append(f"{what}: {len(docs['<unmarked>'])} without an ERP marker")
        for sid, number in sorted(erp_shipments.items()):
            found = docs.get(sid, [])
            if len(found) != 1:
                problems.append(
                    f"{what}: ERP shipment {sid} has {len(found)}, expected 1"
                )
            elif found[0][0] != number:
                problems.append(f"{what}: ERP shipment {sid} is on order {found[0][0]}")
    return problems
