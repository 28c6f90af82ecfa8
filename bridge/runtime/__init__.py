"""The service: pipeline, worker loop, watcher, logging setup."""

from __future__ import annotations

from bridge.runtime.build import Components, build
from bridge.runtime.pipeline import FileOutcome, Pipeline
from bridge.runtime.worker import Service, TickSummary

__all__ = ["Components", "FileOutcome", "Pipeline", "Service", "TickSummary", "build"]
