"""The service loop: one ``tick()`` does everything that is due; retries back off.

This is the only place that catches broadly (S4.5). A non-bridge exception is a bug:
it is logged with its traceback, the file stays where it is, and the unit backs off.
Transient errors retry with capped exponential backoff and jitter and never move
files; a unit that has failed for longer than ``runtime.max_pending_age_seconds`` is
alerted in ``bridge status``, never dropped (S4.6).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import structlog

from bridge.config import MagentoSettings
from bridge.errors import (
    BridgeError,
    MagentoAuthError,
    MagentoBaseUrlError,
    MagentoUnavailableError,
    TransientError,
)
from bridge.flows.apply_shipments import ApplyShipmentsFlow
from bridge.flows.invoice_open_deliveries import InvoiceOpenDeliveriesFlow
from bridge.flows.reconcile_drift import ReconcileDriftFlow
from bridge.folders.local import Candidate, ClaimedFile
from bridge.magento import ProductsAdapter, StockAdapter
from bridge.runtime.heartbeat import write_heartbeat
from bridge.runtime.pause import PROBE_SECONDS, MagentoPause, PauseCause
from bridge.runtime.pipeline import FileOutcome
from bridge.runtime.wiring import Components
from bridge.support.backoff import Backoff
from bridge.support.clock import as_utc

__all__ = ["Service", "TickSummary"]

log = structlog.get_logger("bridge.worker")

BEAT_SECONDS = 5.0
"""The service writes its heartbeat at most this often."""
INVOICE_CHECK_SECONDS = 5.0
"""Deliveries shipped but not invoiced are looked at this often (each has its backoff)."""
# ``run --once`` retries pending files after 2 s, 4 s, 8 s: predictable, it waits.
_ONCE_RETRY = Backoff(2.0, 10.0, jitter=False)


@dataclass
class TickSummary:
    """What one tick did."""

    outcomes: list[FileOutcome] = field(default_factory=list)
    exported: int = 0
    export_failed: int = 0
    pending: int = 0
    waiting: int = 0
    paused: str = ""

    @property
    def had_problems(self) -> bool:
        """True on a failed file, rejects, an unexported order or a Magento pause."""
        bad = {"failed", "partial"}
        failed = any(o.status in bad for o in self.outcomes)
        return failed or self.export_failed > 0 or bool(self.paused)


class Service:
    """Runs the bridge: inboxes, pending files, order export and SFTP, as they come due.

    Args:
        comps: The wired components.
        monotonic: Monotonic clock for scheduling (S7.6).
        sleep: Sleep function.
        reload: Reads the ``[magento]`` section again while paused, so credentials
            corrected in ``bridge.toml`` are taken without a restart.
    """

    def __init__(
        self,
        comps: Components,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        reload: Callable[[], MagentoSettings] | None = None,
    ) -> None:
        self.c = comps
        self.monotonic = monotonic
        self.sleep = sleep
        self.wake = threading.Event()
        # One event with the pipeline: SIGTERM stops between files and between records.
        self.stop_event = comps.pipeline.stopping
        self._next_try: dict[str, float] = {}
        self.pause = MagentoPause(comps.client, reload)
        self._next_export = 0.0
        self._next_sftp = 0.0
        self._next_reconcile = 0.0
        self._next_beat = 0.0
        self._next_invoice = 0.0
        self._beat_paused = False
        self.work_dir = comps.pipeline.work_dir
        # A pending file waits up to 2 s after its first failure, 4 s, 8 s ...
        self._backoff = Backoff(2.0, comps.settings.runtime.backoff_max_seconds)

    # -- one pass ------------------------------------------------------------------
    def tick(self, *, export: bool | None = None) -> TickSummary:
        """Do everything that is due now once; ``export`` forces or skips the order poll."""
        summary = TickSummary()
        now = self.monotonic()
        remote_waiting = self._sftp_poll(now, force=export is not None)
        if self.pause.due(now):
            self.pause.probe(now)
        if not self.pause.active:
            for left in self.c.inbox.work_files(self.work_dir):
                if self.stop_event.is_set() or self.pause.active:
                    break  # SIGTERM or paused: the rest stays pending
                if self._next_try.get(str(left.path), 0.0) <= now:
                    self._run_file(left, summary, resumed=True)
            for cand in self.c.inbox.scan():
                if self.stop_event.is_set() or self.pause.active:
                    break
                if cand.refused:
                    summary.outcomes.append(self._guard(self.c.pipeline.refuse, cand))
                    continue
                try:
                    claimed = self.c.inbox.claim(
                        cand, self.work_dir, self.c.ledger.now()
                    )
                except OSError as exc:
                    self._folder_trouble(cand.kind, exc)
                    continue
                if claimed is not None:
                    self._run_file(claimed, summary)
            summary.waiting = self.c.inbox.waiting + remote_waiting
            due = now >= self._next_export if export is None else export
            if due and not self.stop_event.is_set() and not self.pause.active:
                self._export(summary)
                self._next_export = now + self.c.settings.orders.poll_seconds
            self._reconcile_when_due(now)
            if not self.stop_event.is_set():
                self._invoice_open_when_due(now)
        summary.pending = len(self.c.inbox.work_files(self.work_dir))
        summary.paused = self.pause.reason
        self._sftp_finish()
        self.c.telemetry.ticked()
        return summary

    def _reconcile_when_due(self, now: float) -> None:
        """Repair stock and product drift every ``runtime.reconcile_hours`` (0: off)."""
        hours = self.c.settings.runtime.reconcile_hours
        if not hours or now < self._next_reconcile:
            return
        self._next_reconcile = now + hours * 3600
        flow = ReconcileDriftFlow(
            self.c.settings,
            self.c.ledger,
            ProductsAdapter(self.c.client),
            StockAdapter(self.c.client),
        )
        for what in ("stock", "products"):
            try:
                report = flow.stock() if what == "stock" else flow.products()
            except BridgeError as exc:
                log.warning("reconcile_failed", flow=what, status=str(exc))
                continue
            log.info(
                "drift_reconciled",
                flow=what,
                status=f"{report.drifted} drifted, {report.fixed} fixed, "
                f"{len(report.failed)} not fixed",
            )

    def _invoice_open_when_due(self, now: float) -> None:
        """Retry the invoices of deliveries shipped but not invoiced, when due."""
        flow = self.c.pipeline.flows.get("shipments")
        # The shipments flow is wrapped (GTIN references resolved first).
        flow = getattr(flow, "inner", flow)
        if now < self._next_invoice or not isinstance(flow, ApplyShipmentsFlow):
            return
        self._next_invoice = now + INVOICE_CHECK_SECONDS
        retry = InvoiceOpenDeliveriesFlow(
            self.c.settings, self.c.ledger, flow, ownership=self.c.ownership
        )
        try:
            retry.run()
        except MagentoAuthError as exc:
            self._pause_magento(exc)
        except BridgeError as exc:
            log.warning("invoice_retry_postponed", flow="shipments", status=str(exc))

    def _guard(
        self, step: Callable[[Candidate], FileOutcome], cand: Candidate
    ) -> FileOutcome:
        try:
            return step(cand)
        except BridgeError as exc:
            log.warning("step_failed", status=type(exc).__name__)
            return FileOutcome("?", "?", "pending", error=str(exc))

    def _run_file(
        self, claimed: ClaimedFile, summary: TickSummary, *, resumed: bool = False
    ) -> None:
        key = str(claimed.path)
        try:
            outcome = self.c.pipeline.process(claimed, resumed=resumed)
        except (MagentoAuthError, MagentoBaseUrlError) as exc:
            self._pause_magento(exc)
            outcome = FileOutcome(claimed.name, claimed.kind, "pending", error=str(exc))
        except TransientError as exc:
            self._transient(exc)
            outcome = FileOutcome(claimed.name, claimed.kind, "pending", error=str(exc))
        except OSError as exc:  # disk full, read-only or missing folder: retried
            error = self._folder_trouble(claimed.kind, exc)
            outcome = FileOutcome(claimed.name, claimed.kind, "pending", error=error)
        except Exception as exc:
            log.exception("unexpected_error", flow=claimed.kind, file=claimed.name)
            self.c.ledger.files.log_event(
                "error", claimed.kind, "unexpected_error", f"{claimed.name}: {exc!r}"
            )
            outcome = FileOutcome(
                claimed.name, claimed.kind, "pending", error=repr(exc)
            )
        if outcome.status == "pending":
            self._back_off(key, claimed, outcome.retry_after)
        else:
            self._next_try.pop(key, None)
        summary.outcomes.append(outcome)

    def _back_off(
        self, key: str, claimed: ClaimedFile, retry_after: float | None = None
    ) -> None:
        row = self.c.ledger.files.by_work_path(key)
        attempts = row.attempts if row is not None else 1
        delay = self._backoff.delay(attempts, retry_after)
        self._next_try[key] = self.monotonic() + delay
        if row is not None:
            age = (self.c.ledger.now() - as_utc(row.received_at)).total_seconds()
            if age > self.c.settings.runtime.max_pending_age_seconds:
                self.c.telemetry.file_stuck(
                    claimed.kind, claimed.name, age, row.last_error, row.id
                )
                self.c.ledger.files.log_event(
                    "error",
                    claimed.kind,
                    "file_stuck",
                    f"{claimed.name} pending for {age:.0f}s: {row.last_error}",
                )

    def _folder_trouble(self, kind: str, exc: OSError) -> str:
        """Log a folder that cannot be written (disk full, read-only): no traceback."""
        where = exc.filename if exc.filename is not None else "?"
        text = f"cannot write {where!s}: {exc.strerror or exc}; retried"
        error = text.encode("utf-8", "backslashreplace").decode("utf-8")
        log.warning("folder_unavailable", flow=kind, file=str(where), status=error)
        self.c.ledger.files.log_event("error", kind, "folder_unavailable", error)
        return error

    def beat(self, scan: float) -> None:
        """Write this service's heartbeat, with its pause, for ``bridge status``.

        At most every ``BEAT_SECONDS`` (or ``scan`` when longer), and at once when the
        pause changes: a ledger write per 0.2 s pass would only add lock contention.
        """
        now = self.monotonic()
        paused = self.pause.active
        interval = max(scan, BEAT_SECONDS)
        if now < self._next_beat and paused == self._beat_paused:
            return
        self._next_beat, self._beat_paused = now + interval, paused
        # Paused until a probe succeeds: the stamp reaches past the next beat.
        ahead = 2 * interval + PROBE_SECONDS
        until = self.c.ledger.now() + timedelta(seconds=ahead) if paused else None
        try:
            write_heartbeat(
                self.c.ledger,
                interval,
                paused_until=until,
                pause_reason=self.pause.reason if until else "",
            )
        except BridgeError as exc:  # a busy ledger skips one beat, never the loop
            log.warning("heartbeat_failed", status=type(exc).__name__)

    def _pause_magento(self, exc: PauseCause) -> None:
        reason = self.pause.pause(exc, self.monotonic())
        event = (
            "magento_auth_failed"
            if isinstance(exc, MagentoAuthError)
            else "magento_base_url_wrong"
        )
        self.c.ledger.files.log_event("error", "magento", event, reason)
        log.error(event, status=exc.status_code, reason=reason)
        self.c.telemetry.magento_paused(exc)

    def _transient(self, exc: TransientError) -> None:
        if isinstance(exc, MagentoUnavailableError):
            self.c.telemetry.magento_unavailable(exc)

    def _export(self, summary: TickSummary) -> None:
        try:
            result = self.c.export.run()
        except (MagentoAuthError, MagentoBaseUrlError) as exc:
            self._pause_magento(exc)
            return
        except TransientError as exc:
            self._transient(exc)
            log.warning("export_postponed", flow="orders", status=type(exc).__name__)
            self.c.ledger.files.log_event(
                "warning", "orders", "export_postponed", str(exc)
            )
            return
        except Exception as exc:
            log.exception("unexpected_error", flow="orders")
            self.c.ledger.files.log_event(
                "error", "orders", "unexpected_error", repr(exc)
            )
            summary.export_failed += 1
            return
        summary.exported += len(result.exported)
        summary.export_failed += len(result.failed)
        self.c.telemetry.export_result(len(result.exported), result.failed)

    # -- SFTP ------------------------------------------------------------------------
    def _sftp_poll(self, now: float, *, force: bool = False) -> int:
        """Poll the remote inboxes when due (and on every tick of ``run --once``)."""
        if self.c.sftp is None or (now < self._next_sftp and not force):
            return 0
        self._next_sftp = now + self.c.settings.sftp.poll_seconds
        try:
            waiting = int(self.c.sftp.poll())
        except TransientError as exc:
            self.c.telemetry.sftp_unavailable(exc)
            log.warning("sftp_unavailable", flow="sftp", status=str(exc))
        except BridgeError as exc:
            self._sftp_refused(exc)
        except Exception:
            log.exception("unexpected_error", flow="sftp")
        else:
            self.c.telemetry.sftp_ok()
            return waiting
        return 0

    def _sftp_finish(self) -> None:
        if self.c.sftp is None:
            return
        try:
            self.c.sftp.finish()
        except TransientError as exc:
            log.warning("sftp_unavailable", flow="sftp", status=str(exc))
        except BridgeError as exc:
            self._sftp_refused(exc)
        except Exception:
            log.exception("unexpected_error", flow="sftp")

    def _sftp_refused(self, exc: BridgeError) -> None:
        """Host key or credentials refused: an operator must act; keep running."""
        log.error("sftp_refused", flow="sftp", status=str(exc))
        self.c.telemetry.sftp_unavailable(exc)
        self.c.ledger.files.log_event("error", "sftp", "sftp_refused", str(exc))

    # -- loops ---------------------------------------------------------------------
    def run_once(
        self, *, max_wait: float | None = None, retries: int = 3
    ) -> TickSummary:
        """Handle everything pending, poll orders once, and return.

        Waits for files that are still being written (read lock) and retries files
        that hit a transient error a few times, then leaves them pending.
        """
        total = TickSummary()
        limit = (
            max_wait
            if max_wait is not None
            else self.c.settings.folders.stable_seconds + 5
        )
        deadline = self.monotonic() + limit
        exported = False
        rounds = 0
        while True:
            summary = self.tick(export=not exported)
            exported = True
            total.outcomes.extend(summary.outcomes)
            total.exported += summary.exported
            total.export_failed += summary.export_failed
            total.pending, total.waiting = summary.pending, summary.waiting
            total.paused = summary.paused
            rounds += 1
            if summary.paused:
                return total  # nothing moves until Magento takes the credentials
            if summary.waiting and self.monotonic() < deadline:
                self.sleep(
                    min(0.5, max(0.05, self.c.settings.folders.stable_seconds / 4))
                )
                continue
            if summary.pending and rounds <= retries:
                self._next_try.clear()
                self.sleep(_ONCE_RETRY.delay(rounds))
                continue
            return total

    def run_forever(self) -> None:
        """Run until ``stop_event`` is set; wake early on watcher events."""
        scan = self.c.settings.folders.scan_seconds
        while not self.stop_event.is_set():
            try:
                summary = self.tick()
            except Exception:
                log.exception("unexpected_error", flow="service")
                summary = TickSummary()
            wait = scan
            if summary.waiting:
                wait = min(scan, max(0.05, self.c.settings.folders.stable_seconds / 2))
            self.beat(scan)
            self.wake.wait(wait)
            self.wake.clear()
