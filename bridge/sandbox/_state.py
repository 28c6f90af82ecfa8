"""The sandbox shop's state: plain JSON-able dicts under one lock, optionally on disk.

Everything a Magento database would hold for the endpoints the bridge uses lives in
``Shop.data``: products and their store-view overrides, MSI source items, orders,
invoices, shipments, payment transactions and id sequences. Keeping it as plain
JSON makes ``state_file`` persistence one ``json.dump`` (written to a temporary file
and renamed, so a crash never leaves half a state behind).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bridge.sandbox._router import not_found
from bridge.support.files import atomic_write

ENTITY_MISSING = (
    "The entity that was requested doesn't exist. Verify the entity and try again."
)

#: Order statuses assigned to each state (Admin > Stores > Order Status).
DEFAULT_STATUSES: dict[str, list[str]] = {
    "new": ["pending"],
    "pending_payment": ["pending_payment"],
    "processing": ["processing"],
    "complete": ["complete"],
    "closed": ["closed"],
    "canceled": ["canceled"],
    "holded": ["holded"],
    "payment_review": ["payment_review", "fraud"],
}


def empty_data() -> dict[str, Any]:
    """Return the state of a freshly installed, empty shop."""
    return {
        "products": {},
        "overrides": {"default": {}},
        "source_items": {},
        "sources": ["default"],
        "attributes": ["ean"],
        "orders": {},
        "invoices": {},
        "shipments": {},
        "transactions": {},
        "emails": [],
        "auto_stock": {},
        "seq": {},
        "order_statuses": {k: list(v) for k, v in DEFAULT_STATUSES.items()},
    }


def magento_time(moment: datetime) -> str:
    """Format an aware datetime as Magento writes it: UTC ``YYYY-MM-DD HH:MM:SS``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def utc_now() -> str:
    """Return the current UTC time in Magento's format."""
    return magento_time(datetime.now(UTC))


class Shop:
    """The in-memory shop; callers hold ``lock`` around every read-modify-write."""

    def __init__(
        self,
        *,
        input_limit: bool = True,
        state_file: Path | None = None,
        clock: Callable[[], str] = utc_now,
    ) -> None:
        self.lock = threading.RLock()
        self.input_limit = input_limit
        self.default_input_limit = input_limit
        self.state_file = state_file
        self.clock = clock
        self.data: dict[str, Any] = empty_data()
        if state_file is not None and state_file.exists():
            self.data.update(json.loads(state_file.read_text(encoding="utf-8")))

    def reset(self) -> None:
        """Forget everything: an empty shop with the configured input limits."""
        with self.lock:
            self.data = empty_data()
            self.input_limit = self.default_input_limit
            self.save()

    def save(self) -> None:
        """Write the state file, if any, atomically (temp file + rename)."""
        if self.state_file is None:
            return
        atomic_write(self.state_file, json.dumps(self.data).encode("utf-8"))

    def next_id(self, kind: str) -> int:
        """Return the next auto-increment id for ``kind`` (1, 2, ...)."""
        seq = self.data["seq"]
        seq[kind] = int(seq.get(kind, 0)) + 1
        return int(seq[kind])

    def now(self) -> str:
        """Return the shop clock's current UTC timestamp string."""
        return self.clock()

    def order(self, order_id: int | str) -> dict[str, Any]:
        """Return the stored order ``order_id`` or raise Magento's 404."""
        found = self.data["orders"].get(str(order_id))
        if found is None:
            raise not_found(ENTITY_MISSING)
        return found  # type: ignore[no-any-return]

    def entity(self, table: str, entity_id: int | str) -> dict[str, Any]:
        """Return the stored ``table`` row ``entity_id`` or raise Magento's 404."""
        found = self.data[table].get(str(entity_id))
        if found is None:
            raise not_found(ENTITY_MISSING)
        return found  # type: ignore[no-any-return]


def record_email(
    shop: Shop, order: dict[str, Any], kind: str, entity_id: int, comment: Any
) -> None:
    """Keep one e-mail that would go to the customer (``GET /sandbox/emails``)."""
    shop.data.setdefault("emails", []).append(
        {
            "kind": kind,
            "to": order.get("customer_email"),
            "order_id": order["entity_id"],
            "increment_id": order["increment_id"],
            "entity_id": entity_id,
            "comment": comment or "",
            "created_at": shop.now(),
        }
    )
