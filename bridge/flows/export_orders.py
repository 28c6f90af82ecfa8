"""Export new Magento orders to the ERP: one validated file per order, exactly once.

One poll (``run()``), top to bottom:

1. remove temp files a killed run left in the outbox (they were never published);
2. retry "Exported to ERP" comments that did not reach Magento last time;
3. retry orders that could not be exported last time (by ``entity_id``);
4. search ``GET /V1/orders``: state in ``orders.states``, ``created_at`` at most
   now - ``min_age_seconds`` and at least cursor - ``overlap_seconds``, sorted by
   ``entity_id``; for each order not yet in the ledger: map → render + validate →
   publish (temp, fsync, rename) → ledger row → Magento comment; then the cursor
   moves to the newest ``created_at`` of the page.

Why the overlap: Magento stamps ``created_at`` when the checkout transaction starts,
so an order can become visible after a newer one was already seen. Re-reading a
window behind the cursor catches it, and the ledger makes the re-read harmless.

Paging is by key (``entity_id > last seen``, always page 1) rather than by
``currentPage``: an order that leaves the searched states between two page requests
would shift every later offset page and one order would be skipped, and Magento
answers an out-of-range ``currentPage`` with the last page again instead of an empty
one. As a guard, a page that brings no new ``entity_id`` ends the search.

Exactly once: the ledger row is written only after the file is durably in place; a
crash between the two leaves a published file and no row, and the next run finds
``order-<n>.<ext>`` in the outbox and records it instead of writing a second file. A
comment failure never re-exports: the row says ``comment pending`` and the comment
is retried on the next poll (a kill between Magento saving the comment and the
ledger noting it can leave the comment twice on the order, never the file). The
cursor moves only after the page's files and rows are written.

Several processes: one exporter at a time. A poll runs under the ``orders:export``
lease (a process that finds it held does nothing this poll), and each order under its
own ``order:<entity_id>`` lease from before its file is written until its comment is
sent. Temp files carry the process's owner id, and only this process's own leftovers
(or ones older than two lease times, whose writer is gone) are removed. After a lost
ledger, an order whose search result already carries the "Exported to ERP" comment is
recorded as exported, not written again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from bridge.config import Settings
from bridge.errors import (
    BridgeError,
    FolderUnavailableError,
    InvalidFileError,
    RecordRejectedError,
)
from bridge.folders.outbox import LocalOutbox
from bridge.formats.orders import Partners, order_file_name, render_order
from bridge.ledger.core import Ledger, utcnow
from bridge.ledger.ownership import Ownership, holding
from bridge.magento import Filter, OrdersAdapter, search_params
from bridge.mapping.orders import parse_order, to_export_order

__all__ = ["ExportOrdersFlow", "ExportResult", "magento_time"]

log = structlog.get_logger(__name__)

_FLOW = "orders"
EXPORT_LEASE = "orders:export"
COMMENT_PREFIX = "Exported to ERP as "


def _exported_as(raw: dict[str, Any]) -> str | None:
    """The file name of an "Exported to ERP" comment already on the order, if any."""
    for entry in raw.get("status_histories") or []:
        comment = str(entry.get("comment") or "")
        if comment.startswith(COMMENT_PREFIX):
            return comment[len(COMMENT_PREFIX) :].strip() or "?"
    return None


def magento_time(value: datetime) -> str:
    """Format a time the way Magento filters ``created_at`` (UTC, no zone)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _created_at(raw: dict[str, Any]) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(str(raw.get("created_at")))
    except ValueError:
        return None
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp


@dataclass
class ExportResult:
    """What one poll did.

    Attributes:
        exported: Order numbers whose file was published (or recovered) this poll.
        failed: ``(order number, reason)`` of orders that could not be exported.
        pages: Order search pages read.
        calls: Magento calls made (searches and comments).
        skipped: Orders seen again that were already exported (the overlap).
        held: Another process held the export lease: this poll did nothing.
    """

    exported: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    pages: int = 0
    calls: int = 0
    skipped: int = 0
    held: bool = False


