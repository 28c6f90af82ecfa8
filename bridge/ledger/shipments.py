"""Shipment steps: each ERP shipment's Magento shipment and invoice ids, and amounts.

One row per ERP ``shipment_id`` records how far the bridge got with it:
``pending`` (work started, nothing known to be created) → ``shipped`` (Magento shipment
id known) → ``invoiced`` (invoice id known, amounts read back). ``rejected`` means the
record was refused before anything was created. Each step is written right after the
Magento call that made it (S5.1), so a re-run only does what is missing.

A ship or invoice call that ended without a clear answer marks the row *uncertain*
(``uncertain`` = ``ship`` or ``invoice``, since when): the flow posts nothing again for
it until Magento shows the document or ``shipments.settle_seconds`` have passed.
``attempts`` counts transient failures across runs; ``conflict`` keeps the other
version of a delivery note that came back with other lines or another order.

Amounts are stored as decimal strings: SQLite has no exact decimal type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bridge.ledger._schema import erp_shipments, files
from bridge.models.status import StepState
from bridge.support.clock import as_utc

if TYPE_CHECKING:
    from sqlalchemy.engine import RowMapping

    from bridge.ledger.database import Database

__all__ = [
    "ShipmentRow",
    "ShipmentStep",
    "ShipmentStore",
    "StepState",
    "erp_shipments",
]


_CENT = Decimal("0.01")


def _text(value: Decimal | None) -> str | None:
    """Store an amount as text, in cents unless it has finer digits (``49.00``)."""
    if value is None:
        return None
    cents = value.quantize(_CENT)
    return f"{cents if cents == value else value:f}"


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


@dataclass(frozen=True)
class ShipmentStep:
    """How far one ERP shipment got (a row of ``erp_shipments``)."""

    shipment_id: str
    order_number: str
    order_id: int | None
    state: StepState
    magento_shipment_id: int | None
    invoice_id: int | None
    grand_total: Decimal | None
    shipping_amount: Decimal | None
    fee: Decimal | None
    invoice_amount: Decimal | None
    mismatch: bool
    message: str | None
    lines: str | None = None
    uncertain: str | None = None
    uncertain_since: datetime | None = None
    attempts: int = 0
    conflict: str | None = None


@dataclass(frozen=True)
class ShipmentRow(ShipmentStep):
    """A step as the lists show it: with its currency, when, and which files touched it.

    ``ship_file``, ``invoice_file`` and ``file`` are the names of the files that
    shipped it, invoiced it and last touched it (``file_id``).
    """

    currency: str | None = None
    mismatch_reason: str | None = None
    file_id: int | None = None
    ship_file: str | None = None
    invoice_file: str | None = None
    file: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


def _step_fields(m: RowMapping) -> dict[str, Any]:
    """The :class:`ShipmentStep` fields of an ``erp_shipments`` row."""
    return {
        "shipment_id": m["shipment_id"],
        "order_number": m["order_number"],
        "order_id": m["order_id"],
        "state": StepState(m["state"]),
        "magento_shipment_id": m["magento_shipment_id"],
        "invoice_id": m["invoice_id"],
        "grand_total": _dec(m["grand_total"]),
        "shipping_amount": _dec(m["shipping_amount"]),
        "fee": _dec(m["fee"]),
        "invoice_amount": _dec(m["invoice_amount"]),
        "mismatch": bool(m["mismatch"]),
        "message": m["message"],
        "lines": m["lines"],
        "uncertain": m["uncertain"],
        "uncertain_since": as_utc(m["uncertain_since"]),
        "attempts": int(m["attempts"] or 0),
        "conflict": m["conflict"],
    }


def _row(m: RowMapping) -> ShipmentRow:
    return ShipmentRow(
        **_step_fields(m),
        currency=m["currency"],
        mismatch_reason=m["mismatch_reason"],
        file_id=m["file_id"],
        ship_file=m["ship_file"],
        invoice_file=m["invoice_file"],
        file=m["file"],
        created_at=as_utc(m["created_at"]),
        updated_at=as_utc(m["updated_at"]),
    )


class ShipmentStore:
    """The ledger's memory of ERP shipments (``ledger.shipments``).

    Args:
        db: The database (engine, clock).
    """

    def __init__(self, db: Database) -> None:
        """Attach to the ledger."""
        self._db = db

    def get(self, shipment_id: str) -> ShipmentStep | None:
        """Return the step reached by ``shipment_id``, or None if never seen."""
        t = erp_shipments
        with self._db.begin() as conn:
            row = conn.execute(
                sa.select(t).where(t.c.shipment_id == shipment_id)
            ).first()
        if row is None:
            return None
        return ShipmentStep(**_step_fields(row._mapping))

    def _upsert(self, shipment_id: str, values: dict[str, Any]) -> None:
        t = erp_shipments
        now = self._db.now()
        with self._db.begin() as conn:
            exists = conn.execute(
                sa.select(t.c.shipment_id).where(t.c.shipment_id == shipment_id)
            ).first()
            if exists is None:
                conn.execute(
                    t.insert().values(
                        shipment_id=shipment_id,
                        created_at=now,
                        updated_at=now,
                        **values,
                    )
                )
            else:
                conn.execute(
                    t.update()
                    .where(t.c.shipment_id == shipment_id)
                    .values(updated_at=now, **values)
                )

    def start(
        self,
        shipment_id: str,
        order_number: str,
        *,
        order_id: int,
        file_id: int,
        invoice_amount: Decimal | None,
        currency: str | None,
        lines: str | None = None,
    ) -> None:
        """Record that work on a shipment begins (state ``pending``).

        Only call this before the ship step: it never moves a row backwards.
        """
        self._upsert(
            shipment_id,
            {
                "lines": lines,
                "order_number": order_number,
                "order_id": order_id,
                "state": StepState.PENDING,
                "file_id": file_id,
                "invoice_amount": _text(invoice_amount),
                "currency": currency,
                "message": None,
            },
        )

    def mark_shipped(
        self,
        shipment_id: str,
        magento_shipment_id: int,
        *,
        order_number: str,
        order_id: int,
        file_id: int,
    ) -> None:
        """Record the Magento shipment id, right after it is created or found."""
        self._upsert(
            shipment_id,
            {
                "order_number": order_number,
                "order_id": order_id,
                "state": StepState.SHIPPED,
                "magento_shipment_id": magento_shipment_id,
                "file_id": file_id,
                "ship_file_id": file_id,
                "shipped_at": self._db.now(),
                "message": None,
                "uncertain": None,
                "uncertain_since": None,
                "attempts": 0,
            },
        )

    def mark_invoiced(
        self,
        shipment_id: str,
        invoice_id: int | None,
        *,
        file_id: int,
        invoice_amount: Decimal | None,
        message: str | None = None,
    ) -> None:
        """Record the invoice id (None: nothing was left to invoice), right after it."""
        self._upsert(
            shipment_id,
            {
                "state": StepState.INVOICED,
                "invoice_id": invoice_id,
                "file_id": file_id,
                "invoice_file_id": file_id,
                "invoice_amount": _text(invoice_amount),
                "invoiced_at": self._db.now(),
                "message": message,
                "uncertain": None,
                "uncertain_since": None,
                "attempts": 0,
            },
        )

    def record_amounts(
        self,
        shipment_id: str,
        *,
        grand_total: Decimal,
        shipping_amount: Decimal,
        fee: Decimal,
        mismatch_reason: str | None,
    ) -> None:
        """Record what the invoice captured, as read back from Magento."""
        self._upsert(
            shipment_id,
            {
                "grand_total": _text(grand_total),
                "shipping_amount": _text(shipping_amount),
                "fee": _text(fee),
                "mismatch": mismatch_reason is not None,
                "mismatch_reason": mismatch_reason,
            },
        )

    def mark_held(self, shipment_id: str, reason: str, *, file_id: int) -> None:
        """Hold a shipped delivery's invoice: the amounts differ (no capture)."""
        self._upsert(
            shipment_id,
            {"state": StepState.HELD, "message": reason, "file_id": file_id},
        )

    def mark_closed(self, shipment_id: str, note: str) -> None:
        """Close a held delivery: the bridge never invoices it."""
        self._upsert(shipment_id, {"state": StepState.CLOSED, "message": note})

    def held(self) -> list[ShipmentRow]:
        """Return the deliveries whose invoice is held for an operator (status)."""
        return self._rows(erp_shipments.c.state == StepState.HELD)

    def mark_rejected(
        self, shipment_id: str, order_number: str, message: str, *, file_id: int
    ) -> None:
        """Record a refusal; a shipment already created keeps its state and ids."""
        step = self.get(shipment_id)
        values: dict[str, Any] = {"message": message, "file_id": file_id}
        if step is None or step.state in (StepState.PENDING, StepState.REJECTED):
            values.update(state=StepState.REJECTED, order_number=order_number)
        self._upsert(shipment_id, values)

    def _rows(self, where: sa.ColumnElement[bool]) -> list[ShipmentRow]:
        t = erp_shipments
        ship_file = files.alias("ship_file")
        invoice_file = files.alias("invoice_file")
        last_file = files.alias("last_file")
        query = (
            sa.select(
                t,
                ship_file.c.name.label("ship_file"),
                invoice_file.c.name.label("invoice_file"),
                last_file.c.name.label("file"),
            )
            .select_from(
                t.outerjoin(ship_file, ship_file.c.id == t.c.ship_file_id)
                .outerjoin(invoice_file, invoice_file.c.id == t.c.invoice_file_id)
                .outerjoin(last_file, last_file.c.id == t.c.file_id)
            )
            .where(where)
            .order_by(t.c.created_at, t.c.shipment_id)
        )
        with self._db.begin() as conn:
            return [_row(r._mapping) for r in conn.execute(query)]

    def for_order(self, order_number: str) -> list[ShipmentRow]:
        """Return every ERP shipment of one order, for ``bridge audit order``."""
        return self._rows(erp_shipments.c.order_number == order_number)

    def mismatches(self) -> list[ShipmentRow]:
        """Return the shipments whose invoice did not reconcile (``bridge status``)."""
        return self._rows(erp_shipments.c.mismatch.is_(True))

    def pending(self) -> list[ShipmentRow]:
        """Return the shipments started but not yet invoiced (shipped or pending)."""
        return self._rows(
            erp_shipments.c.state.in_((StepState.PENDING, StepState.SHIPPED))
        )

    def mark_uncertain(self, shipment_id: str, call: str) -> datetime:
        """Record that the ``call`` (ship/invoice) ended without a clear answer.

        The first moment is kept while the same call stays uncertain.

        Returns:
            Since when the call is uncertain.
        """
        step = self.get(shipment_id)
        if step is not None and step.uncertain == call and step.uncertain_since:
            return step.uncertain_since
        now = self._db.now()
        self._upsert(shipment_id, {"uncertain": call, "uncertain_since": now})
        return now

    def clear_uncertain(self, shipment_id: str) -> None:
        """Forget an uncertain call: Magento showed nothing after settling."""
        self._upsert(shipment_id, {"uncertain": None, "uncertain_since": None})

    def count_attempt(self, shipment_id: str, order_number: str, message: str) -> int:
        """Count one transient failure of a delivery; return the count so far.

        A delivery not seen before gets a ``pending`` row to count on.
        """
        step = self.get(shipment_id)
        values: dict[str, Any] = {"message": message}
        if step is None:
            values.update(order_number=order_number, state=StepState.PENDING)
        values["attempts"] = (step.attempts if step is not None else 0) + 1
        self._upsert(shipment_id, values)
        return int(values["attempts"])

    def mark_conflict(self, shipment_id: str, other: str) -> None:
        """Keep the other version of a delivery note that came back different."""
        self._upsert(shipment_id, {"conflict": other})

    def uncertain(self) -> list[ShipmentRow]:
        """Return the deliveries with a call awaiting Magento's answer (status)."""
        return self._rows(erp_shipments.c.uncertain.is_not(None))

    def conflicts(self) -> list[ShipmentRow]:
        """Return the delivery notes that came back different (``bridge status``)."""
        return self._rows(erp_shipments.c.conflict.is_not(None))
