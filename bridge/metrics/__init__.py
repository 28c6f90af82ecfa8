"""Prometheus metrics of SPEC §8 (prometheus-client only here, on an own registry).

The runtime creates one ``BridgeMetrics(state=...)``, calls its ``observe_*`` methods
as things happen, and the web endpoint serves ``metrics.render()`` with
``CONTENT_TYPE`` at ``/metrics``. Names and labels are listed in docs/operations.md.
"""

from __future__ import annotations

from bridge.metrics.families import (
    CONTENT_TYPE,
    LATENCY_BUCKETS,
    BridgeMetrics,
    request_outcome,
)
from bridge.metrics.state import StateCollector, StateSnapshot

__all__ = [
    "CONTENT_TYPE",
    "LATENCY_BUCKETS",
    "BridgeMetrics",
    "StateCollector",
    "StateSnapshot",
    "request_outcome",
]
