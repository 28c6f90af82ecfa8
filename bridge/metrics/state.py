"""Gauges read at scrape time: pending files, the oldest one's age, the cursor's lag.

``StateCollector`` calls the runtime's ``state()`` function once per scrape and turns
the ``StateSnapshot`` into gauge families. Registration does not call it (``describe``
answers without it), so building the metrics never touches the ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import structlog
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bridge.errors import BridgeError

__all__ = ["StateCollector", "StateSnapshot"]

log = structlog.get_logger("bridge.metrics")


@dataclass(frozen=True)
class StateSnapshot:
    """The bridge's state at one moment, as the runtime reads it from the ledger.

    Attributes:
        pending_files: Files waiting or being worked on, by kind (every kind listed,
            zeros included, so a series does not vanish when its queue empties).
        oldest_pending_age_seconds: Age of the oldest pending file; None if none.
        failed_files: Files in failed/ not yet retried or resolved, by kind.
        export_cursor_lag_seconds: How far the order export's cursor is behind now;
            None before the first export.
        components_up: Health of each component (``magento``, ``sftp``, ``ledger``,
            ``folders``, ``worker``): True up, False down.
    """

    pending_files: Mapping[str, int] = field(default_factory=dict)
    oldest_pending_age_seconds: float | None = None
    failed_files: Mapping[str, int] = field(default_factory=dict)
    export_cursor_lag_seconds: float | None = None
    components_up: Mapping[str, bool] = field(default_factory=dict)


def _families() -> dict[str, GaugeMetricFamily]:
    return {
        "pending": GaugeMetricFamily(
            "bridge_pending_files",
            "Input files waiting or being worked on, by kind.",
            labels=["kind"],
        ),
        "oldest": GaugeMetricFamily(
            "bridge_oldest_pending_file_age_seconds",
            "Age of the oldest pending input file (0 when none is pending).",
        ),
        "failed": GaugeMetricFamily(
            "bridge_failed_files",
            "Input files in failed/ not yet retried or resolved, by kind.",
            labels=["kind"],
        ),
        "lag": GaugeMetricFamily(
            "bridge_export_cursor_lag_seconds",
            "How far the order export's cursor is behind the current time.",
        ),
        "up": GaugeMetricFamily(
            "bridge_component_up",
            "1 when the component (magento, sftp, ledger, folders, worker) is up.",
            labels=["component"],
        ),
    }


class StateCollector(Collector):
    """A Prometheus collector over the runtime's ``state()`` function.

    Args:
        state: Returns the current snapshot; a ``BridgeError`` (e.g. the ledger is
            busy) leaves these gauges out of that one scrape and is logged.
    """

    def __init__(self, state: Callable[[], StateSnapshot]) -> None:
        self._state = state

    def describe(self) -> Iterator[Metric]:
        """The families without samples (registration must not read the ledger)."""
        yield from _families().values()

    def collect(self) -> Iterator[Metric]:
        """The families with the current samples."""
        try:
            snap = self._state()
        except BridgeError as exc:
            log.warning("metrics_state_failed", status=f"{type(exc).__name__}: {exc}")
            return
        fam = _families()
        for kind, count in sorted(snap.pending_files.items()):
            fam["pending"].add_metric([kind], count)
        fam["oldest"].add_metric([], snap.oldest_pending_age_seconds or 0.0)
        for kind, count in sorted(snap.failed_files.items()):
            fam["failed"].add_metric([kind], count)
        if snap.export_cursor_lag_seconds is not None:
            fam["lag"].add_metric([], snap.export_cursor_lag_seconds)
        for name, up in sorted(snap.components_up.items()):
            fam["up"].add_metric([name], 1.0 if up else 0.0)
        yield from fam.values()