class ExportOrdersFlow:
    """The Magento → ERP order export (``bridge export-orders``, and every poll).

    Args:
        settings: All settings (``orders`` section, CSV encoding, retry limits).
        ledger: The ledger; ``ledger.orders`` holds exports, cursor and failures.
        orders: Magento's order endpoints.
        outbox: ``outbox/orders/``.
        now: The clock (S7.6).
        ownership: This process's leases (one exporter at a time); None: no leases.
    """

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        orders: OrdersAdapter,
        outbox: LocalOutbox,
        now: Callable[[], datetime] = utcnow,
        ownership: Ownership | None = None,
    ) -> None:
        """Keep the collaborators; nothing is read before ``run()``."""
        self._ownership = ownership
        self._temp_age = 2 * settings.runtime.lease_seconds
        self._cfg = settings.orders
        self._encoding = settings.folders.csv.for_kind("orders").encoding
        self._max_attempts = settings.runtime.max_record_attempts
        self._store = ledger.orders
        self._orders = orders
        self._outbox = outbox
        self._now = now
        self._comments_paused = False
        self._tried: set[int] = set()

    # --- the poll -------------------------------------------------------------

    def run(self) -> ExportResult:
        """Run one poll: export every due order not exported yet.

        Returns:
            What was exported, what failed, and how many Magento calls it took.

        Raises:
            TransientError: Magento or the ledger is unavailable; what was done so far
                is recorded, and the next poll continues from there.
            MagentoAuthError: Magento refused the credentials.
        """
        with holding(self._ownership, EXPORT_LEASE) as mine:
            if mine:
                return self._run()
        log.info("export_held", flow=_FLOW, status="another process exports")
        return ExportResult(held=True)

    def _run(self) -> ExportResult:
        result = ExportResult()
        self._comments_paused = False
        self._tried = set()
        started = self._now()
        for path in self._outbox.clean_temp(self._tag(), self._temp_age):
            log.warning("temp_file_removed", flow=_FLOW, file=path.name)
        self._retry_comments(result)
        self._retry_failures(started, result)
        for page in self._pages(self._window(started), result):
            self._export_page(page, result)
        self._store.set_last_poll(self._now())
        log.info(
            "orders_polled",
            flow=_FLOW,
            status=f"{len(result.exported)} exported, {len(result.failed)} failed",
        )
        return result

    def _window(self, started: datetime) -> list[list[Filter]]:
        until = started - timedelta(seconds=self._cfg.min_age_seconds)
        groups = [
            [Filter("state", ",".join(self._cfg.states), "in")],
            [Filter("created_at", magento_time(until), "lteq")],
        ]
        since = self._since()
        if since is not None:
            groups.append([Filter("created_at", magento_time(since), "gteq")])
        return groups

    def _since(self) -> datetime | None:
        cursor = self._store.get_cursor()
        if cursor is not None:
            return cursor - timedelta(seconds=self._cfg.overlap_seconds)
        if self._cfg.start_at:
            start = datetime.fromisoformat(self._cfg.start_at)
            return start.replace(tzinfo=UTC) if start.tzinfo is None else start
        return None

    def _pages(
        self, groups: Sequence[Sequence[Filter]], result: ExportResult
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield the matching orders page by page, keyed on ``entity_id``."""
        size = self._cfg.page_size
        last_id = 0
        while True:
            params = search_params(
                [*groups, [Filter("entity_id", str(last_id), "gt")]],
                sort=[("entity_id", "ASC")],
                page_size=size,
                current_page=1,
            )
            answer = self._orders.search(params)
            result.pages += 1
            result.calls += 1
            items = [dict(i) for i in answer.get("items") or []]
            fresh = [i for i in items if int(i["entity_id"]) > last_id]
            if not fresh:
                return  # no more orders (or a repeated page: nothing new in it)
            yield fresh
            last_id = max(int(i["entity_id"]) for i in fresh)
            if len(items) < size:
                return

    def _export_page(self, items: list[dict[str, Any]], result: ExportResult) -> None:
        done = self._store.exported_among(int(i["entity_id"]) for i in items)
        newest: datetime | None = None
        for raw in items:
            entity_id = int(raw["entity_id"])
            if entity_id in done:
                result.skipped += 1
            elif entity_id not in self._tried:
                self._export_one(raw, result)
            stamp = _created_at(raw)
            if stamp is not None and (newest is None or stamp > newest):
                newest = stamp
        # Every order of this page is now in the outbox + ledger, or in the failure
        # list (retried by id): the cursor may pass them.
        if newest is not None:
            self._store.set_cursor(newest)

    # --- one order ------------------------------------------------------------

    def _tag(self) -> str:
        """This process's mark on its temp files (unique per process)."""
        owner = self._ownership.owner if self._ownership is not None else "local"
        return hashlib.sha256(owner.encode()).hexdigest()[:12]

    def _export_one(self, raw: dict[str, Any], result: ExportResult) -> None:
        entity_id = int(raw["entity_id"])
        self._tried.add(entity_id)
        # Held by another: that exporter is writing it (its export lease had expired).
        with holding(self._ownership, f"order:{entity_id}") as mine:
            if mine:
                self._export_claimed(raw, entity_id, result)

    def _export_claimed(
        self, raw: dict[str, Any], entity_id: int, result: ExportResult
    ) -> None:
        number = str(raw.get("increment_id") or entity_id)
        if self._store.is_exported(entity_id):
            result.skipped += 1
            return
        marked = _exported_as(raw)
        if marked is not None:
            # The comment is written after the file: this order was exported before
            # the ledger was lost. Record it; no second file, no second comment.
            self._store.record_export(entity_id, number, marked, "")
            self._store.comment_done(entity_id)
            result.exported.append(number)
            log.warning("order_export_recovered", flow=_FLOW, order=number, file=marked)
            return
        try:
            record = to_export_order(
                parse_order(raw), invoice_fee_mode=self._cfg.invoice_fee
            )
            payload = render_order(
                record,
                self._cfg.format,
                encoding=self._encoding,
                partners=Partners(self._cfg.sender_id, self._cfg.receiver_id),
            )
        except (RecordRejectedError, InvalidFileError) as exc:
            self._fail(entity_id, number, str(exc), result)
            return
        name = order_file_name(number, self._cfg.format)
        digest = self._publish(name, payload, number)
        self._store.record_export(entity_id, number, name, digest)
        result.exported.append(number)
        log.info("order_exported", flow=_FLOW, order=number, file=name, sha256=digest)
        self._comment(entity_id, number, name, result)

    def _publish(self, name: str, payload: bytes, number: str) -> str:
        """Publish the file, or adopt the one an interrupted run already published."""
        if self._outbox.exists(name):
            existing = (self._outbox.directory / name).read_bytes()
            digest = hashlib.sha256(existing).hexdigest()
            # Published, but the run died before its ledger row: the ERP may have
            # read that file already, so it stays as it is; no second file.
            same = existing == payload
            log.warning(
                "order_file_adopted",
                flow=_FLOW,
                order=number,
                file=name,
                sha256=digest,
                status="identical" if same else "kept (order changed since)",
            )
            return digest
        try:
            self._outbox.publish(name, payload, tag=self._tag())
        except OSError as exc:
            # Disk full, outbox not writable: nothing was published; retried later.
            raise FolderUnavailableError(
                f"outbox: cannot write {name}: {exc.strerror or exc}",
                endpoint=str(self._outbox.directory),
            ) from exc
        return hashlib.sha256(payload).hexdigest()

    def _fail(
        self, entity_id: int, number: str, reason: str, result: ExportResult
    ) -> None:
        attempts = self._store.record_failure(entity_id, number, reason)
        result.failed.append((number, reason))
        log.error(
            "order_export_failed",
            flow=_FLOW,
            order=number,
            attempt=attempts,
            status=reason,
        )

    # --- retries --------------------------------------------------------------

    def _retry_failures(self, started: datetime, result: ExportResult) -> None:
        failures = {f.entity_id: f for f in self._store.failures()}
        if not failures:
            return
        until = started - timedelta(seconds=self._cfg.min_age_seconds)
        ids = sorted(failures)
        seen: set[int] = set()
        size = self._cfg.page_size
        for i in range(0, len(ids), size):
            chunk = ids[i : i + size]
            groups = [
                [Filter("entity_id", ",".join(map(str, chunk)), "in")],
                [Filter("state", ",".join(self._cfg.states), "in")],
                [Filter("created_at", magento_time(until), "lteq")],
            ]
            answer = self._orders.search(search_params(groups, page_size=len(chunk)))
            result.calls += 1
            items = [dict(i) for i in answer.get("items") or []]
            seen.update(int(i["entity_id"]) for i in items)
            done = self._store.exported_among(int(i["entity_id"]) for i in items)
            for raw in items:
                if int(raw["entity_id"]) not in done:
                    self._export_one(raw, result)
        for entity_id in set(ids) - seen:
            self._store.clear_failure(entity_id)
            log.warning(
                "order_export_abandoned",
                flow=_FLOW,
                order=failures[entity_id].order_number,
                status="no longer in the exported states",
            )

    def _retry_comments(self, result: ExportResult) -> None:
        for export in self._store.pending_comments():
            if self._comments_paused:
                return
            self._comment(
                export.entity_id, export.order_number, export.file_name, result
            )

    def _comment(
        self, entity_id: int, number: str, name: str, result: ExportResult
    ) -> None:
        """Mark the order as exported in Magento; a failure is only retried."""
        if self._comments_paused:
            return  # the row stays "pending"; the next poll retries
        result.calls += 1
        try:
            self._orders.add_comment(entity_id, f"Exported to ERP as {name}")
        except RecordRejectedError as exc:
            self._comment_failed(entity_id, number, exc)
        except BridgeError as exc:
            # Magento down or refusing us: no point trying the next orders' comments.
            self._comments_paused = True
            self._comment_failed(entity_id, number, exc)
        else:
            self._store.comment_done(entity_id)

    def _comment_failed(self, entity_id: int, number: str, exc: BridgeError) -> None:
        export = self._store.get(entity_id)
        attempts = (export.comment_attempts if export else 0) + 1
        give_up = (
            isinstance(exc, RecordRejectedError) and attempts >= self._max_attempts
        )
        self._store.comment_failed(entity_id, str(exc), give_up=give_up)
        log.warning(
            "order_comment_failed",
            flow=_FLOW,
            order=number,
            attempt=attempts,
            status="gave up" if give_up else "will retry",
        )
