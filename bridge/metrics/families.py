"""``BridgeMetrics``: the Prometheus families of SPEC §8 on the bridge's own registry.

The runtime counts what happens as it happens (``observe_file``, ``observe_records``,
``observe_request``, ...). What is a state rather than an event (pending files, the
oldest one's age, the export cursor's lag, components up) is read at scrape time from
a function the runtime provides, so ``/metrics`` is never staler than the ledger.

Each process has its own registry, so tests and several services in one interpreter
never clash; a scrape shows the counts of the process that serves it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bridge.errors import (
    MagentoAuthError,
    MagentoUnavailableError,
    RecordRejectedError,
)
from bridge.metrics.state import StateCollector, StateSnapshot

__all__ = ["CONTENT_TYPE", "LATENCY_BUCKETS", "BridgeMetrics", "request_outcome"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
"""The ``Content-Type`` header of ``render()``'s output."""

LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
"""Magento answers in tens of milliseconds to tens of seconds (timeout 30 s by default)."""


def request_outcome(error: BaseException | None) -> str:
    """The ``outcome`` label of a Magento call from the error it raised (None: ``ok``).

    ``ok``, ``rejected`` (a record refused), ``auth_refused`` (401/403),
    ``unavailable`` (timeout, connection, 429, 5xx), ``error`` (anything else).
    """
    if error is None:
        return "ok"
    if isinstance(error, RecordRejectedError):
        return "rejected"
    if isinstance(error, MagentoAuthError):
        return "auth_refused"
    if isinstance(error, MagentoUnavailableError):
        return "unavailable"
    return "error"


class BridgeMetrics:
    """Every metric family of the bridge, registered on one registry.

    Args:
        state: Returns the current state (pending files, ages, cursor lag); read at
            every scrape. None leaves those gauges out.
        registry: The registry to register on; a new one by default (never the global
            one, so instances do not clash).
        version: The bridge's version, exported as ``bridge_info``.
    """

    def __init__(
        self,
        state: Callable[[], StateSnapshot] | None = None,
        *,
        registry: CollectorRegistry | None = None,
        version: str = "",
    ) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.info = Gauge(
            "bridge_info", "The bridge's version; always 1.", ["version"], registry=r
        )
        self.info.labels(version=version or "unknown").set(1)
        self.files = Counter(
            "bridge_files",
            "Input files handled, by kind and outcome "
            "(done, partial, failed, duplicate, refused).",
            ["kind", "outcome"],
            registry=r,
        )
        self.records = Counter(
            "bridge_records",
            "Input records handled, by kind and outcome "
            "(created, updated, unchanged, stale, rejected, ...).",
            ["kind", "outcome"],
            registry=r,
        )
        self.requests = Counter(
            "bridge_magento_requests",
            "Magento REST calls, by outcome "
            "(ok, rejected, auth_refused, unavailable, error).",
            ["outcome"],
            registry=r,
        )
        self.latency = Histogram(
            "bridge_magento_request_duration_seconds",
            "Magento REST call duration, by outcome.",
            ["outcome"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.orders = Counter(
            "bridge_orders_exported",
            "Magento orders written to the outbox for the ERP.",
            registry=r,
        )
        self.order_failures = Counter(
            "bridge_order_export_failures",
            "Orders that could not be exported (each attempt counts).",
            registry=r,
        )
        self.invoices = Counter(
            "bridge_invoices_captured",
            "Invoices created in Magento for ERP shipments, by currency.",
            ["currency"],
            registry=r,
        )
        self.invoiced = Counter(
            "bridge_invoiced_amount",
            "Grand total of the invoices captured, by currency.",
            ["currency"],
            registry=r,
        )
        self.mismatches = Counter(
            "bridge_invoice_amount_mismatches",
            "Invoices whose amount differed from the ERP's invoice_amount.",
            registry=r,
        )
        self.alerts = Counter(
            "bridge_alerts",
            "Alert deliveries, by channel and outcome (sent, failed, dropped, throttled).",
            ["channel", "outcome"],
            registry=r,
        )
        if state is not None:
            r.register(StateCollector(state))

    # -- what the runtime calls ------------------------------------------------------
    def observe_file(self, kind: str, outcome: str) -> None:
        """Count one input file of ``kind`` that ended as ``outcome``."""
        self.files.labels(kind=kind, outcome=outcome).inc()

    def observe_records(self, kind: str, outcome: str, count: int = 1) -> None:
        """Count ``count`` records of ``kind`` that ended as ``outcome``."""
        if count:
            self.records.labels(kind=kind, outcome=outcome).inc(count)

    def observe_request(self, outcome: str, seconds: float) -> None:
        """Count one Magento call and its duration (``outcome`` from ``request_outcome``)."""
        self.requests.labels(outcome=outcome).inc()
        self.latency.labels(outcome=outcome).observe(seconds)

    def observe_order_exported(self, count: int = 1) -> None:
        """Count orders published to the outbox."""
        self.orders.inc(count)

    def observe_order_export_failed(self, count: int = 1) -> None:
        """Count orders that could not be exported."""
        self.order_failures.inc(count)

    def observe_invoice(self, currency: str, amount: Decimal | float) -> None:
        """Count one captured invoice and add its grand total."""
        self.invoices.labels(currency=currency).inc()
        self.invoiced.labels(currency=currency).inc(float(amount))

    def observe_invoice_mismatch(self) -> None:
        """Count an invoice whose amount differed from the ERP's."""
        self.mismatches.inc()

    def observe_alert(self, channel: str, outcome: str) -> None:
        """Count one alert delivery outcome (fits ``build_alerts(observe=...)``)."""
        self.alerts.labels(channel=channel, outcome=outcome).inc()

    # -- exposition ------------------------------------------------------------------
    def render(self) -> bytes:
        """The Prometheus text exposition of every family (``Content-Type``: CONTENT_TYPE)."""
        return generate_latest(self.registry)
