"""A seeded mixed workload for the chaos test: catalogue, stock, orders, shipments.

Everything the test feeds the bridge comes from :func:`build_workload` and one seed,
so the fault-free reference run and the chaos run see identical bytes and identical
orders (same specs, same ``created_at``, placed in the same sequence after a reset,
hence the same entity and increment ids).

The workload is shaped so that its correct end state does not depend on the order
in which files happen to be processed (a retried file may finish after a later one):

- each product file creates its own SKUs; one file updates the base catalogue;
- stock files without ``updated_at`` touch disjoint SKUs; stock files with
  ``updated_at`` may share SKUs, always with distinct stamps (newest wins);
- both parts of an order's two-part delivery are in the same shipments file, in
  delivery order (the first invoice carries the freight and the fee);
- a shipments file is dropped only after its orders were exported (an ERP ships
  what it has received).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

WORDS = ("oak", "linen", "stone", "birch", "wool", "brass", "clay", "glass", "flax")
BASE_SKUS = 16
PRODUCT_FILES = 6
PRODUCTS_PER_FILE = 5
EARLY_ORDERS = 12
LATE_ORDERS = 6
ORDERS_PER_SHIPMENT_FILE = 2
SHIPMENT_COLUMNS = (
    "shipment_id,order_number,sku,qty,tracking_number,carrier_code,carrier_title,"
    "shipped_at,invoice_amount"
)
STAMP0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class DropFile:
    """One ERP file to put into ``inbox/<kind>/``."""

    kind: str
    name: str
    data: bytes
    orders: tuple[str, ...] = ()  # increment ids that must be exported first


@dataclass
class Workload:
    """What the test does to the bridge and to Magento, in a fixed order."""

    seed: int
    base_products: list[dict[str, Any]] = field(default_factory=list)
    early_orders: list[dict[str, Any]] = field(default_factory=list)
    late_orders: list[dict[str, Any]] = field(default_factory=list)
    catalog_files: list[DropFile] = field(default_factory=list)
    shipment_files: list[DropFile] = field(default_factory=list)
    erp_shipments: dict[str, str] = field(default_factory=dict)  # ERP id → order number


def increment_id(n: int) -> str:
    """Magento's increment id of the ``n``-th order placed (1-based)."""
    return f"{n:09d}"


def _gtin13(rng: random.Random) -> str:
    body = [rng.randint(0, 9) for _ in range(12)]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(body))
    return "".join(map(str, body)) + str((10 - total % 10) % 10)


def _price(rng: random.Random) -> str:
    return f"{rng.randint(5, 900)}.{rng.choice(['00', '50', '95', '99'])}"


def _qty(rng: random.Random) -> str:
    return str(rng.randint(0, 60)) if rng.random() < 0.8 else f"{rng.randint(0, 9)}.5"


def _stamp(offset_minutes: int) -> str:
    return (
        (STAMP0 + timedelta(minutes=offset_minutes)).isoformat().replace("+00:00", "Z")
    )


