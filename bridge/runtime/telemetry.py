"""Metrics, alerts and health of the running service, fed by small calls from the loop.

One ``Telemetry`` per process (``wiring.build``): the pipeline reports each file's
outcome, the Magento client each request, the worker the export, pauses, SFTP trouble
and stuck files. It counts them in ``BridgeMetrics``, sends the SPEC §8 alerts through
``Alerts`` (throttled, never blocking) and keeps what ``/healthz`` reports.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import structlog

from bridge import __version__
from bridge.alerts import (
    Alerts,
    build_alerts,
    file_failed,
    file_had_rejects,
    file_pending_too_long,
    invoice_amount_mismatch,
    magento_credentials_refused,
    magento_unreachable,
    order_export_failed,
    sftp_down,
)
from bridge.config import Settings
from bridge.errors import (
    MagentoAuthError,
    MagentoBaseUrlError,
    MagentoUnavailableError,
)
from bridge.folders.readlock import is_ignored_name
from bridge.kinds import KINDS
from bridge.ledger import Ledger
from bridge.ledger.resolutions import ResolutionStore
from bridge.ledger.search import file_invoices
from bridge.metrics import BridgeMetrics, StateSnapshot, request_outcome
from bridge.runtime.finish import FileOutcome

__all__ = ["Component", "Telemetry"]

log = structlog.get_logger("bridge.telemetry")

_ALERTED = ("failed", "partial")
# Metric name of each record count, and its key in ``FileOutcome.counts``.
_RECORD_COUNTS = (
    ("applied", "applied"),
    ("unchanged", "unchanged"),
    ("rejected", "rejected"),
    ("stale", "skipped"),
)


@dataclass(frozen=True)
class Component:
    """One component's health: ``up``, a short detail, and since when (monotonic)."""

    up: bool
    detail: str = ""


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class Telemetry:
    """Counts, alerts and health of one bridge process.

    Args:
        settings: The bridge settings.
        ledger: The ledger (read for record counts and the state gauges).
        monotonic: Clock for the worker heartbeat.
    """

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.monotonic = monotonic
        self.metrics = BridgeMetrics(state=self.state, version=__version__)
        self.alerts: Alerts = build_alerts(settings, observe=self.metrics.observe_alert)
        self._lock = threading.Lock()
        self._magento = Component(True, "no request yet")
        self._sftp = Component(True, "" if settings.sftp.host else "not configured")
        self._paused = ""
        self._last_tick: float | None = None

    def close(self) -> None:
        """Deliver what is queued (a few seconds at most) and stop the channels."""
        self.alerts.close()

    # -- fed by the pipeline and the client ------------------------------------------
    def file_outcome(self, outcome: FileOutcome) -> None:
        """Count a finished file and its records; alert a failure or rejects."""
        if outcome.status in ("pending", "gone", "taken"):
            return
        self.metrics.observe_file(outcome.kind, outcome.status)
        # An applied file brings its counts along: no ledger read per file.
        alerted = outcome.status in _ALERTED
        row = None
        if outcome.file_id and (alerted or outcome.counts is None):
            row = self.ledger.files.get(outcome.file_id)
        counts = outcome.counts
        if counts is None and row is not None:
            counts = {
                "applied": row.records_applied,
                "unchanged": row.records_unchanged,
                "rejected": row.records_rejected,
                "skipped": row.records_skipped,
            }
        for name, key in _RECORD_COUNTS:
            if counts and counts.get(key):
                self.metrics.observe_records(outcome.kind, name, counts[key])
        if alerted:
            self._alert_file(outcome, row)
        if outcome.file_id and outcome.kind == "shipments":
            self._invoices(outcome.file_id)

    def _invoices(self, file_id: int) -> None:
        """Count the invoices this file captured; alert amounts that differ."""
        for inv in file_invoices(self.ledger, file_id):
            if inv["invoice_file_id"] != file_id or inv["invoice_id"] is None:
                continue
            currency = str(inv["currency"] or "")
            total = Decimal(str(inv["grand_total"] or "0"))
            self.metrics.observe_invoice(currency, total)
            if not inv["mismatch"]:
                continue
            self.metrics.observe_invoice_mismatch()
            self.alerts.notify(
                invoice_amount_mismatch(
                    order_number=str(inv["order_number"]),
                    shipment_id=str(inv["shipment_id"]),
                    erp_amount=Decimal(str(inv["invoice_amount"] or "0")),
                    magento_amount=total,
                    currency=currency,
                    invoice_id=inv["invoice_id"],
                )
            )

    def _alert_file(self, outcome: FileOutcome, row: Any) -> None:
        root = self.settings.root

        def rel(path: Any) -> str | None:
            if path is None:
                return None
            try:
                return str(path.relative_to(root))
            except ValueError:
                return str(path)

        first = outcome.issues[0].reason if outcome.issues else (outcome.error or "")
        if outcome.status == "failed":
            event = file_failed(
                kind=outcome.kind,
                name=outcome.name,
                reason=first or (row.last_error if row else "") or "see the report",
                file_id=outcome.file_id,
                report=rel(outcome.report_path),
            )
        else:
            event = file_had_rejects(
                kind=outcome.kind,
                name=outcome.name,
                rejected=row.records_rejected if row else 0,
                applied=row.records_applied if row else 0,
                file_id=outcome.file_id,
                rejects=rel(outcome.rejects_path),
                first_reason=first or None,
            )
        self.alerts.notify(event)

    def magento_request(self, error: BaseException | None, seconds: float) -> None:
        """Count one Magento call; its outcome is Magento's health."""
        self.metrics.observe_request(request_outcome(error), seconds)
        with self._lock:
            if error is None or not isinstance(
                error, MagentoUnavailableError | MagentoAuthError
            ):
                self._magento = Component(True, "answering")
            else:
                self._magento = Component(False, f"{type(error).__name__}: {error}")

    # -- fed by the worker -----------------------------------------------------------
    def ticked(self) -> None:
        """The worker loop finished a pass (its heartbeat)."""
        with self._lock:
            self._last_tick = self.monotonic()
            if self._paused and self._magento.up:
                self._paused = ""

    def magento_unavailable(self, error: BaseException) -> None:
        """Magento could not be reached (a file or the export stays pending)."""
        base = self.settings.magento.base_url
        self.alerts.notify(magento_unreachable(base_url=base, error=str(error)))

    def magento_paused(self, error: MagentoAuthError | MagentoBaseUrlError) -> None:
        """Magento refused the credentials or is not at its URL: every flow pauses."""
        base = self.settings.magento.base_url
        if isinstance(error, MagentoBaseUrlError):
            with self._lock:
                self._paused = f"magento.base_url wrong ({error.status_code})"
            self.alerts.notify(magento_unreachable(base_url=base, error=str(error)))
            return
        with self._lock:
            self._paused = f"credentials refused ({error.status_code})"
        self.alerts.notify(
            magento_credentials_refused(
                base_url=self.settings.magento.base_url,
                status_code=error.status_code,
                error=str(error),
            )
        )

    def sftp_unavailable(self, error: BaseException) -> None:
        """The SFTP endpoint is down or refused us."""
        cfg = self.settings.sftp
        with self._lock:
            self._sftp = Component(False, f"{type(error).__name__}: {error}")
        self.alerts.notify(sftp_down(host=cfg.host, port=cfg.port, error=str(error)))

    def sftp_ok(self) -> None:
        """An SFTP poll went through."""
        with self._lock:
            self._sftp = Component(True, "answering")

    def export_result(self, exported: int, failed: list[tuple[str, str]]) -> None:
        """Count an order-export poll; alert each order that could not be exported."""
        if exported:
            self.metrics.observe_order_exported(exported)
        if failed:
            self.metrics.observe_order_export_failed(len(failed))
        for number, reason in failed:
            self.alerts.notify(order_export_failed(order_number=number, reason=reason))

    def file_stuck(
        self, kind: str, name: str, age: float, last_error: str | None, file_id: int
    ) -> None:
        """A file has been pending longer than ``runtime.max_pending_age_seconds``."""
        self.alerts.notify(
            file_pending_too_long(
                kind=kind,
                name=name,
                age_seconds=age,
                limit_seconds=self.settings.runtime.max_pending_age_seconds,
                last_error=last_error,
                file_id=file_id,
            )
        )

    # -- read by /healthz and /metrics -----------------------------------------------
    def components(self) -> dict[str, Component]:
        """Every component's health now."""
        with self._lock:
            magento, sftp, paused = self._magento, self._sftp, self._paused
            last_tick = self._last_tick
        if paused:
            magento = Component(False, f"paused: {paused}")
        limit = max(60.0, 5 * self.settings.folders.scan_seconds)
        if last_tick is None:
            worker = Component(True, "starting")
        elif self.monotonic() - last_tick > limit:
            worker = Component(False, f"no pass for over {limit:.0f}s")
        else:
            worker = Component(True, "running")
        return {
            "magento": magento,
            "sftp": sftp,
            "ledger": self._ledger_health(),
            "folders": self._folders_health(),
            "worker": worker,
        }

    def _ledger_health(self) -> Component:
        try:
            self.ledger.files.status_counts()
        except Exception as exc:  # noqa: BLE001 - any failure is "down", shown as it is
            return Component(False, f"{type(exc).__name__}: {exc}")
        return Component(True, "reachable")

    def _folders_health(self) -> Component:
        root = self.settings.root
        for kind in KINDS:
            inbox = root / "inbox" / kind
            if not os.access(inbox, os.W_OK | os.X_OK):
                return Component(False, f"inbox/{kind}/ is missing or not writable")
        return Component(True, "writable")

    def state(self) -> StateSnapshot:
        """The gauges' values now (called once per scrape)."""
        root, suffix = self.settings.root, self.settings.folders.done_suffix
        pending: dict[str, int] = {}
        oldest: float | None = None
        now = time.time()
        for kind in KINDS:
            pending[kind] = 0
            for folder in (root / "inbox" / kind, root / "var" / "work" / kind):
                if not folder.is_dir():
                    continue
                for entry in folder.iterdir():
                    if is_ignored_name(entry.name, suffix):
                        continue
                    pending[kind] += 1
                    age = now - entry.lstat().st_mtime
                    oldest = age if oldest is None else max(oldest, age)
        # A BridgeError (ledger busy) leaves these gauges out of this one scrape.
        rows, _total = ResolutionStore(self.ledger).unresolved(10_000)
        cursor = self.ledger.orders.status().cursor
        failed: dict[str, int] = dict.fromkeys(KINDS, 0)
        for row in rows:
            failed[row.kind] = failed.get(row.kind, 0) + 1
        lag = None
        if cursor is not None:
            lag = max(0.0, (self.ledger.now() - _aware(cursor)).total_seconds())
        up = {name: c.up for name, c in self.components().items()}
        if not self.settings.sftp.host:
            del up["sftp"]  # not configured: no series
        return StateSnapshot(pending, oldest, failed, lag, up)
