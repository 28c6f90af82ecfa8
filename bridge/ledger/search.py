"""Read-only queries for the console: files with search and paging, a file's invoices.

New questions of the use-case layer (``bridge.usecases.files``); they change nothing
in the ledger and need no schema change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bridge.ledger._schema import files
from bridge.ledger.files import FileRow
from bridge.ledger.shipments import erp_shipments

if TYPE_CHECKING:
    from bridge.ledger.core import Ledger

__all__ = ["FileQuery", "file_invoices", "search_files"]


@dataclass(frozen=True)
class FileQuery:
    """What to look for among the received files (every field optional).

    Attributes:
        kind: ``products``, ``stock`` or ``shipments``.
        status: ``processing``, ``done``, ``partial``, ``failed``, ``duplicate``.
        name: A part of the file name (case-insensitive).
        since: Received at or after.
        until: Received before.
        offset: Rows to skip (paging).
        limit: Rows at most.
    """

    kind: str = ""
    status: str = ""
    name: str = ""
    since: datetime | None = None
    until: datetime | None = None
    offset: int = 0
    limit: int = 50


def _where(q: FileQuery) -> list[sa.ColumnElement[bool]]:
    conds: list[sa.ColumnElement[bool]] = []
    if q.kind:
        conds.append(files.c.kind == q.kind)
    if q.status:
        conds.append(files.c.status == q.status)
    if q.name:
        escaped = q.name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conds.append(files.c.name.ilike(f"%{escaped}%", escape="\\"))
    if q.since is not None:
        conds.append(files.c.received_at >= q.since)
    if q.until is not None:
        conds.append(files.c.received_at < q.until)
    return conds


def search_files(ledger: Ledger, q: FileQuery) -> tuple[list[FileRow], int]:
    """The files matching ``q``, newest first, and how many match in all."""
    conds = _where(q)
    page = (
        files.select()
        .where(*conds)
        .order_by(files.c.id.desc())
        .offset(max(0, q.offset))
        .limit(max(1, q.limit))
    )
    count = sa.select(sa.func.count()).select_from(files).where(*conds)
    with ledger.begin() as conn:
        rows = conn.execute(page).mappings().all()
        total = int(conn.execute(count).scalar_one())
    return [FileRow.from_mapping(r) for r in rows], total


def file_invoices(ledger: Ledger, file_id: int) -> list[dict[str, Any]]:
    """The ERP shipments that file shipped or invoiced, with their Magento ids."""
    t = erp_shipments
    query = (
        sa.select(
            t.c.shipment_id,
            t.c.order_number,
            t.c.state,
            t.c.magento_shipment_id,
            t.c.invoice_id,
            t.c.grand_total,
            t.c.invoice_amount,
            t.c.currency,
            t.c.invoice_file_id,
            t.c.mismatch,
            t.c.mismatch_reason,
        )
        .where(
            sa.or_(
                t.c.file_id == file_id,
                t.c.ship_file_id == file_id,
                t.c.invoice_file_id == file_id,
            )
        )
        .order_by(t.c.shipment_id)
    )
    with ledger.begin() as conn:
        return [dict(r) for r in conn.execute(query).mappings().all()]