def _xml(tag: str) -> str:
    return tag.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _csv_cell(value: str) -> str:
    if any(c in value for c in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    lines = [",".join(header)] + [",".join(_csv_cell(c) for c in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


# --- catalogue ----------------------------------------------------------------------


def _product(rng: random.Random, sku: str, n: int, with_qty: bool) -> dict[str, str]:
    record = {
        "sku": sku,
        "name": f"Chaos {rng.choice(WORDS)} item {n}",
        "price": _price(rng),
        "short_description": f"Short text {n}",
    }
    if rng.random() < 0.5:
        record["ean"] = _gtin13(rng)
    if rng.random() < 0.4:
        record["description"] = f"<p>Made of <b>{rng.choice(WORDS)}</b> &amp; care.</p>"
    if with_qty:
        record["qty"] = _qty(rng)
    return record


def _products_file(name: str, records: list[dict[str, str]], fmt: str) -> DropFile:
    cols = ["sku", "ean", "name", "price", "short_description", "description", "qty"]
    if fmt == "csv":
        rows = [[r.get(c, "") for c in cols] for r in records]
        return DropFile("products", name, _csv(cols, rows))
    body = "".join(
        "  <product>"
        + "".join(f"<{c}>{_xml(r[c])}</{c}>" for c in cols if c in r)
        + "</product>\n"
        for r in records
    )
    xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<products>\n{body}</products>\n'
    return DropFile("products", name, xml.encode())


def _stock_file(name: str, items: list[dict[str, str]], fmt: str) -> DropFile:
    cols = ["sku", "qty", "source", "updated_at"]
    if fmt == "csv":
        text = "sku;qty;source;updated_at\n" + "".join(
            ";".join(i.get(c, "") for c in cols) + "\n" for i in items
        )
        return DropFile("stock", name, text.encode())
    body = "".join(
        "  <item>" + "".join(f"<{c}>{i[c]}</{c}>" for c in cols if c in i) + "</item>\n"
        for i in items
    )
    xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<stock>\n{body}</stock>\n'
    return DropFile("stock", name, xml.encode())


def _catalog(rng: random.Random, w: Workload) -> None:
    base = [f"CH-BASE-{i:02d}" for i in range(BASE_SKUS)]
    for n, sku in enumerate(base):
        w.base_products.append(
            {
                "sku": sku,
                "name": f"Base item {n}",
                "price": float(_price(rng)),
                "status": 1,
                "visibility": 4,
                "type_id": "simple",
                "attribute_set_id": 4,
                "extension_attributes": {"website_ids": [1]},
            }
        )
    n = 0
    for f in range(PRODUCT_FILES):
        fmt = "xml" if f % 2 == 0 else "csv"
        records = []
        for _ in range(PRODUCTS_PER_FILE):
            records.append(_product(rng, f"CH-P-{n:03d}", n, rng.random() < 0.6))
            n += 1
        w.catalog_files.append(_products_file(f"products-{f}.{fmt}", records, fmt))
    updates = [_product(rng, sku, 100 + i, False) for i, sku in enumerate(base[:6])]
    w.catalog_files.append(_products_file("products-update.csv", updates, "csv"))
    plain, stamped = base[:8], base[8:]
    for f, chunk in enumerate((plain[:4], plain[4:])):
        fmt = "xml" if f == 0 else "csv"
        items = [{"sku": s, "qty": _qty(rng)} for s in chunk]
        w.catalog_files.append(_stock_file(f"stock-plain-{f}.{fmt}", items, fmt))
    minutes = rng.sample(range(1, 600), 3 * len(stamped))
    for f in range(3):
        fmt = "csv" if f % 2 == 0 else "xml"
        items = [
            {
                "sku": s,
                "qty": _qty(rng),
                "source": "default",
                "updated_at": _stamp(minutes[f * len(stamped) + i]),
            }
            for i, s in enumerate(stamped)
            if rng.random() < 0.8
        ]
        w.catalog_files.append(_stock_file(f"stock-dated-{f}.{fmt}", items, fmt))
    rng.shuffle(w.catalog_files)


# --- orders and shipments -------------------------------------------------------


def _order_spec(rng: random.Random, n: int) -> dict[str, Any]:
    count = rng.randint(2, 3)
    items = [
        {
            "sku": f"CH-O-{n:02d}-{i}",
            "qty": rng.randint(2, 4),
            "price": float(_price(rng)),
            "tax_percent": rng.choice([25, 12, 6]),
        }
        for i in range(count)
    ]
    if rng.random() < 0.3:
        items[-1]["parent_sku"] = f"CH-CONF-{n:02d}"
        items[-1]["qty"] = 2
    online = rng.random() < 0.5
    return {
        "customer": {
            "email": f"chaos{n}@example.com",
            "firstname": f"Kim{n}",
            "lastname": rng.choice(["Berg", "Ek", "Lind"]),
        },
        "items": items,
        "shipping_amount": rng.choice([0, 49, 79]),
        "payment_method": "sveawebpay_invoice" if online else "checkmo",
        "invoice_fee": rng.choice([19, 29]) if online else 0,
        "created_at": (STAMP0 + timedelta(minutes=n)).strftime("%Y-%m-%d %H:%M:%S"),
    }


def _parts(rng: random.Random, spec: dict[str, Any]) -> list[list[tuple[str, int]]]:
    """Split an order's lines into two deliveries, each shipping something."""
    first: list[tuple[str, int]] = []
    second: list[tuple[str, int]] = []
    for item in spec["items"]:
        qty = int(item["qty"])
        now = rng.randint(1, qty - 1)
        first.append((item["sku"], now))
        second.append((item["sku"], qty - now))
    if rng.random() < 0.3:  # sometimes one whole line waits for the second delivery
        sku, q = first.pop()
        second[-1] = (sku, second[-1][1] + q)
    return [first, second]


def _shipment_records(
    rng: random.Random, w: Workload, number: str, spec: dict[str, Any]
) -> list[dict[str, Any]]:
    records = []
    for part, lines in enumerate(_parts(rng, spec), start=1):
        sid = f"DN-{number[-4:]}-{part}"
        w.erp_shipments[sid] = number
        tracks = [f"TRK{number[-4:]}{part}{t}" for t in range(rng.randint(1, 2))]
        records.append({"sid": sid, "order": number, "lines": lines, "tracks": tracks})
    return records


def _shipments_file(name: str, records: list[dict[str, Any]], fmt: str) -> bytes:
    if fmt == "csv":
        header = SHIPMENT_COLUMNS.split(",")
        rows = []
        for r in records:
            for i, (sku, qty) in enumerate(r["lines"]):
                track = r["tracks"][i] if i < len(r["tracks"]) else r["tracks"][0]
                rows.append(
                    [
                        r["sid"],
                        r["order"],
                        sku,
                        str(qty),
                        track,
                        "dhl",
                        "DHL",
                        "2026-11-26T10:00:00Z",
                        "",
                    ]
                )
        return _csv(header, rows)
    body = ""
    for r in records:
        lines = "".join(
            f"<line><sku>{s}</sku><qty>{q}</qty></line>" for s, q in r["lines"]
        )
        tracks = "".join(
            f"<track><number>{t}</number><carrier_code>dhl</carrier_code>"
            "<title>DHL</title></track>"
            for t in r["tracks"]
        )
        body += (
            f"  <shipment><shipment_id>{r['sid']}</shipment_id>"
            f"<order_number>{r['order']}</order_number>"
            f"<lines>{lines}</lines><tracks>{tracks}</tracks></shipment>\n"
        )
    xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<shipments>\n{body}</shipments>\n'
    return xml.encode()


def _orders(rng: random.Random, w: Workload) -> None:
    w.early_orders = [_order_spec(rng, n) for n in range(1, EARLY_ORDERS + 1)]
    w.late_orders = [
        _order_spec(rng, n)
        for n in range(EARLY_ORDERS + 1, EARLY_ORDERS + LATE_ORDERS + 1)
    ]
    numbers = [increment_id(n) for n in range(1, EARLY_ORDERS + 1)]
    for f in range(0, EARLY_ORDERS, ORDERS_PER_SHIPMENT_FILE):
        chunk = numbers[f : f + ORDERS_PER_SHIPMENT_FILE]
        records = [
            rec
            for number in chunk
            for rec in _shipment_records(
                rng, w, number, w.early_orders[int(number) - 1]
            )
        ]
        fmt = "xml" if (f // ORDERS_PER_SHIPMENT_FILE) % 2 == 0 else "csv"
        name = f"shipments-{f // ORDERS_PER_SHIPMENT_FILE}.{fmt}"
        w.shipment_files.append(
            DropFile(
                "shipments", name, _shipments_file(name, records, fmt), tuple(chunk)
            )
        )


def build_workload(seed: int) -> Workload:
    """Build the whole workload for ``seed`` (pure: same seed, same bytes)."""
    rng = random.Random(seed)
    w = Workload(seed)
    _catalog(rng, w)
    _orders(rng, w)
    return w
